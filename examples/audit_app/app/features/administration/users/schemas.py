"""Request and response bodies of the users API."""

from datetime import datetime
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field

ROLES = ("admin", "member", "viewer")


class UserCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    email: str = Field(min_length=3, max_length=255)
    password: str = Field(min_length=8)
    role: str = "member"


class UserUpdate(BaseModel):
    name: Optional[str] = Field(default=None, max_length=120)
    password: Optional[str] = Field(default=None, min_length=8)
    role: Optional[str] = None
    is_active: Optional[bool] = None


class UserResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    tenant_id: str
    name: str
    email: str
    role: str
    is_active: bool
    created_at: datetime
    updated_at: datetime
    created_by_email: Optional[str]
    updated_by_email: Optional[str]
