from datetime import datetime

from sqlalchemy.orm import Session

from app.models import Item


def touch(db: Session, ids: list[int], flag: bool):
    if flag:
        item = db.get(Item, ids[0])
        item.name = "x"
    item.updated_at = datetime.now()
    for i in ids:
        later.updated_at = datetime.now()
        later = db.get(Item, i)
        later.name = "y"
    db.commit()
