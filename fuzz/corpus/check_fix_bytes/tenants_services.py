"""Tenant administration: onboarding and plan changes (platform admins only)."""

import re

from app.features.core.sqlalchemy_imports import *
from app.features.core.enhanced_base_service import BaseService

from app.features.administration.tenants.models import Tenant
from app.features.administration.tenants.schemas import PLANS, TenantCreate, TenantResponse, TenantUpdate

logger = get_logger(__name__)

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")


class TenantService(BaseService[Tenant]):
    """Create and update tenants. Tenants are never deleted, only deactivated."""

    async def create_tenant(self, tenant_data: TenantCreate) -> TenantResponse:
        """Onboard a new tenant.

        Args:
            tenant_data: name, slug, plan and user quota of the tenant.
        """
        try:
            if not _SLUG.match(tenant_data.slug):
                raise ValueError(f"Invalid tenant slug: {tenant_data.slug}")
            if tenant_data.plan not in PLANS:
                raise ValueError(f"Unknown plan: {tenant_data.plan}")
            if await self.get_tenant_by_slug(tenant_data.slug):
                raise ValueError(f"Tenant slug '{tenant_data.slug}' is taken")

            tenant = Tenant(
                name=tenant_data.name.strip(),
                slug=tenant_data.slug,
                plan=tenant_data.plan,
                max_users=tenant_data.max_users,
                is_active=True
            )

            self.db.add(tenant)
            await self.db.flush()
            await self.db.refresh(tenant)

            logger.info(f"Created tenant {tenant.name} (ID: {tenant.id})")
            return TenantResponse.model_validate(tenant)

        except Exception as e:
            await self.handle_error("create_tenant", e, name=tenant_data.name, slug=tenant_data.slug)
            raise

    async def update_tenant(self, tenant_id: str, tenant_data: TenantUpdate) -> Optional[TenantResponse]:
        """Rename a tenant, change its plan or quota, or (de)activate it."""
        try:
            tenant = await self.get_by_id(Tenant, tenant_id)
            if not tenant:
                return None

            changes = tenant_data.model_dump(exclude_unset=True)
            if changes.get("plan") is not None and changes["plan"] not in PLANS:
                raise ValueError(f"Unknown plan: {changes['plan']}")
            for field, value in changes.items():
                if value is not None:
                    setattr(tenant, field, value)

            await self.db.flush()
            await self.db.refresh(tenant)

            logger.info(f"Updated tenant {tenant.name} (ID: {tenant.id})")
            return TenantResponse.model_validate(tenant)

        except Exception as e:
            await self.handle_error("update_tenant", e, tenant_id=tenant_id)
            raise

    async def get_tenant_by_slug(self, slug: str) -> Optional[Tenant]:
        """Find a tenant by its URL slug."""
        result = await self.db.execute(select(Tenant).where(Tenant.slug == slug))
        return result.scalar_one_or_none()
