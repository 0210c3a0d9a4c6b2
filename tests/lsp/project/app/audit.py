"""The audit mixin and the audit context of the project."""

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column


class AuditMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    created_by_email: Mapped[Optional[str]] = mapped_column(String(255), nullable=True)
    created_by_name: Mapped[Optional[str]] = mapped_column(String(255), nullable=True)
    updated_by_email: Mapped[Optional[str]] = mapped_column(String(255), nullable=True)
    updated_by_name: Mapped[Optional[str]] = mapped_column(String(255), nullable=True)
    deleted_by_email: Mapped[Optional[str]] = mapped_column(String(255), nullable=True)
    deleted_by_name: Mapped[Optional[str]] = mapped_column(String(255), nullable=True)

    def set_created_by(self, email: Optional[str], name: Optional[str]) -> None:
        self.created_by_email = email
        self.created_by_name = name

    def set_updated_by(self, email: Optional[str], name: Optional[str]) -> None:
        self.updated_by_email = email
        self.updated_by_name = name

    def set_deleted_by(self, email: Optional[str], name: Optional[str]) -> None:
        self.deleted_by_email = email
        self.deleted_by_name = name


@dataclass(frozen=True)
class AuditContext:
    user_email: Optional[str]
    user_name: Optional[str]

    @classmethod
    def from_user(cls, user) -> "AuditContext":
        return cls(user_email=user.email, user_name=user.name)
