"""Request and response bodies of the secrets API."""

from datetime import datetime
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field


class SecretCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    value: str = Field(min_length=1)
    description: Optional[str] = None


class SecretUpdate(BaseModel):
    value: Optional[str] = None
    description: Optional[str] = None
    is_active: Optional[bool] = None


class SecretResponse(BaseModel):
    """A secret as the API shows it: never the value itself."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    tenant_id: str
    name: str
    description: Optional[str]
    is_active: bool
    created_at: datetime
    updated_at: datetime
    created_by_email: Optional[str]
    updated_by_email: Optional[str]
