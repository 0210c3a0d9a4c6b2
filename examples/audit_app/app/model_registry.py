"""Imports every model module so that ``Base.metadata`` knows all tables."""

from app.features.administration.logs.models import LogEntry
from app.features.administration.secrets.models import Secret
from app.features.administration.smtp.models import SMTPConfiguration
from app.features.administration.tenants.models import Tenant
from app.features.administration.users.models import User
from app.features.business_automations.content_broadcaster.models import ContentItem, ContentPlan
from app.features.connectors.connectors.models import Connector, ConnectorCatalog

__all__ = [
    "Connector",
    "ConnectorCatalog",
    "ContentItem",
    "ContentPlan",
    "LogEntry",
    "SMTPConfiguration",
    "Secret",
    "Tenant",
    "User",
]
