"""Tenants: the isolation boundary of the platform.

A tenant is not scoped to a tenant itself, so it is a ``GlobalModel`` (which
carries the audit columns like every other model).
"""

import uuid

from sqlalchemy.orm import Mapped, mapped_column

from app.features.core.models import GlobalModel
from app.features.core.sqlalchemy_imports import *


class Tenant(GlobalModel):
    """A customer organisation. Names and slugs are unique."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    slug: Mapped[str] = mapped_column(String(63), unique=True, nullable=False)
    plan: Mapped[str] = mapped_column(String(32), nullable=False, default="starter")
    max_users: Mapped[int] = mapped_column(Integer, nullable=False, default=10)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
