"""Helpers shared by the tests."""

from dataclasses import dataclass
from datetime import datetime
from typing import Optional


@dataclass(frozen=True)
class Actor:
    """A user as the services receive it from the routes."""

    email: str
    name: str


def assert_recent(value: Optional[datetime], since: datetime) -> None:
    """``value`` is a naive timestamp the application took after ``since``."""
    assert value is not None, "timestamp was not set"
    assert isinstance(value, datetime), f"timestamp is {type(value).__name__}: {value!r}"
    assert value.tzinfo is None, f"timestamp is timezone-aware: {value!r}"
    assert since <= value <= datetime.now(), f"timestamp {value} was not taken during the call (since {since})"
