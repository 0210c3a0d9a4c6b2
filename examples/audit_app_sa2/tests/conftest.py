"""A fresh SQLite file per test, reached the way the application reaches it:
``AsyncSession`` over aiosqlite for the catalog, a plain ``Session`` for the
inventory. No mocks."""

import asyncio

import pytest
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from app.features.core.database import (
    create_tables,
    make_async_engine,
    make_async_sessionmaker,
    make_sessionmaker,
    make_sync_engine,
)
from tests.support import Actor


@pytest.fixture
def db_file(tmp_path):
    path = str(tmp_path / "catalog.db")
    engine = make_sync_engine(path)
    create_tables(engine)
    engine.dispose()
    return path


@pytest.fixture
def run_async(db_file):
    """Run ``scenario(session)`` on an ``AsyncSession`` of the test database."""

    def run(scenario):
        async def main():
            engine = make_async_engine(db_file, poolclass=NullPool)
            try:
                async with make_async_sessionmaker(engine)() as session:
                    return await scenario(session)
            finally:
                await engine.dispose()

        return asyncio.run(main())

    return run


@pytest.fixture
def sync_session(db_file):
    engine = make_sync_engine(db_file)
    with make_sessionmaker(engine)() as session:
        yield session
    engine.dispose()


@pytest.fixture
def stored(db_file):
    """``stored(Model, id)``: the row as the database holds it, read on a new connection."""
    engine = make_sync_engine(db_file, poolclass=NullPool)

    def read(model, row_id):
        with Session(engine) as session:
            row = session.get(model, row_id)
            if row is None:
                return None
            return {column.key: getattr(row, column.key) for column in model.__table__.columns}

    yield read
    engine.dispose()


@pytest.fixture
def alice():
    return Actor(email="alice@example.com", name="Alice Martin")


@pytest.fixture
def bob():
    return Actor(email="bob@example.com", name="Bob Chen")
