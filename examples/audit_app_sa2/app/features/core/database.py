"""Engines, sessions and the FastAPI dependencies that hand them out.

The catalog runs on the async stack (``AsyncSession`` over aiosqlite); the
inventory module predates it and still uses a plain ``Session``. Both map the
same ``Base``. Neither dependency commits: whoever changes data commits.
"""

import os
from collections.abc import AsyncIterator, Iterator

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

DATABASE_FILE = os.environ.get("CATALOG_DATABASE_FILE", "./catalog.db")


class Base(DeclarativeBase):
    pass


def _sqlite_foreign_keys(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_async_engine(path: str = DATABASE_FILE, **kwargs) -> AsyncEngine:
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}", **kwargs)
    event.listen(engine.sync_engine, "connect", _sqlite_foreign_keys)
    return engine


def make_sync_engine(path: str = DATABASE_FILE, **kwargs) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False}, **kwargs)
    event.listen(engine, "connect", _sqlite_foreign_keys)
    return engine


def make_async_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


async_engine = make_async_engine()
AsyncSessionLocal = make_async_sessionmaker(async_engine)
sync_engine = make_sync_engine()
SessionLocal = make_sessionmaker(sync_engine)


def create_tables(engine: Engine = sync_engine) -> None:
    import app.features.catalog.models  # noqa: F401
    import app.features.inventory.models  # noqa: F401

    Base.metadata.create_all(engine)


async def get_db() -> AsyncIterator[AsyncSession]:
    async with AsyncSessionLocal() as session:
        yield session


def get_sync_db() -> Iterator[Session]:
    with SessionLocal() as session:
        yield session
