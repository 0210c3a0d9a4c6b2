"""Who is calling: the ``get_current_user`` dependency.

The example trusts an ``X-User-Email`` header (and an optional
``X-User-Name``) set by the gateway in front of it; a real deployment would
verify a token here.
"""

from dataclasses import dataclass
from typing import Optional

from fastapi import Header, HTTPException, status


@dataclass(frozen=True)
class CurrentUser:
    """The authenticated caller."""

    email: str
    name: str


async def get_current_user(
    x_user_email: Optional[str] = Header(default=None),
    x_user_name: Optional[str] = Header(default=None),
) -> CurrentUser:
    """Return the caller, or answer 401 when the gateway sent no identity."""
    if not x_user_email:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Not authenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return CurrentUser(email=x_user_email, name=x_user_name or x_user_email)
