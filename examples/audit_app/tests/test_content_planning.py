"""Content planning service: the user goes through the audit context, not by hand."""

from datetime import datetime

from app.features.business_automations.content_broadcaster.models import ContentPlan
from app.features.business_automations.content_broadcaster.services.content_planning_service import (
    ContentPlanningService,
)
from tests.support import assert_recent


def test_create_plan_records_creator_and_timestamps(in_db, alice):
    async def scenario(session):
        service = ContentPlanningService(session, "tenant-1")
        since = datetime.now()
        plan = await service.create_plan("Q3 product launch", channels=["email", "blog"], created_by_user=alice)
        await session.refresh(plan)
        assert_recent(plan.created_at, since)
        assert_recent(plan.updated_at, since)
        assert (plan.created_by_email, plan.created_by_name) == (alice.email, alice.name)
        assert plan.channels == ["email", "blog"]

    in_db(scenario)


def test_update_plan_records_updater(in_db, alice, bob):
    async def scenario(session):
        service = ContentPlanningService(session, "tenant-1")
        plan = await service.create_plan("Q3 product launch", created_by_user=alice)
        since = datetime.now()
        updated = await service.update_plan(plan.id, {"title": "Q3 launch", "owner": "ignored"}, updated_by_user=bob)
        row = await session.get(ContentPlan, updated.id)
        assert row.title == "Q3 launch"
        assert_recent(row.updated_at, since)
        assert (row.updated_by_email, row.updated_by_name) == (bob.email, bob.name)
        assert row.created_by_email == alice.email

    in_db(scenario)
