"""Content planning: editorial plans that content items are produced from."""

import uuid
from datetime import datetime

from app.features.core.sqlalchemy_imports import *
from app.features.core.enhanced_base_service import BaseService

from app.features.business_automations.content_broadcaster.models import ContentPlan

logger = get_logger(__name__)

SUPPORTED_CHANNELS = ("email", "linkedin", "x", "blog")


class ContentPlanningService(BaseService[ContentPlan]):
    """Create and maintain the content plans of a tenant."""

    async def create_plan(
        self,
        title: str,
        description: Optional[str] = None,
        channels: Optional[List[str]] = None,
        created_by=None
    ) -> ContentPlan:
        """Create a draft content plan.

        Args:
            title: plan title, at least 3 characters.
            description: what the plan is about.
            channels: channels to publish on (all supported channels if omitted).
            created_by: the creating user, or their email or id.
        """
        try:
            # Validation
            if not title or len(title.strip()) < 3:
                raise ValueError("Title must be at least 3 characters")
            channels = channels or list(SUPPORTED_CHANNELS)
            unknown = [channel for channel in channels if channel not in SUPPORTED_CHANNELS]
            if unknown:
                raise ValueError(f"Unsupported channels: {', '.join(unknown)}")

            # Create plan
            plan = ContentPlan(
                id=str(uuid.uuid4()),
                tenant_id=self.tenant_id or "global",
                title=title.strip(),
                description=description,
                channels=channels,
                status="draft"
                # Note: created_at, updated_at auto-set by database via server_default
            )

            # Record who created the plan
            if created_by:
                if isinstance(created_by, str):
                    plan.created_by_email = created_by if '@' in created_by else f"user-{created_by}"
                    plan.created_by_name = created_by
                elif hasattr(created_by, 'email'):
                    plan.created_by_email = created_by.email
                    plan.created_by_name = getattr(created_by, 'name', created_by.email)

            self.db.add(plan)
            await self.db.flush()

            logger.info(f"Created content plan '{plan.title}' (ID: {plan.id}) for tenant {self.tenant_id}")
            return plan

        except Exception as e:
            logger.exception(f"Failed to create content plan for tenant {self.tenant_id}")
            raise

    async def update_plan(
        self,
        plan_id: str,
        updates: Dict[str, Any],
        updated_by=None
    ) -> ContentPlan:
        """Update the editable fields of a plan.

        Args:
            plan_id: the plan to change.
            updates: field name to new value; fields outside the editable set are ignored.
            updated_by: the user making the change.
        """
        try:
            plan = await self.get_plan(plan_id)
            if not plan:
                raise ValueError(f"Content plan not found: {plan_id}")
            if plan.status == "archived":
                raise ValueError("Archived plans cannot be changed")

            allowed_fields = {"title", "description", "channels", "status"}

            # Update allowed fields
            for field, value in updates.items():
                if field in allowed_fields and hasattr(plan, field):
                    setattr(plan, field, value)

            plan.updated_at = datetime.now()

            await self.db.flush()

            logger.info(f"Updated content plan {plan.id}")
            return plan

        except Exception as e:
            logger.exception(f"Failed to update content plan {plan_id}")
            raise

    async def get_plan(self, plan_id: str) -> Optional[ContentPlan]:
        """Load a plan of the service's tenant, or ``None``."""
        result = await self.db.execute(
            select(ContentPlan).where(
                ContentPlan.id == plan_id,
                ContentPlan.tenant_id == (self.tenant_id or "global"),
                ContentPlan.is_deleted.is_(False),
            )
        )
        return result.scalar_one_or_none()

    async def list_plans(self, status: Optional[str] = None) -> List[ContentPlan]:
        """The tenant's plans, newest first."""
        query = select(ContentPlan).where(
            ContentPlan.tenant_id == (self.tenant_id or "global"),
            ContentPlan.is_deleted.is_(False),
        )
        if status:
            query = query.where(ContentPlan.status == status)
        result = await self.db.execute(query.order_by(ContentPlan.created_at.desc()))
        return list(result.scalars().all())
