"""First-run bootstrap: make sure the platform has an administrator."""

from sqlalchemy.ext.asyncio import AsyncSession

from app.features.administration.users.schemas import UserCreate, UserResponse
from app.features.administration.users.services.crud_services import UserService
from app.features.core.logging import get_logger

logger = get_logger(__name__)


async def bootstrap_admin(db: AsyncSession, admin_email: str = "admin@example.com",
                          admin_password: str = "change-me-now") -> UserResponse:
    """Create the platform administrator in the first tenant.

    Runs once, at installation, before anybody can log in: there is no acting
    user to record.
    """
    service = UserService(db)
    admin_data = UserCreate(name="Administrator", email=admin_email, password=admin_password, role="admin")
    admin = await service.create_user(admin_data, "tenant-1")
    logger.info(f"Bootstrapped administrator {admin.email} in tenant {admin.tenant_id}")
    return admin
