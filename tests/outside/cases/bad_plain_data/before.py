from sqlalchemy import select

from app.models import Item, ItemSchema


async def save(db, body: dict, data: ItemSchema):
    value = body.get("value")
    stmt = select(Item)
    query = db.query(Item).filter(Item.id == 1)
    await db.flush()
