from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Item


async def rename(db: AsyncSession, item_id: int, name: str):
    result = await db.execute(select(Item).where(Item.id == item_id))
    item = result.scalar_one_or_none()
    item.name = name
    result.updated_at = datetime.now()
    rows = result.first()
    rows.updated_at = datetime.now()
    await db.flush()
