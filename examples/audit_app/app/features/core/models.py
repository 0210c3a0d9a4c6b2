"""Shared model bases.

``GlobalModel`` is the base of models that are not scoped to a tenant (the
tenants themselves, the connector catalog). It carries the audit mixin, so
every model built on it is audited too.
"""

from app.features.core.audit_mixin import AuditMixin
from app.features.core.database import Base


class GlobalModel(Base, AuditMixin):
    """Audited model shared by all tenants."""

    __abstract__ = True
