"""Widgets: the write methods, not yet audited. Ünïcödé, ✓."""

from sqlalchemy.orm import Session

from app.models import Widget


class WidgetService:
    def __init__(self, db: Session):
        self.db = db

    def create_widget(self, name: str) -> Widget:
        widget = Widget(name=name)
        self.db.add(widget)
        self.db.commit()
        return widget
