"""Fixtures: a fresh SQLite database per test, and the acting users.

Tests are plain functions that hand an async scenario to ``in_db``; it runs
the scenario with ``asyncio.run`` on a session of a brand-new database file
(real SQLAlchemy, real aiosqlite, foreign keys on).
"""

import asyncio

import pytest

from app.features.core.database import build_engine, build_session_factory, init_models
from tests.support import Actor


@pytest.fixture
def database_url(tmp_path):
    return f"sqlite+aiosqlite:///{tmp_path / 'audit_app.db'}"


@pytest.fixture
def in_db(database_url):
    """Run ``scenario(session)`` against a fresh database and return its result."""

    def run(scenario):
        async def main():
            engine = build_engine(database_url)
            try:
                await init_models(engine)
                factory = build_session_factory(engine)
                async with factory() as session:
                    return await scenario(session)
            finally:
                await engine.dispose()

        return asyncio.run(main())

    return run


@pytest.fixture
def alice():
    return Actor(email="alice@example.com", name="Alice Martin")


@pytest.fixture
def bob():
    return Actor(email="bob@example.com", name="Bob Chen")
