"""Through HTTP: the route must hand the authenticated caller to the service."""

import asyncio

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.pool import NullPool

from app.features.administration.users.models import User
from app.features.core.database import build_engine, build_session_factory, get_db, init_models
from app.main import app


@pytest.fixture
def session_factory(database_url):
    # NullPool: the test client runs the app on its own event loop, so no
    # connection may outlive the loop that opened it.
    engine = build_engine(database_url, poolclass=NullPool)
    asyncio.run(init_models(engine))
    yield build_session_factory(engine)
    asyncio.run(engine.dispose())


@pytest.fixture
def client(session_factory):
    async def request_session():
        async with session_factory() as session:
            try:
                yield session
                await session.commit()
            except Exception:
                await session.rollback()
                raise

    app.dependency_overrides[get_db] = request_session
    try:
        # No `with`: the start-up hook would create tables in the default database.
        yield TestClient(app)
    finally:
        app.dependency_overrides.clear()


def _stored_user(session_factory, email):
    async def load():
        async with session_factory() as session:
            return await session.scalar(select(User).where(User.email == email))

    return asyncio.run(load())


NEW_USER = {"name": "Dana Fox", "email": "dana@example.com", "password": "correct horse battery"}
ALICE = {"X-User-Email": "alice@example.com", "X-User-Name": "Alice Martin", "X-Tenant-Id": "tenant-1"}
BOB = {"X-User-Email": "bob@example.com", "X-User-Name": "Bob Chen", "X-Tenant-Id": "tenant-1"}


def test_post_user_requires_an_authenticated_caller(client):
    response = client.post("/users", json=NEW_USER)
    assert response.status_code == 401


def test_post_user_creates_the_user(client, session_factory):
    response = client.post("/users", json=NEW_USER, headers=ALICE)
    assert response.status_code == 201, response.text
    assert response.json()["tenant_id"] == "tenant-1"
    assert _stored_user(session_factory, "dana@example.com") is not None


@pytest.mark.needs_unsafe
def test_post_user_records_the_caller_as_creator(client, session_factory):
    response = client.post("/users", json=NEW_USER, headers=ALICE)
    assert response.status_code == 201, response.text
    stored = _stored_user(session_factory, "dana@example.com")
    assert (stored.created_by_email, stored.created_by_name) == ("alice@example.com", "Alice Martin")


@pytest.mark.needs_unsafe
def test_patch_user_records_the_caller_as_updater(client, session_factory):
    created = client.post("/users", json=NEW_USER, headers=ALICE)
    assert created.status_code == 201, created.text
    response = client.patch(f"/users/{created.json()['id']}", json={"role": "viewer"}, headers=BOB)
    assert response.status_code == 200, response.text
    stored = _stored_user(session_factory, "dana@example.com")
    assert stored.role == "viewer"
    assert stored.updated_by_email == "bob@example.com"
