"""Content broadcaster: drafts, reviews and schedules content for publication."""

import uuid
from datetime import datetime, timedelta, timezone

from app.features.core.sqlalchemy_imports import *
from app.features.core.enhanced_base_service import BaseService
from app.features.core.audit_mixin import AuditContext

from app.features.business_automations.content_broadcaster.models import ApprovalStatus, ContentItem, ContentState

logger = get_logger(__name__)


class ContentBroadcasterService(BaseService[ContentItem]):
    """Lifecycle of the content items of a tenant."""

    async def create_content(
        self,
        title: str,
        body: str,
        created_by_user,
        metadata: Optional[Dict[str, Any]] = None,
        tags: Optional[List[str]] = None
    ) -> ContentItem:
        """Create a draft content item awaiting approval."""
        try:
            audit_ctx = AuditContext.from_user(created_by_user)

            content = ContentItem(
                id=str(uuid.uuid4()),
                tenant_id=self.tenant_id,
                title=title,
                body=body,
                state=ContentState.DRAFT.value,
                approval_status=ApprovalStatus.PENDING.value,
                content_metadata=metadata or {},
                tags=tags or []
            )
            # Set audit information
            content.set_created_by(audit_ctx.user_email, audit_ctx.user_name)

            self.db.add(content)
            await self.db.flush()
            await self.db.refresh(content)

            logger.info(f"Created content: {content.title} (ID: {content.id}) for tenant {self.tenant_id}")
            return content

        except Exception as e:
            await self.db.rollback()
            logger.exception(f"Failed to create content for tenant {self.tenant_id}")
            raise

    async def update_content(
        self,
        content_id: str,
        updates: Dict[str, Any],
        updated_by_user=None
    ) -> Optional[ContentItem]:
        """Edit a content item; published items are frozen."""
        try:
            content = await self.get_by_id(ContentItem, content_id)
            if not content:
                return None
            if content.state == ContentState.PUBLISHED.value:
                raise ValueError("Published content cannot be edited")

            audit_ctx = AuditContext.from_user(updated_by_user) if updated_by_user else None

            for field in ("title", "body", "tags", "scheduled_for"):
                if field in updates:
                    setattr(content, field, updates[field])
            if "metadata" in updates:
                content.content_metadata = {**content.content_metadata, **updates["metadata"]}

            if audit_ctx:
                content.set_updated_by(audit_ctx.user_email, audit_ctx.user_name)
            content.updated_at = datetime.now()

            await self.db.flush()
            await self.db.refresh(content)

            logger.info(f"Updated content {content.id}")
            return content

        except Exception as e:
            await self.db.rollback()
            logger.exception(f"Failed to update content {content_id}")
            raise

    async def delete_content(self, content_id: str, deleted_by_user=None) -> bool:
        """Soft-delete a content item; it disappears from every listing."""
        try:
            content = await self.get_by_id(ContentItem, content_id)
            if not content:
                return False

            audit_ctx = AuditContext.from_user(deleted_by_user) if deleted_by_user else None

            content.is_deleted = True
            if audit_ctx:
                content.set_deleted_by(audit_ctx.user_email, audit_ctx.user_name)
            content.deleted_at = datetime.now(timezone.utc)

            await self.db.flush()

            logger.info(f"Deleted content {content.id}")
            return True

        except Exception as e:
            await self.db.rollback()
            logger.exception(f"Failed to delete content {content_id}")
            raise

    async def get_due_content(self, hours_ahead: int = 24) -> List[ContentItem]:
        """Scheduled items due within the next ``hours_ahead`` hours."""
        cutoff = datetime.now() + timedelta(hours=hours_ahead)
        result = await self.db.execute(
            select(ContentItem).where(
                ContentItem.tenant_id == self.tenant_id,
                ContentItem.is_deleted.is_(False),
                ContentItem.scheduled_for.is_not(None),
                ContentItem.scheduled_for <= cutoff,
            ).order_by(ContentItem.scheduled_for)
        )
        return list(result.scalars().all())
