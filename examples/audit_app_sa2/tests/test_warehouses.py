"""The inventory module on a plain (synchronous) Session."""

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import select

from app.features.inventory.models import StockMovement, Warehouse
from app.features.inventory.schemas import StockLine, WarehouseCreate, WarehouseUpdate
from app.features.inventory.service import (
    WarehouseService,
    record_movement,
    rename_warehouse,
    restock,
    set_warehouse_manager,
)
from tests.support import assert_recent

LYON = WarehouseCreate(code="LYS", name="Lyon Nord", city="Lyon", capacity=1200)
LILLE = WarehouseCreate(code="LIL", name="Lille Sud", city="Lille", capacity=800)


def test_create_warehouse_stores_it(sync_session, stored):
    warehouse = WarehouseService(sync_session).create_warehouse(LYON)
    row = stored(Warehouse, warehouse.id)
    assert (row["code"], row["city"], row["capacity"], row["is_active"]) == ("LYS", "Lyon", 1200, True)


def test_create_warehouse_rejects_a_known_code(sync_session):
    service = WarehouseService(sync_session)
    service.create_warehouse(LYON)
    with pytest.raises(ValueError, match="already exists"):
        service.create_warehouse(WarehouseCreate(code="LYS", name="Other", city="Lyon"))


def test_update_warehouse_keeps_the_edit(sync_session, stored):
    service = WarehouseService(sync_session)
    warehouse = service.create_warehouse(LYON)
    updated = service.update_warehouse(warehouse.id, WarehouseUpdate(capacity=1500, is_active=False))
    assert (updated.capacity, updated.is_active, updated.city) == (1500, False, "Lyon")
    row = stored(Warehouse, warehouse.id)
    assert (row["capacity"], row["is_active"]) == (1500, False)


def test_update_unknown_warehouse_returns_none(sync_session):
    assert WarehouseService(sync_session).update_warehouse(404, WarehouseUpdate(city="Paris")) is None


def test_set_warehouse_manager_keeps_the_edit(sync_session, stored):
    warehouse = WarehouseService(sync_session).create_warehouse(LYON)
    assert set_warehouse_manager(sync_session, warehouse.id, "chloe@example.com") is warehouse
    sync_session.commit()
    assert stored(Warehouse, warehouse.id)["manager_email"] == "chloe@example.com"
    assert set_warehouse_manager(sync_session, 404, "x@example.com") is None


def test_rename_warehouse_keeps_the_edit(sync_session, stored):
    warehouse = WarehouseService(sync_session).create_warehouse(LYON)
    renamed = asyncio.run(rename_warehouse(sync_session, warehouse.id, "Lyon Est"))
    assert renamed.name == "Lyon Est"
    assert stored(Warehouse, warehouse.id)["name"] == "Lyon Est"
    assert asyncio.run(rename_warehouse(sync_session, 404, "Nowhere")) is None


def test_record_movement(sync_session):
    warehouse = WarehouseService(sync_session).create_warehouse(LYON)
    movement = record_movement(sync_session, warehouse.id, "LMP-1", -3, "sale")
    sync_session.commit()
    stored_movement = sync_session.scalars(select(StockMovement)).one()
    assert (stored_movement.id, stored_movement.quantity, stored_movement.reason) == (movement.id, -3, "sale")
    assert stored_movement.created_at is not None


def test_restock_records_one_movement_per_line(sync_session):
    warehouse = WarehouseService(sync_session).create_warehouse(LYON)
    lines = [StockLine(sku="LMP-1", quantity=10), StockLine(sku="CHR-7", quantity=4)]
    movements = restock(sync_session, warehouse.id, lines)
    assert [(m.sku, m.quantity, m.reason) for m in movements] == [("LMP-1", 10, "restock"), ("CHR-7", 4, "restock")]
    assert len(sync_session.scalars(select(StockMovement)).all()) == 2


def test_restock_with_no_lines(sync_session):
    warehouse = WarehouseService(sync_session).create_warehouse(LYON)
    assert restock(sync_session, warehouse.id, []) == []


def test_restock_of_an_unknown_warehouse(sync_session):
    with pytest.raises(LookupError):
        restock(sync_session, 404, [StockLine(sku="LMP-1", quantity=1)])


@pytest.mark.audit
def test_create_warehouse_records_the_creator_and_the_times(sync_session, stored, alice):
    since = datetime.now()
    warehouse = WarehouseService(sync_session).create_warehouse(LYON, created_by_user=alice)
    row = stored(Warehouse, warehouse.id)
    assert (row["created_by_email"], row["created_by_name"]) == ("alice@example.com", "Alice Martin")
    assert_recent(row["created_at"], since)
    assert_recent(row["updated_at"], since)


@pytest.mark.audit
def test_a_known_code_leaves_the_session_usable(sync_session):
    service = WarehouseService(sync_session)
    service.create_warehouse(LYON)
    with pytest.raises(ValueError):
        service.create_warehouse(WarehouseCreate(code="LYS", name="Other", city="Lyon"))
    assert [w.code for w in service.list_warehouses()] == ["LYS"]


@pytest.mark.audit
def test_update_warehouse_records_the_updater_and_the_time(sync_session, stored, bob):
    service = WarehouseService(sync_session)
    warehouse = service.create_warehouse(LYON)
    since = datetime.now()
    service.update_warehouse(warehouse.id, WarehouseUpdate(city="Villeurbanne"), updated_by_user=bob)
    row = stored(Warehouse, warehouse.id)
    assert (row["updated_by_email"], row["updated_by_name"]) == ("bob@example.com", "Bob Chen")
    assert_recent(row["updated_at"], since)


@pytest.mark.audit
def test_set_warehouse_manager_records_the_updater_and_the_time(sync_session, stored, bob):
    warehouse = WarehouseService(sync_session).create_warehouse(LYON)
    since = datetime.now()
    set_warehouse_manager(sync_session, warehouse.id, "chloe@example.com", updated_by_user=bob)
    sync_session.commit()
    row = stored(Warehouse, warehouse.id)
    assert row["updated_by_email"] == "bob@example.com"
    assert_recent(row["updated_at"], since)


@pytest.mark.audit
def test_rename_warehouse_records_the_updater_and_the_time(sync_session, stored, bob):
    warehouse = WarehouseService(sync_session).create_warehouse(LYON)
    since = datetime.now()
    asyncio.run(rename_warehouse(sync_session, warehouse.id, "Lyon Est", updated_by_user=bob))
    row = stored(Warehouse, warehouse.id)
    assert row["updated_by_email"] == "bob@example.com"
    assert_recent(row["updated_at"], since)


@pytest.mark.audit
def test_renaming_to_a_taken_name_is_a_value_error_and_the_session_survives(sync_session):
    service = WarehouseService(sync_session)
    service.create_warehouse(LYON)
    lille = service.create_warehouse(LILLE)
    with pytest.raises(ValueError):
        asyncio.run(rename_warehouse(sync_session, lille.id, "Lyon Nord"))
    assert sorted(w.name for w in service.list_warehouses()) == ["Lille Sud", "Lyon Nord"]
