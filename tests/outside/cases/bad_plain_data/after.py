from datetime import datetime

from sqlalchemy import select

from app.models import Item, ItemSchema


async def save(db, body: dict, data: ItemSchema):
    value = body.get("value")
    value.updated_at = datetime.now()
    stmt = select(Item)
    stmt.updated_at = datetime.now()
    query = db.query(Item).filter(Item.id == 1)
    query.updated_at = datetime.now()
    data.updated_at = datetime.now()
    body.updated_at = datetime.now()
    Item.updated_at = datetime.now()
    await db.flush()
