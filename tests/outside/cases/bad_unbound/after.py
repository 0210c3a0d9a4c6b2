from typing import TYPE_CHECKING

from app.models import Item

if TYPE_CHECKING:
    from app.audit import AuditContext


async def update(db, item: Item, user=None):
    if user:
        audit_ctx = {"email": user.email}
    item.set_updated_by(audit_ctx["email"], None)
    ctx = AuditContext.system()
    item.updated_at = datetime.now(timezone.utc)
    await db.flush()
