"""Tenants service: Tenant inherits the audit mixin through GlobalModel."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from app.features.administration.tenants.models import Tenant
from app.features.administration.tenants.schemas import TenantCreate, TenantUpdate
from app.features.administration.tenants.services import TenantService
from tests.support import assert_recent


def test_create_tenant_records_creator_and_timestamps(in_db, alice):
    async def scenario(session):
        service = TenantService(session)
        since = datetime.now()
        created = await service.create_tenant(TenantCreate(name="Acme", slug="acme"), created_by_user=alice)
        row = await session.get(Tenant, created.id)
        assert_recent(row.created_at, since)
        assert_recent(row.updated_at, since)
        assert (row.created_by_email, row.created_by_name) == (alice.email, alice.name)

    in_db(scenario)


def test_update_tenant_records_updater(in_db, alice, bob):
    async def scenario(session):
        service = TenantService(session)
        created = await service.create_tenant(TenantCreate(name="Acme", slug="acme"), created_by_user=alice)
        since = datetime.now()
        updated = await service.update_tenant(created.id, TenantUpdate(plan="business"), updated_by_user=bob)
        assert updated.plan == "business"
        row = await session.get(Tenant, created.id)
        assert_recent(row.updated_at, since)
        assert (row.updated_by_email, row.updated_by_name) == (bob.email, bob.name)

    in_db(scenario)


def test_duplicate_tenant_name_is_a_value_error_and_the_session_survives(in_db, alice):
    async def scenario(session):
        service = TenantService(session)
        await service.create_tenant(TenantCreate(name="Acme", slug="acme"), created_by_user=alice)
        await session.commit()
        with pytest.raises(ValueError):
            await service.create_tenant(TenantCreate(name="Acme", slug="acme-eu"), created_by_user=alice)
        count = await session.scalar(select(func.count()).select_from(Tenant))
        assert count == 1

    in_db(scenario)
