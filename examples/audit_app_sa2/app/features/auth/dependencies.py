"""The caller of a request.

The API gateway authenticates and forwards the identity in headers; this
service trusts them.
"""

from dataclasses import dataclass
from typing import Optional

from fastapi import Header, HTTPException, status


@dataclass(frozen=True)
class CurrentUser:
    email: str
    full_name: str


def get_current_user(
    x_user_email: Optional[str] = Header(default=None),
    x_user_name: Optional[str] = Header(default=None),
) -> CurrentUser:
    if not x_user_email:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Not authenticated")
    return CurrentUser(email=x_user_email, full_name=x_user_name or x_user_email)
