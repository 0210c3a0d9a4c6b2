"""Centralized imports for models and services.

Feature modules start with ``from app.features.core.sqlalchemy_imports import *``
so that the column types, the query helpers, ``datetime`` and the logger
factory are spelled the same everywhere. Only what ``__all__`` lists is
exported: ``timezone``, ``IntegrityError`` and ``AuditContext`` are not, and a
module that needs them imports them itself.
"""

from datetime import datetime
from typing import Any, Dict, List, Optional

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, func, select

from app.features.core.logging import get_logger

__all__ = [
    "Column",
    "String",
    "Boolean",
    "Integer",
    "DateTime",
    "JSON",
    "ForeignKey",
    "select",
    "func",
    "datetime",
    "Optional",
    "Dict",
    "Any",
    "List",
    "get_logger",
]
