"""Request and response bodies of the connectors API."""

from datetime import datetime
from typing import Any, Dict, List, Optional

from pydantic import BaseModel, ConfigDict, Field


class ConnectorCreate(BaseModel):
    catalog_id: str
    name: str = Field(min_length=1, max_length=120)
    config: Dict[str, Any] = Field(default_factory=dict)
    auth: Dict[str, str] = Field(default_factory=dict)
    tags: List[str] = Field(default_factory=list)


class ConnectorUpdate(BaseModel):
    name: Optional[str] = Field(default=None, min_length=1, max_length=120)
    config: Optional[Dict[str, Any]] = None
    auth: Optional[Dict[str, str]] = None
    tags: Optional[List[str]] = None
    status: Optional[str] = None


class ConnectorResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    tenant_id: str
    catalog_id: str
    catalog_name: str
    name: str
    status: str
    config: Dict[str, Any]
    tags: List[str]
    created_at: datetime
    updated_at: datetime
    created_by_email: Optional[str]
    created_by_name: Optional[str]
    updated_by_email: Optional[str]
