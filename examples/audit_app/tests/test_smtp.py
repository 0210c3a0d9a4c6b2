"""SMTP service: timestamps must be explicit and naive."""

from datetime import datetime

from app.features.administration.smtp.models import SMTPConfiguration
from app.features.administration.smtp.schemas import SMTPConfigurationCreate, SMTPConfigurationUpdate
from app.features.administration.smtp.services.crud_services import SMTPConfigurationService
from tests.support import assert_recent


def _settings(name="Primary relay"):
    return SMTPConfigurationCreate(name=name, host="smtp.example.com", from_address="noreply@example.com")


def test_create_smtp_configuration_sets_timestamps_and_creator(in_db, alice):
    async def scenario(session):
        service = SMTPConfigurationService(session, "tenant-1")
        since = datetime.now()
        created = await service.create_smtp_configuration(_settings(), created_by_user=alice)
        row = await session.get(SMTPConfiguration, created.id)
        assert_recent(row.created_at, since)
        assert_recent(row.updated_at, since)
        assert (row.created_by_email, row.created_by_name) == (alice.email, alice.name)

    in_db(scenario)


def test_update_smtp_configuration_sets_updated_at_and_updater(in_db, alice, bob):
    async def scenario(session):
        service = SMTPConfigurationService(session, "tenant-1")
        created = await service.create_smtp_configuration(_settings(), created_by_user=alice)
        since = datetime.now()
        await service.update_smtp_configuration(created.id, SMTPConfigurationUpdate(port=2525), updated_by_user=bob)
        row = await session.get(SMTPConfiguration, created.id)
        assert row.port == 2525
        assert_recent(row.updated_at, since)
        assert (row.updated_by_email, row.updated_by_name) == (bob.email, bob.name)

    in_db(scenario)


def test_activate_uses_naive_timestamps_comparable_with_created_at(in_db, alice, bob):
    async def scenario(session):
        service = SMTPConfigurationService(session, "tenant-1")
        created = await service.create_smtp_configuration(_settings(), created_by_user=alice)
        since = datetime.now()
        configuration = await service.activate_smtp_configuration(created.id, updated_by_user=bob)
        assert configuration.is_active is True
        assert_recent(configuration.updated_at, since)
        assert configuration.created_at <= configuration.updated_at
        assert configuration.updated_by_email == bob.email
        assert [c.id for c in await service.get_active_configurations()] == [created.id]

    in_db(scenario)


def test_deactivate_uses_naive_timestamps(in_db, alice, bob):
    async def scenario(session):
        service = SMTPConfigurationService(session, "tenant-1")
        created = await service.create_smtp_configuration(_settings(), created_by_user=alice)
        await service.activate_smtp_configuration(created.id, updated_by_user=alice)
        since = datetime.now()
        configuration = await service.deactivate_smtp_configuration(created.id, updated_by_user=bob)
        assert configuration.is_active is False
        assert_recent(configuration.updated_at, since)
        assert configuration.updated_by_name == bob.name
        assert await service.get_active_configurations() == []

    in_db(scenario)
