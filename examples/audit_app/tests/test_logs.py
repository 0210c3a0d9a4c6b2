"""Log entries: no audit mixin, but explicit timestamps and a working IntegrityError path."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from app.features.administration.logs.models import LogEntry
from app.features.administration.logs.services.crud_services import LogEntryService
from tests.support import assert_recent


def test_create_log_entry_sets_created_at(in_db):
    async def scenario(session):
        service = LogEntryService(session, "tenant-1")
        since = datetime.now()
        entry = await service.create_log_entry("Nightly backup finished")
        assert_recent(entry.created_at, since)
        assert [e.id for e in await service.get_recent_entries()] == [entry.id]

    in_db(scenario)


def test_repeated_log_entry_is_a_value_error_not_a_name_error(in_db):
    async def scenario(session):
        service = LogEntryService(session, "tenant-1")
        await service.create_log_entry("Disk almost full", level="warning")
        await session.commit()
        with pytest.raises(ValueError, match="already recorded"):
            await service.create_log_entry("Disk almost full", level="warning")
        count = await session.scalar(select(func.count()).select_from(LogEntry))
        assert count == 1

    in_db(scenario)
