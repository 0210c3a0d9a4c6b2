from datetime import datetime

from app.models import Item


class ItemService:
    def __init__(self, db):
        self.db = db

    async def update(self, item_id, name):
        self.updated_at = datetime.now()
        return None


async def route(db, item_id: int, name: str):
    service = ItemService(db)
    item = await service.update(item_id, name)
    service.updated_at = datetime.now()
    item.set_updated_by("a", "b")
    await db.commit()
    return item
