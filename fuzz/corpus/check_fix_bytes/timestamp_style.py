"""AUD006 timestamp-style (naive by default)."""
from datetime import datetime, timedelta, timezone

from app.models import User


class Service:
    def __init__(self, db):
        self.db = db

    # Violation: aware in a naive project; `timezone` goes once unused.
    async def activate_user(self, user_id, updated_by_user=None):
        user = await self.db.get(User, user_id)
        user.is_active = True
        user.updated_at = datetime.now(timezone.utc)
        await self.db.flush()

    # Violation: utcnow is UTC, not local time.
    async def deactivate_user(self, user_id, updated_by_user=None):
        user = await self.db.get(User, user_id)
        user.is_active = False
        user.updated_at = datetime.utcnow()
        await self.db.flush()

    # OK: naive.
    async def update_user(self, user_id, updated_by_user=None):
        user = await self.db.get(User, user_id)
        user.updated_at = datetime.now()
        await self.db.flush()


# OK: not a write method.
def expiry():
    return datetime.now() + timedelta(days=1)
