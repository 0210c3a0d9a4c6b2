"""Content broadcaster service: explicit, naive timestamps on every write."""

from datetime import datetime, timedelta

from app.features.business_automations.content_broadcaster.models import ContentItem
from app.features.business_automations.content_broadcaster.services.content_broadcaster_service import (
    ContentBroadcasterService,
)
from tests.support import assert_recent


def test_create_content_sets_timestamps_and_creator(in_db, alice):
    async def scenario(session):
        service = ContentBroadcasterService(session, "tenant-1")
        since = datetime.now()
        content = await service.create_content("Launch day", "We are live!", created_by_user=alice, tags=["launch"])
        row = await session.get(ContentItem, content.id)
        assert_recent(row.created_at, since)
        assert_recent(row.updated_at, since)
        assert (row.created_by_email, row.created_by_name) == (alice.email, alice.name)
        assert row.state == "draft"

    in_db(scenario)


def test_update_content_records_updater(in_db, alice, bob):
    async def scenario(session):
        service = ContentBroadcasterService(session, "tenant-1")
        content = await service.create_content("Launch day", "We are live!", created_by_user=alice)
        since = datetime.now()
        when = datetime.now() + timedelta(hours=2)
        updated = await service.update_content(content.id, {"scheduled_for": when}, updated_by_user=bob)
        assert_recent(updated.updated_at, since)
        assert (updated.updated_by_email, updated.updated_by_name) == (bob.email, bob.name)
        assert [item.id for item in await service.get_due_content()] == [content.id]

    in_db(scenario)


def test_delete_content_is_soft_with_a_naive_deleted_at(in_db, alice, bob):
    async def scenario(session):
        service = ContentBroadcasterService(session, "tenant-1")
        content = await service.create_content("Launch day", "We are live!", created_by_user=alice)
        await service.update_content(content.id, {"scheduled_for": datetime.now()}, updated_by_user=alice)
        since = datetime.now()
        assert await service.delete_content(content.id, deleted_by_user=bob) is True
        row = await session.get(ContentItem, content.id)
        assert row.is_deleted is True
        assert_recent(row.deleted_at, since)
        assert row.created_at <= row.deleted_at
        assert (row.deleted_by_email, row.deleted_by_name) == (bob.email, bob.name)
        assert await service.get_due_content() == []

    in_db(scenario)
