"""Connector service: install catalog connectors into a tenant and configure them."""

import base64
import json

from app.features.core.sqlalchemy_imports import *
from app.features.core.enhanced_base_service import BaseService

from app.features.connectors.connectors.models import Connector, ConnectorCatalog, ConnectorStatus
from app.features.connectors.connectors.schemas import ConnectorCreate, ConnectorResponse, ConnectorUpdate

logger = get_logger(__name__)


class ConnectorService(BaseService[Connector]):
    """Install, configure and inspect the connectors of a tenant."""

    async def install_connector(
        self,
        connector_data: ConnectorCreate,
        created_by_id: Optional[str] = None,
        created_by_name: Optional[str] = None
    ) -> ConnectorResponse:
        """Install a catalog connector in the service's tenant.

        Args:
            connector_data: catalog entry, name, configuration and credentials.
            created_by_id: id of the installing user.
            created_by_name: display name of the installing user.
        """
        try:
            # 1. Validate catalog exists
            catalog = await self.get_catalog_by_id(connector_data.catalog_id)
            if not catalog:
                raise ValueError(f"Catalog connector not found: {connector_data.catalog_id}")

            # 2. Validate the credentials the catalog asks for
            missing = [field for field in catalog.auth_fields if field not in connector_data.auth]
            if missing:
                raise ValueError(f"Missing credentials for {catalog.display_name}: {', '.join(missing)}")

            # 3. Enforce the per-tenant quota
            installed = await self.db.execute(
                select(func.count()).select_from(Connector).where(
                    Connector.tenant_id == self.tenant_id,
                    Connector.catalog_id == connector_data.catalog_id,
                    Connector.is_deleted.is_(False),
                )
            )
            if installed.scalar_one() >= catalog.max_per_tenant:
                raise ValueError(f"At most {catalog.max_per_tenant} {catalog.display_name} connectors per tenant")

            # 4. Encrypt credentials
            encrypted_auth = self._encrypt_auth(connector_data.auth)

            # 5. Create connector instance
            connector = Connector(
                tenant_id=self.tenant_id,
                catalog_id=connector_data.catalog_id,
                name=connector_data.name,
                status=ConnectorStatus.INACTIVE.value,
                config=connector_data.config,
                auth=encrypted_auth,
                tags=connector_data.tags,
                created_by=created_by_id,
                created_by_name=created_by_name
            )

            self.db.add(connector)
            await self.db.flush()
            await self.db.refresh(connector)

            logger.info(f"Installed connector {connector.name} ({catalog.id}) for tenant {self.tenant_id}")
            return await self._enrich_connector_response(connector)

        except Exception as e:
            await self.handle_error("install_connector", e,
                                    name=connector_data.name,
                                    catalog_id=connector_data.catalog_id)
            raise

    async def update_connector(
        self,
        connector_id: str,
        connector_data: ConnectorUpdate
    ) -> ConnectorResponse:
        """Change a connector's name, configuration, credentials, tags or status."""
        try:
            connector = await self.get_by_id(Connector, connector_id)
            if not connector:
                raise ValueError(f"Connector not found: {connector_id}")

            changes = connector_data.model_dump(exclude_unset=True)
            if "status" in changes and changes["status"] not in {status.value for status in ConnectorStatus}:
                raise ValueError(f"Unknown connector status: {changes['status']}")
            if "auth" in changes:
                connector.auth = self._encrypt_auth(changes.pop("auth") or {})
            if "config" in changes:
                connector.config = {**connector.config, **(changes.pop("config") or {})}
            for field, value in changes.items():
                if value is not None:
                    setattr(connector, field, value)

            await self.db.flush()
            await self.db.refresh(connector)

            logger.info(f"Updated connector {connector.id}")
            return await self._enrich_connector_response(connector)

        except Exception as e:
            await self.handle_error("update_connector", e, connector_id=connector_id)
            raise

    async def get_catalog_by_id(self, catalog_id: str) -> Optional[ConnectorCatalog]:
        """The catalog entry, or ``None``."""
        return await self.db.get(ConnectorCatalog, catalog_id)

    def _encrypt_auth(self, auth: Dict[str, str]) -> str:
        # Placeholder for the KMS call: credentials are never stored in clear.
        return base64.urlsafe_b64encode(json.dumps(auth, sort_keys=True).encode()).decode()

    async def _enrich_connector_response(self, connector: Connector) -> ConnectorResponse:
        catalog = await self.get_catalog_by_id(connector.catalog_id)
        return ConnectorResponse(
            id=connector.id,
            tenant_id=connector.tenant_id,
            catalog_id=connector.catalog_id,
            catalog_name=catalog.display_name if catalog else connector.catalog_id,
            name=connector.name,
            status=connector.status,
            config=connector.config,
            tags=connector.tags,
            created_at=connector.created_at,
            updated_at=connector.updated_at,
            created_by_email=connector.created_by_email,
            created_by_name=connector.created_by_name,
            updated_by_email=connector.updated_by_email,
        )
