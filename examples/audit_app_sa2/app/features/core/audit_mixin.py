"""Audit columns shared by every audited table, and who is acting.

``AuditMixin`` declares the columns; the setters record *who* acted. Services
are expected to build an ``AuditContext`` from the request's user, call the
matching setter, and set the timestamps themselves with ``datetime.now()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import Boolean, DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column


class AuditMixin:
    """Who created, last changed and archived a row, and when."""

    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, server_default=func.now())
    updated_at: Mapped[Optional[datetime]] = mapped_column(DateTime, nullable=True)
    created_by_email: Mapped[Optional[str]] = mapped_column(String(255))
    created_by_name: Mapped[Optional[str]] = mapped_column(String(255))
    updated_by_email: Mapped[Optional[str]] = mapped_column(String(255))
    updated_by_name: Mapped[Optional[str]] = mapped_column(String(255))
    deleted_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    deleted_by_email: Mapped[Optional[str]] = mapped_column(String(255))
    deleted_by_name: Mapped[Optional[str]] = mapped_column(String(255))
    is_deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    def set_created_by(self, email: Optional[str], name: Optional[str]) -> None:
        self.created_by_email = email
        self.created_by_name = name

    def set_updated_by(self, email: Optional[str], name: Optional[str]) -> None:
        self.updated_by_email = email
        self.updated_by_name = name

    def set_deleted_by(self, email: Optional[str], name: Optional[str]) -> None:
        self.deleted_by_email = email
        self.deleted_by_name = name

    def mark_deleted(self) -> None:
        """Flag the row as archived; the database clock dates it."""
        self.is_deleted = True
        self.deleted_at = func.now()


@dataclass(frozen=True)
class AuditContext:
    """The acting user as the audit columns store it."""

    user_email: str
    user_name: str

    @classmethod
    def from_user(cls, user: Any) -> "AuditContext":
        email = user.email
        name = getattr(user, "full_name", None) or getattr(user, "name", None) or email
        return cls(user_email=email, user_name=name)

    @classmethod
    def system(cls) -> "AuditContext":
        return cls(user_email="system@catalog.local", user_name="System")
