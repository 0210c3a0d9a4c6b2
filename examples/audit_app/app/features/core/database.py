"""Database engine, session factory, declarative base and the ``get_db`` dependency.

The URL comes from ``AUDIT_APP_DATABASE_URL`` (a local SQLite file by
default). Services never commit: the request-scoped session of ``get_db``
commits once the route has returned, or rolls back if it raised.
"""

import os
from typing import AsyncIterator

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

DATABASE_URL = os.environ.get("AUDIT_APP_DATABASE_URL", "sqlite+aiosqlite:///./audit_app.db")


class Base(DeclarativeBase):
    """Declarative base of every model."""


def build_engine(url: str = DATABASE_URL, **kwargs) -> AsyncEngine:
    """Create an async engine; SQLite connections enforce foreign keys."""
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _enable_foreign_keys(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    return engine


def build_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions keep loaded attributes after commit (services return entities)."""
    return async_sessionmaker(engine, expire_on_commit=False)


engine = build_engine()
SessionLocal = build_session_factory(engine)


async def init_models(bind: AsyncEngine = engine) -> None:
    """Create every table (the example app has no migrations)."""
    import app.model_registry  # noqa: F401  (registers every model on Base.metadata)

    async with bind.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)


async def get_db() -> AsyncIterator[AsyncSession]:
    """FastAPI dependency: one session per request, committed on success."""
    async with SessionLocal() as session:
        try:
            yield session
            await session.commit()
        except Exception:
            await session.rollback()
            raise
