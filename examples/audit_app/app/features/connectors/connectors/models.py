"""Connectors: a tenant's installed instances of the connector catalog."""

import enum
import uuid

from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column

from app.features.core.audit_mixin import AuditMixin
from app.features.core.database import Base
from app.features.core.models import GlobalModel
from app.features.core.sqlalchemy_imports import *


class ConnectorStatus(str, enum.Enum):
    INACTIVE = "inactive"
    ACTIVE = "active"
    ERROR = "error"


class ConnectorCatalog(GlobalModel):
    """A kind of connector the platform offers (Slack, HubSpot, ...)."""

    __tablename__ = "connector_catalog"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120), nullable=False)
    auth_fields: Mapped[List[str]] = mapped_column(JSON, nullable=False, default=list)
    max_per_tenant: Mapped[int] = mapped_column(Integer, nullable=False, default=5)


class Connector(Base, AuditMixin):
    """A catalog connector installed in a tenant, with its own configuration."""

    __tablename__ = "connectors"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    tenant_id: Mapped[str] = mapped_column(String(36), index=True, nullable=False)
    catalog_id: Mapped[str] = mapped_column(String(64), ForeignKey("connector_catalog.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    status: Mapped[str] = mapped_column(String(32), nullable=False, default=ConnectorStatus.INACTIVE.value)
    config: Mapped[Dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    auth: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    tags: Mapped[List[str]] = mapped_column(JSON, nullable=False, default=list)
