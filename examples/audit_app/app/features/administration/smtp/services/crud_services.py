"""SMTP configuration CRUD service.

Each tenant may keep several SMTP configurations; the active ones are
used for outgoing mail.
"""

from datetime import timezone

from app.features.core.sqlalchemy_imports import *
from app.features.core.enhanced_base_service import BaseService
from app.features.core.audit_mixin import AuditContext

from app.features.administration.smtp.models import SMTPConfiguration
from app.features.administration.smtp.schemas import (
    SMTPConfigurationCreate,
    SMTPConfigurationResponse,
    SMTPConfigurationUpdate,
)

logger = get_logger(__name__)


class SMTPConfigurationService(BaseService[SMTPConfiguration]):
    """Manage the SMTP configurations of one tenant."""

    async def create_smtp_configuration(
        self,
        config_data: SMTPConfigurationCreate,
        created_by_user=None
    ) -> SMTPConfigurationResponse:
        """Create an (inactive) SMTP configuration.

        Args:
            config_data: server settings.
            created_by_user: the user creating it.
        """
        try:
            if not config_data.host.strip():
                raise ValueError("SMTP host is required")

            # Create audit context
            audit_ctx = AuditContext.from_user(created_by_user) if created_by_user else None

            configuration = SMTPConfiguration(
                tenant_id=self.tenant_id,
                name=config_data.name,
                host=config_data.host.strip(),
                port=config_data.port,
                username=config_data.username,
                from_address=config_data.from_address,
                use_tls=config_data.use_tls,
                is_active=False
            )

            # Set audit information
            if audit_ctx:
                configuration.set_created_by(audit_ctx.user_email, audit_ctx.user_name)

            self.db.add(configuration)
            await self.db.flush()
            await self.db.refresh(configuration)

            logger.info(f"Created SMTP configuration {configuration.name} for tenant {self.tenant_id}")
            return SMTPConfigurationResponse.model_validate(configuration)

        except Exception as e:
            logger.exception(f"Failed to create SMTP configuration for tenant {self.tenant_id}")
            raise

    async def update_smtp_configuration(
        self,
        config_id: str,
        config_data: SMTPConfigurationUpdate,
        updated_by_user=None
    ) -> Optional[SMTPConfigurationResponse]:
        """Change the settings of an SMTP configuration.

        Args:
            config_id: the configuration to change.
            config_data: the fields to change; unset fields are left alone.
            updated_by_user: the user making the change.
        """
        try:
            configuration = await self.get_by_id(SMTPConfiguration, config_id)
            if not configuration:
                return None

            # Create audit context
            audit_ctx = AuditContext.from_user(updated_by_user) if updated_by_user else None

            for field, value in config_data.model_dump(exclude_unset=True).items():
                setattr(configuration, field, value)

            # Set audit information (updated_at is left to the database)
            if audit_ctx:
                configuration.set_updated_by(audit_ctx.user_email, audit_ctx.user_name)

            await self.db.flush()
            await self.db.refresh(configuration)

            return SMTPConfigurationResponse.model_validate(configuration)

        except Exception as e:
            logger.exception(f"Failed to update SMTP configuration {config_id}")
            raise

    async def activate_smtp_configuration(self, config_id: str, updated_by_user=None) -> Optional[SMTPConfiguration]:
        """Make this configuration the tenant's active one."""
        configuration = await self.get_by_id(SMTPConfiguration, config_id)
        if not configuration:
            return None

        audit_ctx = AuditContext.from_user(updated_by_user) if updated_by_user else None

        configuration.is_active = True
        if audit_ctx:
            configuration.set_updated_by(audit_ctx.user_email, audit_ctx.user_name)
        configuration.updated_at = datetime.now(timezone.utc)

        await self.db.flush()
        logger.info(f"Activated SMTP configuration {configuration.id} for tenant {self.tenant_id}")
        return configuration

    async def deactivate_smtp_configuration(self, config_id: str, updated_by_user=None) -> Optional[SMTPConfiguration]:
        """Stop sending mail through this configuration."""
        configuration = await self.get_by_id(SMTPConfiguration, config_id)
        if not configuration:
            return None

        audit_ctx = AuditContext.from_user(updated_by_user) if updated_by_user else None

        configuration.is_active = False
        if audit_ctx:
            configuration.set_updated_by(audit_ctx.user_email, audit_ctx.user_name)
        configuration.updated_at = datetime.now(timezone.utc)

        await self.db.flush()
        logger.info(f"Deactivated SMTP configuration {configuration.id} for tenant {self.tenant_id}")
        return configuration

    async def get_active_configurations(self) -> List[SMTPConfiguration]:
        """The tenant's active configurations (the mail sender uses the first)."""
        result = await self.db.execute(
            select(SMTPConfiguration).where(
                SMTPConfiguration.tenant_id == self.tenant_id,
                SMTPConfiguration.is_active.is_(True),
                SMTPConfiguration.is_deleted.is_(False),
            )
        )
        return list(result.scalars().all())
