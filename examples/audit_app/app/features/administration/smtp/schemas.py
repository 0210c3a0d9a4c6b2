"""Request and response bodies of the SMTP settings API."""

from datetime import datetime
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field


class SMTPConfigurationCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    username: Optional[str] = None
    from_address: str
    use_tls: bool = True


class SMTPConfigurationUpdate(BaseModel):
    name: Optional[str] = None
    host: Optional[str] = None
    port: Optional[int] = Field(default=None, ge=1, le=65535)
    username: Optional[str] = None
    from_address: Optional[str] = None
    use_tls: Optional[bool] = None


class SMTPConfigurationResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    tenant_id: str
    name: str
    host: str
    port: int
    from_address: str
    use_tls: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime
