from app.models import Item


class ItemService:
    def __init__(self, db):
        self.db = db

    async def update(self, item_id, name):
        return None


async def route(db, item_id: int, name: str):
    service = ItemService(db)
    item = await service.update(item_id, name)
    await db.commit()
    return item
