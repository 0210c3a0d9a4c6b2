"""Operational log entries shown in the administration console.

Log entries are written by the system, never edited, and carry no audit
columns: only the time they were recorded.
"""

import uuid

from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column

from app.features.core.database import Base
from app.features.core.sqlalchemy_imports import *


class LogEntry(Base):
    """One log line; identical (level, message) pairs are stored once."""

    __tablename__ = "log_entries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    tenant_id: Mapped[Optional[str]] = mapped_column(String(36), index=True, nullable=True)
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
