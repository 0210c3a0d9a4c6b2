"""Secrets CRUD service.

This is the team's reference implementation of the audit standard: every write
takes the acting user, builds an ``AuditContext`` from it, records it through
the mixin's setters, sets its timestamps explicitly with naive
``datetime.now()``, and turns constraint violations into ``ValueError`` after
rolling the session back.
"""

import base64

from app.features.core.sqlalchemy_imports import *
from app.features.core.enhanced_base_service import BaseService
from sqlalchemy.exc import IntegrityError
from datetime import datetime
from app.features.core.audit_mixin import AuditContext

from app.features.administration.secrets.models import Secret
from app.features.administration.secrets.schemas import SecretCreate, SecretResponse, SecretUpdate

logger = get_logger(__name__)


def _seal(value: str) -> str:
    # Placeholder for envelope encryption with the tenant's data key.
    return base64.urlsafe_b64encode(value.encode()).decode()


class SecretService(BaseService[Secret]):
    """Create, update and soft-delete the secrets of one tenant."""

    async def create_secret(
        self,
        secret_data: SecretCreate,
        created_by_user=None,
        target_tenant_id: Optional[str] = None
    ) -> SecretResponse:
        """Store a new secret.

        Args:
            secret_data: name, value and description of the secret.
            created_by_user: the user creating it (recorded in the audit columns).
            target_tenant_id: tenant to create it in; defaults to the service's tenant.

        Raises:
            ValueError: a secret with that name already exists in the tenant.
        """
        try:
            effective_tenant_id = target_tenant_id or self.tenant_id
            if not effective_tenant_id:
                raise ValueError("A tenant is required to store a secret")

            # Create audit context
            audit_ctx = AuditContext.from_user(created_by_user) if created_by_user else None

            secret = Secret(
                tenant_id=effective_tenant_id,
                name=secret_data.name.strip(),
                description=secret_data.description,
                sealed_value=_seal(secret_data.value),
                is_active=True
            )

            # Set audit information
            if audit_ctx:
                secret.set_created_by(audit_ctx.user_email, audit_ctx.user_name)
            secret.created_at = datetime.now()
            secret.updated_at = datetime.now()

            self.db.add(secret)
            await self.db.flush()
            await self.db.refresh(secret)

            logger.info(f"Created secret {secret.name} (ID: {secret.id}) for tenant {effective_tenant_id}")
            return SecretResponse.model_validate(secret)

        except IntegrityError as e:
            await self.db.rollback()
            logger.error(f"Failed to create secret - IntegrityError: {e}")
            raise ValueError(f"Secret '{secret_data.name}' already exists") from e
        except Exception as e:
            await self.db.rollback()
            logger.exception(f"Failed to create secret for tenant {self.tenant_id}")
            raise

    async def update_secret(
        self,
        secret_id: str,
        secret_data: SecretUpdate,
        updated_by_user=None
    ) -> Optional[SecretResponse]:
        """Rotate the value of a secret or change its description.

        Args:
            secret_id: the secret to change.
            secret_data: the fields to change; unset fields are left alone.
            updated_by_user: the user making the change.
        """
        try:
            secret = await self.get_by_id(Secret, secret_id)
            if not secret:
                return None

            # Create audit context
            audit_ctx = AuditContext.from_user(updated_by_user) if updated_by_user else None

            changes = secret_data.model_dump(exclude_unset=True)
            if "value" in changes:
                secret.sealed_value = _seal(changes.pop("value"))
            for field, value in changes.items():
                setattr(secret, field, value)

            # Set audit information
            if audit_ctx:
                secret.set_updated_by(audit_ctx.user_email, audit_ctx.user_name)
            secret.updated_at = datetime.now()

            await self.db.flush()
            await self.db.refresh(secret)

            logger.info(f"Updated secret {secret.name} (ID: {secret.id})")
            return SecretResponse.model_validate(secret)

        except IntegrityError as e:
            await self.db.rollback()
            logger.error(f"Failed to update secret - IntegrityError: {e}")
            raise ValueError(f"Database constraint violation: {e}") from e
        except Exception as e:
            await self.db.rollback()
            logger.exception(f"Failed to update secret {secret_id}")
            raise

    async def delete_secret(self, secret_id: str, deleted_by_user=None) -> bool:
        """Soft-delete a secret: the row stays, marked deleted, for the audit trail."""
        try:
            secret = await self.get_by_id(Secret, secret_id)
            if not secret:
                return False

            # Create audit context
            audit_ctx = AuditContext.from_user(deleted_by_user) if deleted_by_user else None

            secret.is_deleted = True
            secret.is_active = False

            # Set audit information
            if audit_ctx:
                secret.set_deleted_by(audit_ctx.user_email, audit_ctx.user_name)
            secret.deleted_at = datetime.now()

            await self.db.flush()

            logger.info(f"Deleted secret {secret.name} (ID: {secret.id})")
            return True

        except IntegrityError as e:
            await self.db.rollback()
            logger.error(f"Failed to delete secret - IntegrityError: {e}")
            raise ValueError(f"Database constraint violation: {e}") from e
        except Exception as e:
            await self.db.rollback()
            logger.exception(f"Failed to delete secret {secret_id}")
            raise

    async def get_secret(self, secret_id: str) -> Optional[SecretResponse]:
        """Return one secret's metadata, or ``None``."""
        secret = await self.get_by_id(Secret, secret_id)
        return SecretResponse.model_validate(secret) if secret else None
