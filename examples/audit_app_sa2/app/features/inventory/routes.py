from fastapi import APIRouter, Body, Depends, HTTPException, status
from sqlalchemy.orm import Session

from app.features.auth.dependencies import CurrentUser, get_current_user
from app.features.core.database import get_sync_db
from app.features.inventory.schemas import Restock, WarehouseCreate, WarehouseOut, WarehouseRename, WarehouseUpdate
from app.features.inventory.service import (
    WarehouseService,
    rename_warehouse,
    restock,
    set_warehouse_manager,
    warehouse_payload,
)

router = APIRouter(prefix="/warehouses", tags=["inventory"])


@router.get("", response_model=list[WarehouseOut])
def get_warehouses(db: Session = Depends(get_sync_db)):
    return WarehouseService(db).list_warehouses()


@router.post("", response_model=WarehouseOut, status_code=status.HTTP_201_CREATED)
def post_warehouse(
    data: WarehouseCreate,
    db: Session = Depends(get_sync_db),
    current_user: CurrentUser = Depends(get_current_user),
):
    service = WarehouseService(db)
    try:
        return service.create_warehouse(data)
    except ValueError as e:
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=str(e)) from e


@router.patch("/{warehouse_id}", response_model=WarehouseOut)
def patch_warehouse(
    warehouse_id: int,
    data: WarehouseUpdate,
    db: Session = Depends(get_sync_db),
    current_user: CurrentUser = Depends(get_current_user),
):
    service = WarehouseService(db)
    warehouse = service.update_warehouse(warehouse_id, data)
    if warehouse is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Warehouse not found")
    return warehouse


@router.patch("/{warehouse_id}/manager")
def patch_warehouse_manager(
    warehouse_id: int,
    body: dict = Body(...),
    db: Session = Depends(get_sync_db),
    current_user: CurrentUser = Depends(get_current_user),
) -> dict:
    """The inline editor sends ``{"value": "someone@example.com"}`` (or null)."""
    value = body.get("value")
    warehouse = set_warehouse_manager(db, warehouse_id, value)
    if warehouse is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Warehouse not found")
    db.commit()
    payload = warehouse_payload(warehouse)
    return payload


@router.put("/{warehouse_id}/name", response_model=WarehouseOut)
async def put_warehouse_name(
    warehouse_id: int,
    data: WarehouseRename,
    db: Session = Depends(get_sync_db),
    current_user: CurrentUser = Depends(get_current_user),
):
    try:
        warehouse = await rename_warehouse(db, warehouse_id, data.name)
    except ValueError as e:
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=str(e)) from e
    if warehouse is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Warehouse not found")
    return warehouse


@router.post("/{warehouse_id}/restock", status_code=status.HTTP_201_CREATED)
def post_restock(warehouse_id: int, data: Restock, db: Session = Depends(get_sync_db)) -> dict:
    try:
        movements = restock(db, warehouse_id, data.lines)
    except LookupError as e:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=str(e)) from e
    return {"movements": [m.id for m in movements]}
