"""Base class of the feature services: session, tenant scope and shared helpers."""

from typing import Any, Generic, Optional, Type, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.features.core.logging import get_logger

ModelT = TypeVar("ModelT")

logger = get_logger(__name__)


class BaseService(Generic[ModelT]):
    """Holds the request's session and the tenant the service acts for."""

    def __init__(self, db: AsyncSession, tenant_id: Optional[str] = None):
        self.db = db
        self.tenant_id = tenant_id

    async def get_by_id(self, model: Type[Any], id: Any) -> Optional[Any]:
        """Load one row by primary key; soft-deleted rows count as missing."""
        entity = await self.db.get(model, id)
        if entity is None or getattr(entity, "is_deleted", False):
            return None
        return entity

    async def handle_error(self, op: str, e: Exception, **ctx: Any) -> None:
        """Log a failed operation with its context; the caller decides what to raise."""
        details = ", ".join(f"{key}={value!r}" for key, value in ctx.items())
        logger.error(f"{type(self).__name__}.{op} failed for tenant {self.tenant_id}: {e} ({details})")
