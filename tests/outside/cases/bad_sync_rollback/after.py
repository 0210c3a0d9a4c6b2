from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import Item


async def create(db: Session, name: str):
    try:
        item = Item(name=name)
        db.add(item)
        db.commit()
    except IntegrityError as e:
        await db.rollback()
        raise ValueError(str(e)) from e


async def create2(session, name: str):
    try:
        item = Item(name=name)
        session.add(item)
        session.commit()
    except IntegrityError:
        await session.rollback()
        raise
