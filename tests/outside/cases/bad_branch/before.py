from sqlalchemy.orm import Session

from app.models import Item


def touch(db: Session, ids: list[int], flag: bool):
    if flag:
        item = db.get(Item, ids[0])
        item.name = "x"
    for i in ids:
        other = db.get(Item, i)
        other.name = "y"
    db.commit()
