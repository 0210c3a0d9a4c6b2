"""Connector service: no hand-set audit columns, no unmapped `created_by`."""

from datetime import datetime, timedelta

import pytest

from app.features.connectors.connectors.models import Connector, ConnectorCatalog
from app.features.connectors.connectors.schemas import ConnectorCreate, ConnectorUpdate
from app.features.connectors.connectors.services.connector_service import ConnectorService
from tests.support import assert_recent, stamped


def _catalog():
    return ConnectorCatalog(id="slack", display_name="Slack", auth_fields=["bot_token"], max_per_tenant=2)


@pytest.mark.needs_unsafe
def test_install_connector_records_installer_and_timestamps(in_db, alice):
    async def scenario(session):
        session.add_all(stamped(_catalog()))
        await session.flush()
        service = ConnectorService(session, "tenant-1")
        since = datetime.now()
        installed = await service.install_connector(
            ConnectorCreate(catalog_id="slack", name="Team Slack", auth={"bot_token": "xoxb-1"}),
            created_by_user=alice,
        )
        assert installed.catalog_name == "Slack"
        assert_recent(installed.created_at, since)
        assert_recent(installed.updated_at, since)
        assert (installed.created_by_email, installed.created_by_name) == (alice.email, alice.name)

    in_db(scenario)


def test_update_connector_records_updater_and_updated_at(in_db, bob):
    async def scenario(session):
        session.add_all(stamped(_catalog()))
        await session.flush()
        connector = Connector(tenant_id="tenant-1", catalog_id="slack", name="Team Slack", config={"channel": "#general"})
        session.add_all(stamped(connector))
        connector.updated_at = datetime.now() - timedelta(days=1)
        await session.flush()
        service = ConnectorService(session, "tenant-1")
        since = datetime.now()
        updated = await service.update_connector(
            connector.id, ConnectorUpdate(config={"channel": "#ops"}), updated_by_user=bob
        )
        assert updated.config == {"channel": "#ops"}
        assert_recent(updated.updated_at, since)
        assert updated.updated_by_email == bob.email
        row = await session.get(Connector, connector.id)
        assert row.updated_by_name == bob.name

    in_db(scenario)
