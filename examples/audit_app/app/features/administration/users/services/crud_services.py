"""User management service: create, update and delete the users of a tenant."""

from app.features.core.sqlalchemy_imports import *
from app.features.core.enhanced_base_service import BaseService

from app.features.administration.users.models import User
from app.features.administration.users.schemas import ROLES, UserCreate, UserResponse, UserUpdate
from app.features.auth.security import hash_password

logger = get_logger(__name__)


class UserService(BaseService[User]):
    """CRUD operations on users, scoped to the service's tenant."""

    async def create_user(self, user_data: UserCreate, target_tenant_id: Optional[str] = None) -> UserResponse:
        """Create a user.

        Args:
            user_data: name, email, password and role of the new user.
            target_tenant_id: tenant to create the user in (platform admins only);
                defaults to the service's tenant.

        Raises:
            ValueError: the data is invalid or the email is already taken.
        """
        try:
            effective_tenant_id = target_tenant_id or self.tenant_id
            await self._validate_user_creation(user_data, effective_tenant_id)

            user = User(
                name=user_data.name,
                email=user_data.email.lower(),
                hashed_password=hash_password(user_data.password),
                role=user_data.role,
                is_active=True,
                tenant_id=effective_tenant_id
            )

            self.db.add(user)
            await self.db.flush()
            await self.db.refresh(user)

            logger.info(f"Created user {user.email} (ID: {user.id}) in tenant {effective_tenant_id}")
            return self._to_response(user)

        except Exception as e:
            await self.handle_error("create_user", e, email=user_data.email)
            raise

    async def update_user(self, user_id: str, user_data: UserUpdate) -> Optional[UserResponse]:
        """Update a user's profile, role or password; ``None`` if there is no such user."""
        try:
            user = await self.get_by_id(User, user_id)
            if not user:
                return None

            self._apply_user_updates(user, user_data)
            user.updated_at = func.now()

            await self.db.flush()
            await self.db.refresh(user)

            logger.info(f"Updated user {user.email} (ID: {user.id})")
            return self._to_response(user)

        except Exception as e:
            await self.handle_error("update_user", e, user_id=user_id)
            raise

    async def delete_user(self, user_id: str) -> bool:
        """Remove a user for good (GDPR erasure): the row is deleted, not flagged."""
        try:
            user = await self.get_by_id(User, user_id)
            if not user:
                return False

            await self.db.delete(user)
            await self.db.flush()

            logger.info(f"Deleted user {user_id}")
            return True

        except Exception as e:
            await self.handle_error("delete_user", e, user_id=user_id)
            raise

    async def get_user_by_email(self, email: str) -> Optional[User]:
        """Find a user of the service's tenant by email."""
        result = await self.db.execute(
            select(User).where(User.email == email.lower(), User.tenant_id == self.tenant_id)
        )
        return result.scalar_one_or_none()

    async def _validate_user_creation(self, user_data: UserCreate, tenant_id: Optional[str]) -> None:
        if not tenant_id:
            raise ValueError("A tenant is required to create a user")
        if "@" not in user_data.email:
            raise ValueError(f"Invalid email address: {user_data.email}")
        if user_data.role not in ROLES:
            raise ValueError(f"Unknown role: {user_data.role}")
        # Duplicates are checked within the tenant; the database enforces
        # uniqueness across tenants.
        existing = await self.db.execute(
            select(func.count()).select_from(User).where(
                User.email == user_data.email.lower(), User.tenant_id == tenant_id
            )
        )
        if existing.scalar_one() > 0:
            raise ValueError(f"User with email '{user_data.email}' already exists")

    def _apply_user_updates(self, user: User, user_data: UserUpdate) -> None:
        changes = user_data.model_dump(exclude_unset=True)
        if changes.get("role") is not None and changes["role"] not in ROLES:
            raise ValueError(f"Unknown role: {changes['role']}")
        if "password" in changes:
            password = changes.pop("password")
            if password:
                user.hashed_password = hash_password(password)
        for field, value in changes.items():
            if value is not None:
                setattr(user, field, value)

    def _to_response(self, user: User) -> UserResponse:
        return UserResponse.model_validate(user)
