"""Users of the platform; every user belongs to one tenant."""

import uuid

from sqlalchemy.orm import Mapped, mapped_column

from app.features.core.audit_mixin import AuditMixin
from app.features.core.database import Base
from app.features.core.sqlalchemy_imports import *


class User(Base, AuditMixin):
    """A login. Emails are unique across the whole platform, not per tenant."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    tenant_id: Mapped[str] = mapped_column(String(36), index=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    email: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    hashed_password: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False, default="member")
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
