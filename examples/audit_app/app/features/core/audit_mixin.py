"""The audit columns every audited model carries, and the context that fills them.

``AuditMixin`` only declares columns and three setters; it never decides *when*
an entity was created or by whom. Services build an ``AuditContext`` from the
acting user, call the matching setter and set the timestamps explicitly with
naive ``datetime.now()``. ``created_at`` and ``updated_at`` have no default on
purpose: a create that forgets them fails loudly instead of writing a row
without a time.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column


class AuditMixin:
    """Who created, last updated and (soft-)deleted a row, and when."""

    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    created_by_email: Mapped[Optional[str]] = mapped_column(String(255), nullable=True)
    created_by_name: Mapped[Optional[str]] = mapped_column(String(255), nullable=True)
    updated_by_email: Mapped[Optional[str]] = mapped_column(String(255), nullable=True)
    updated_by_name: Mapped[Optional[str]] = mapped_column(String(255), nullable=True)
    deleted_at: Mapped[Optional[datetime]] = mapped_column(DateTime, nullable=True)
    deleted_by_email: Mapped[Optional[str]] = mapped_column(String(255), nullable=True)
    deleted_by_name: Mapped[Optional[str]] = mapped_column(String(255), nullable=True)
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    def set_created_by(self, email: Optional[str], name: Optional[str]) -> None:
        """Record who created the row."""
        self.created_by_email = email
        self.created_by_name = name

    def set_updated_by(self, email: Optional[str], name: Optional[str]) -> None:
        """Record who last updated the row."""
        self.updated_by_email = email
        self.updated_by_name = name

    def set_deleted_by(self, email: Optional[str], name: Optional[str]) -> None:
        """Record who soft-deleted the row."""
        self.deleted_by_email = email
        self.deleted_by_name = name


@dataclass(frozen=True)
class AuditContext:
    """The acting user, reduced to what the audit columns hold."""

    user_email: str
    user_name: str

    @classmethod
    def from_user(cls, user) -> "AuditContext":
        """Build the context from any user object with ``.email`` (and ``.name``)."""
        email = user.email
        name = getattr(user, "name", None) or email
        return cls(user_email=email, user_name=name)

    @classmethod
    def system(cls) -> "AuditContext":
        """The context of writes made by the system itself (workers, bootstrap)."""
        return cls(user_email="system@localhost", user_name="System")
