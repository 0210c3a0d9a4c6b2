from typing import TYPE_CHECKING

from app.models import Item

if TYPE_CHECKING:
    from app.audit import AuditContext


async def update(db, item: Item, user=None):
    if user:
        audit_ctx = {"email": user.email}
    item.name = "x"
    await db.flush()
