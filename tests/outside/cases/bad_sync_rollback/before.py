from sqlalchemy.orm import Session

from app.models import Item


async def create(db: Session, name: str):
    item = Item(name=name)
    db.add(item)
    db.commit()


async def create2(session, name: str):
    item = Item(name=name)
    session.add(item)
    session.commit()
