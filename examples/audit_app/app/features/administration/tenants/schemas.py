"""Request and response bodies of the tenants API."""

from datetime import datetime
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field

PLANS = ("starter", "business", "enterprise")


class TenantCreate(BaseModel):
    name: str = Field(min_length=2, max_length=120)
    slug: str = Field(min_length=2, max_length=63)
    plan: str = "starter"
    max_users: int = Field(default=10, ge=1)


class TenantUpdate(BaseModel):
    name: Optional[str] = Field(default=None, min_length=2, max_length=120)
    plan: Optional[str] = None
    max_users: Optional[int] = Field(default=None, ge=1)
    is_active: Optional[bool] = None


class TenantResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    slug: str
    plan: str
    max_users: int
    is_active: bool
    created_at: datetime
    updated_at: datetime
