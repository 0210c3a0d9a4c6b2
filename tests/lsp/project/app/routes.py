"""The widget routes."""

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from app.service import WidgetService

router = APIRouter()


def get_db() -> Session: ...


def get_current_user(): ...


@router.post("/widgets")
def create_widget(name: str, db: Session = Depends(get_db), current_user=Depends(get_current_user)):
    return WidgetService(db).create_widget(name)
