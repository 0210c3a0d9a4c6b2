from typing import Optional

from pydantic import BaseModel, ConfigDict, Field


class WarehouseCreate(BaseModel):
    code: str = Field(min_length=1, max_length=12)
    name: str = Field(min_length=1, max_length=120)
    city: str
    capacity: int = Field(default=0, ge=0)


class WarehouseUpdate(BaseModel):
    city: Optional[str] = None
    capacity: Optional[int] = Field(default=None, ge=0)
    is_active: Optional[bool] = None


class WarehouseRename(BaseModel):
    name: str = Field(min_length=1, max_length=120)


class StockLine(BaseModel):
    sku: str
    quantity: int = Field(gt=0)


class Restock(BaseModel):
    lines: list[StockLine]


class WarehouseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    city: str
    capacity: int
    manager_email: Optional[str]
    is_active: bool
