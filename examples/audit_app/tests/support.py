"""Helpers shared by the tests: acting users, timestamp checks, seeding."""

from dataclasses import dataclass
from datetime import datetime
from typing import Optional


@dataclass(frozen=True)
class Actor:
    """A user object as the routes hand it to the services."""

    email: str
    name: str


def assert_recent(value: Optional[datetime], since: datetime) -> None:
    """``value`` is a naive timestamp taken by the application after ``since``."""
    assert value is not None, "timestamp was not set"
    assert isinstance(value, datetime), f"timestamp is {type(value).__name__}, not a datetime: {value!r}"
    assert value.tzinfo is None, f"timestamp is timezone-aware ({value!r}); the standard is naive datetime.now()"
    assert since <= value <= datetime.now(), f"timestamp {value} was not taken during the operation (since {since})"


def stamped(*entities):
    """Give rows inserted directly by a test the timestamps a service would set."""
    now = datetime.now()
    for entity in entities:
        entity.created_at = now
        entity.updated_at = now
    return entities
