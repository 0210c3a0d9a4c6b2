from datetime import datetime, timezone
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app import models
from app.models import Item, SpecialItem


class ItemRepo:
    def __init__(self, db: AsyncSession):
        self.db = db

    async def load(self, item_id: int) -> Optional[Item]:
        return await self.db.get(Item, item_id)

    async def loaders(self, item_id: int, given: Item, many: List[Item], user=None):
        created = Item(name="n")
        created.created_at = datetime.now(timezone.utc)
        special = models.SpecialItem(name="s")
        special.created_at = datetime.now(timezone.utc)
        got = await self.db.get(Item, item_id)
        got.updated_at = datetime.now(timezone.utc)
        result = await self.db.execute(select(Item).where(Item.id == item_id).limit(1))
        one = result.scalar_one_or_none()
        one.updated_at = datetime.now(timezone.utc)
        first = (await self.db.execute(select(Item))).scalars().first()
        first.updated_at = datetime.now(timezone.utc)
        for row in (await self.db.execute(select(Item))).scalars().all():
            row.updated_at = datetime.now(timezone.utc)
        for each in many:
            each.updated_at = datetime.now(timezone.utc)
        given.updated_at = datetime.now(timezone.utc)
        merged = await self.db.merge(given)
        merged.set_updated_by("a", "b")
        mine = await self.load(item_id)
        mine.updated_at = datetime.now(timezone.utc)
        if user:
            picked = got
        else:
            picked = one
        picked.updated_at = datetime.now(timezone.utc)
        try:
            await self.db.flush()
        except IntegrityError:
            await self.db.rollback()
            raise
        return [x for x in many if x.name]


def legacy(db: Session, item_id: int):
    item = db.query(Item).filter(Item.id == item_id).first()
    item.updated_at = datetime.now()
    again = db.query(Item).get(item_id)
    again.updated_at = datetime.now()
    for it in db.query(Item).filter_by(name="x").all():
        it.updated_at = datetime.now()
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise
