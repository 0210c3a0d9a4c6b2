"""Warehouses and stock, on the synchronous session (this module predates the
async catalog and is called from the back-office jobs as well as the API)."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.features.inventory.models import StockMovement, Warehouse
from app.features.inventory.schemas import StockLine, WarehouseCreate, WarehouseUpdate

logger = logging.getLogger(__name__)


class WarehouseService:
    def __init__(self, db: Session) -> None:
        self.db = db

    def list_warehouses(self) -> list[Warehouse]:
        return list(self.db.scalars(select(Warehouse).order_by(Warehouse.code)).all())

    def create_warehouse(self, data: WarehouseCreate) -> Warehouse:
        warehouse = Warehouse(code=data.code, name=data.name, city=data.city, capacity=data.capacity)
        self.db.add(warehouse)
        try:
            self.db.commit()
        except IntegrityError as e:
            raise ValueError(f"warehouse {data.code!r} or {data.name!r} already exists") from e
        self.db.refresh(warehouse)
        return warehouse

    def update_warehouse(self, warehouse_id: int, data: WarehouseUpdate) -> Warehouse | None:
        warehouse = self.db.get(Warehouse, warehouse_id)
        if warehouse is None:
            return None
        for field, value in data.model_dump(exclude_unset=True).items():
            setattr(warehouse, field, value)
        self.db.commit()
        return warehouse


def warehouse_payload(warehouse: Warehouse) -> dict:
    return {
        "id": warehouse.id,
        "code": warehouse.code,
        "name": warehouse.name,
        "manager_email": warehouse.manager_email,
    }


def set_warehouse_manager(db: Session, warehouse_id: int, manager_email: str | None) -> Warehouse | None:
    warehouse = db.scalars(select(Warehouse).where(Warehouse.id == warehouse_id)).first()
    if warehouse is None:
        return None
    warehouse.manager_email = manager_email
    db.flush()
    return warehouse


async def rename_warehouse(db: Session, warehouse_id: int, name: str) -> Warehouse | None:
    """Rename a warehouse. A coroutine because its route is one; the session is
    the synchronous one all the same."""
    warehouse = db.get(Warehouse, warehouse_id)
    if warehouse is None:
        return None
    warehouse.name = name
    db.commit()
    return warehouse


def record_movement(db: Session, warehouse_id: int, sku: str, quantity: int, reason: str) -> StockMovement:
    movement = StockMovement(warehouse_id=warehouse_id, sku=sku, quantity=quantity, reason=reason)
    db.add(movement)
    db.flush()
    return movement


def restock(db: Session, warehouse_id: int, lines: list[StockLine]) -> list[StockMovement]:
    warehouse = db.get(Warehouse, warehouse_id)
    if warehouse is None:
        raise LookupError(f"no warehouse {warehouse_id}")
    movements = []
    for line in lines:
        movement = StockMovement(warehouse_id=warehouse.id, sku=line.sku, quantity=line.quantity, reason="restock")
        db.add(movement)
        movements.append(movement)
    db.commit()
    logger.info("restocked %s lines in %s", len(movements), warehouse.code)
    return movements
