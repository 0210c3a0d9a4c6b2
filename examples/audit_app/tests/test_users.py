"""Users service: audit columns, explicit timestamps, IntegrityError handling."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from app.features.administration.users.bootstrap import bootstrap_admin
from app.features.administration.users.models import User
from app.features.administration.users.schemas import UserCreate, UserUpdate
from app.features.administration.users.services.crud_services import UserService
from tests.support import assert_recent


def _new_user(email="carol@example.com"):
    return UserCreate(name="Carol Diaz", email=email, password="correct horse battery")


def test_create_user_records_creator_and_timestamps(in_db, alice):
    async def scenario(session):
        service = UserService(session, "tenant-1")
        since = datetime.now()
        created = await service.create_user(_new_user(), created_by_user=alice)
        row = await session.get(User, created.id)
        assert row.tenant_id == "tenant-1"
        assert_recent(row.created_at, since)
        assert_recent(row.updated_at, since)
        assert (row.created_by_email, row.created_by_name) == (alice.email, alice.name)

    in_db(scenario)


def test_create_user_in_another_tenant_keeps_the_tenant(in_db, alice):
    async def scenario(session):
        service = UserService(session, "tenant-1")
        created = await service.create_user(_new_user(), "tenant-2", created_by_user=alice)
        assert created.tenant_id == "tenant-2"
        assert created.created_by_email == alice.email

    in_db(scenario)


def test_update_user_sets_a_python_timestamp_and_updater(in_db, alice, bob):
    async def scenario(session):
        service = UserService(session, "tenant-1")
        created = await service.create_user(_new_user(), created_by_user=alice)
        since = datetime.now()
        updated = await service.update_user(created.id, UserUpdate(name="Carol D."), updated_by_user=bob)
        assert updated.name == "Carol D."
        row = await session.get(User, created.id)
        assert_recent(row.updated_at, since)
        assert (row.updated_by_email, row.updated_by_name) == (bob.email, bob.name)
        assert row.created_by_email == alice.email

    in_db(scenario)


def test_delete_user_removes_the_row(in_db, alice):
    async def scenario(session):
        service = UserService(session, "tenant-1")
        created = await service.create_user(_new_user(), created_by_user=alice)
        assert await service.delete_user(created.id) is True
        assert await session.get(User, created.id) is None
        assert await service.delete_user(created.id) is False

    in_db(scenario)


def test_duplicate_email_across_tenants_is_a_value_error_and_the_session_survives(in_db, alice):
    async def scenario(session):
        await UserService(session, "tenant-1").create_user(_new_user(), created_by_user=alice)
        await session.commit()
        # The service only checks duplicates within a tenant: the unique
        # constraint of the database catches this one.
        with pytest.raises(ValueError):
            await UserService(session, "tenant-2").create_user(_new_user(), created_by_user=alice)
        count = await session.scalar(select(func.count()).select_from(User))
        assert count == 1

    in_db(scenario)


def test_bootstrap_passes_the_tenant_positionally_and_it_stays_the_tenant(in_db):
    async def scenario(session):
        since = datetime.now()
        admin = await bootstrap_admin(session)
        assert admin.tenant_id == "tenant-1"
        row = await session.get(User, admin.id)
        assert row.role == "admin"
        assert row.created_by_email is None
        assert_recent(row.created_at, since)

    in_db(scenario)
