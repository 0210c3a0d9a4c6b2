"""Secrets service: the gold standard. These tests pass before any fix."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from app.features.administration.secrets.models import Secret
from app.features.administration.secrets.schemas import SecretCreate, SecretUpdate
from app.features.administration.secrets.services.crud_services import SecretService
from tests.support import assert_recent


def test_create_secret_records_creator_and_timestamps(in_db, alice):
    async def scenario(session):
        service = SecretService(session, "tenant-1")
        since = datetime.now()
        created = await service.create_secret(SecretCreate(name="stripe-key", value="sk_test_123"), created_by_user=alice)
        row = await session.get(Secret, created.id)
        assert_recent(row.created_at, since)
        assert_recent(row.updated_at, since)
        assert (row.created_by_email, row.created_by_name) == (alice.email, alice.name)
        assert row.sealed_value != "sk_test_123"

    in_db(scenario)


def test_update_secret_records_updater(in_db, alice, bob):
    async def scenario(session):
        service = SecretService(session, "tenant-1")
        created = await service.create_secret(SecretCreate(name="stripe-key", value="sk_test_123"), created_by_user=alice)
        since = datetime.now()
        updated = await service.update_secret(created.id, SecretUpdate(value="sk_test_456"), updated_by_user=bob)
        row = await session.get(Secret, updated.id)
        assert_recent(row.updated_at, since)
        assert (row.updated_by_email, row.updated_by_name) == (bob.email, bob.name)
        assert row.created_by_email == alice.email

    in_db(scenario)


def test_delete_secret_is_soft_and_records_deleter(in_db, alice, bob):
    async def scenario(session):
        service = SecretService(session, "tenant-1")
        created = await service.create_secret(SecretCreate(name="stripe-key", value="sk_test_123"), created_by_user=alice)
        since = datetime.now()
        assert await service.delete_secret(created.id, deleted_by_user=bob) is True
        row = await session.get(Secret, created.id)
        assert row.is_deleted is True
        assert_recent(row.deleted_at, since)
        assert (row.deleted_by_email, row.deleted_by_name) == (bob.email, bob.name)
        assert await service.get_secret(created.id) is None

    in_db(scenario)


def test_duplicate_secret_name_is_a_value_error_and_the_session_survives(in_db, alice):
    async def scenario(session):
        service = SecretService(session, "tenant-1")
        await service.create_secret(SecretCreate(name="stripe-key", value="one"), created_by_user=alice)
        await session.commit()
        with pytest.raises(ValueError, match="already exists"):
            await service.create_secret(SecretCreate(name="stripe-key", value="two"), created_by_user=alice)
        count = await session.scalar(select(func.count()).select_from(Secret))
        assert count == 1

    in_db(scenario)
