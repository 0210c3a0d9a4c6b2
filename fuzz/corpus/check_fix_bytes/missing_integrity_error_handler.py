"""AUD007 missing-integrity-error-handler."""
from app.core.imports import *
from app.core.logging import get_logger
from app.models import Tenant, User

logger = get_logger(__name__)


class Service:
    def __init__(self, db):
        self.db = db

    # Violation: a try exists: the clause goes before `except Exception` (safe).
    async def create_user(self, data, created_by_user=None):
        try:
            user = User(email=data.email)
            self.db.add(user)
            await self.db.flush()
            return user
        except Exception as e:
            await self.db.rollback()
            logger.exception("Failed to create user")
            raise

    # Violation: no try: the body is wrapped (unsafe); a sync method gets no await.
    def update_tenant(self, tenant_id, name, updated_by_user=None):
        """Rename a tenant."""
        tenant = self.db.get(Tenant, tenant_id)
        tenant.name = name
        self.db.commit()
        return tenant

    # Violation: try/finally only: the clause goes before `finally`.
    async def delete_user(self, user_id):
        try:
            user = await self.db.get(User, user_id)
            await self.db.delete(user)
            await self.db.flush()
        finally:
            logger.info("done")

    # OK: handled.
    async def create_tenant(self, name, created_by_user=None):
        try:
            tenant = Tenant(name=name)
            self.db.add(tenant)
            await self.db.flush()
        except IntegrityError as e:
            await self.db.rollback()
            raise ValueError(str(e)) from e
