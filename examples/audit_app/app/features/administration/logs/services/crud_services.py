"""Log entry service: records operational messages for the administration console."""

import hashlib

from app.features.core.sqlalchemy_imports import *
from app.features.core.enhanced_base_service import BaseService

from app.features.administration.logs.models import LogEntry

logger = get_logger(__name__)

LEVELS = ("debug", "info", "warning", "error")


class LogEntryService(BaseService[LogEntry]):
    """Write and read the log entries of a tenant."""

    async def create_log_entry(self, message: str, level: str = "info") -> LogEntry:
        """Record a log entry.

        The same (level, message) pair is recorded once: a repeat is refused.
        """
        if level not in LEVELS:
            raise ValueError(f"Unknown log level: {level}")

        try:
            entry = LogEntry(
                tenant_id=self.tenant_id,
                level=level,
                message=message,
                fingerprint=self._fingerprint(level, message)
            )

            self.db.add(entry)
            await self.db.flush()
            return entry

        except IntegrityError as e:
            await self.db.rollback()
            logger.error(f"Failed to record log entry - IntegrityError: {e}")
            raise ValueError(f"Log entry already recorded: [{level}] {message}") from e

    async def get_recent_entries(self, limit: int = 50) -> List[LogEntry]:
        """The tenant's latest entries, newest first."""
        result = await self.db.execute(
            select(LogEntry)
            .where(LogEntry.tenant_id == self.tenant_id)
            .order_by(LogEntry.created_at.desc())
            .limit(limit)
        )
        return list(result.scalars().all())

    def _fingerprint(self, level: str, message: str) -> str:
        return hashlib.sha256(f"{self.tenant_id}|{level}|{message}".encode()).hexdigest()
