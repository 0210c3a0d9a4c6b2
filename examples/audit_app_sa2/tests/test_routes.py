"""Through HTTP: the routes build the services, commit, and must hand the
caller (``X-User-Email``) down to them."""

import asyncio

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.pool import NullPool

from app.features.catalog.models import Category, Product
from app.features.core.database import get_db, get_sync_db, make_async_engine, make_async_sessionmaker, make_sessionmaker, make_sync_engine
from app.features.inventory.models import StockMovement, Warehouse
from app.main import app

ALICE = {"X-User-Email": "alice@example.com", "X-User-Name": "Alice Martin"}
BOB = {"X-User-Email": "bob@example.com", "X-User-Name": "Bob Chen"}
LAMP = {"sku": "LMP-1", "name": "Desk lamp", "price_cents": 2599}
LYON = {"code": "LYS", "name": "Lyon Nord", "city": "Lyon", "capacity": 1200}


@pytest.fixture
def client(db_file):
    # NullPool: the test client runs the app on its own event loop, and no
    # connection may outlive the loop that opened it.
    async_engine = make_async_engine(db_file, poolclass=NullPool)
    async_sessions = make_async_sessionmaker(async_engine)
    sync_engine = make_sync_engine(db_file)
    sync_sessions = make_sessionmaker(sync_engine)

    async def request_db():
        async with async_sessions() as session:
            yield session

    def request_sync_db():
        with sync_sessions() as session:
            yield session

    app.dependency_overrides[get_db] = request_db
    app.dependency_overrides[get_sync_db] = request_sync_db
    try:
        # No `with`: the start-up hook would create the tables of the default database.
        yield TestClient(app)
    finally:
        app.dependency_overrides.clear()
        asyncio.run(async_engine.dispose())
        sync_engine.dispose()


def _product(client) -> int:
    response = client.post("/products", json=LAMP, headers=ALICE)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _warehouse(client) -> int:
    response = client.post("/warehouses", json=LYON, headers=ALICE)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_writes_need_an_authenticated_caller(client):
    assert client.post("/products", json=LAMP).status_code == 401
    assert client.post("/warehouses", json=LYON).status_code == 401


def test_post_product(client, stored):
    response = client.post("/products", json=LAMP, headers=ALICE)
    assert response.status_code == 201, response.text
    assert stored(Product, response.json()["id"])["sku"] == "LMP-1"
    assert client.post("/products", json=LAMP, headers=ALICE).status_code == 409


def test_patch_product_keeps_the_edit(client, stored):
    product_id = _product(client)
    response = client.patch(f"/products/{product_id}", json={"name": "Reading lamp"}, headers=BOB)
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Reading lamp"
    assert stored(Product, product_id)["name"] == "Reading lamp"
    assert client.patch("/products/404", json={"name": "x"}, headers=BOB).status_code == 404


def test_patch_price_keeps_the_edit(client, stored):
    product_id = _product(client)
    response = client.patch(f"/products/{product_id}/price", json={"value": 1999}, headers=BOB)
    assert response.status_code == 200, response.text
    assert response.json()["price_cents"] == 1999
    assert stored(Product, product_id)["price_cents"] == 1999
    assert client.patch(f"/products/{product_id}/price", json={"value": "cheap"}, headers=BOB).status_code == 422


def test_delete_product_hides_it(client):
    product_id = _product(client)
    assert client.delete(f"/products/{product_id}", headers=BOB).status_code == 204
    assert client.get("/products").json() == []
    assert client.delete(f"/products/{product_id}", headers=BOB).status_code == 404


def test_categories(client, stored):
    created = client.post("/categories", json={"slug": "lighting", "name": "Lighting"}, headers=ALICE)
    assert created.status_code == 201, created.text
    category_id = created.json()["id"]
    renamed = client.put(f"/categories/{category_id}", json={"name": "Lamps", "slug": "lamps"}, headers=BOB)
    assert renamed.status_code == 200, renamed.text
    assert (stored(Category, category_id)["slug"], stored(Category, category_id)["name"]) == ("lamps", "Lamps")


def test_warehouse_routes_keep_the_edits(client, stored):
    warehouse_id = _warehouse(client)
    assert client.post("/warehouses", json=LYON, headers=ALICE).status_code == 409
    patched = client.patch(f"/warehouses/{warehouse_id}", json={"capacity": 900}, headers=BOB)
    assert patched.status_code == 200, patched.text
    manager = client.patch(f"/warehouses/{warehouse_id}/manager", json={"value": "chloe@example.com"}, headers=BOB)
    assert manager.status_code == 200, manager.text
    assert manager.json()["manager_email"] == "chloe@example.com"
    renamed = client.put(f"/warehouses/{warehouse_id}/name", json={"name": "Lyon Est"}, headers=BOB)
    assert renamed.status_code == 200, renamed.text
    row = stored(Warehouse, warehouse_id)
    assert (row["capacity"], row["manager_email"], row["name"]) == (900, "chloe@example.com", "Lyon Est")


def test_restock_route(client, stored):
    warehouse_id = _warehouse(client)
    response = client.post(f"/warehouses/{warehouse_id}/restock", json={"lines": [{"sku": "LMP-1", "quantity": 5}]})
    assert response.status_code == 201, response.text
    [movement_id] = response.json()["movements"]
    assert stored(StockMovement, movement_id)["quantity"] == 5


@pytest.mark.audit
def test_post_product_records_the_caller(client, stored):
    row = stored(Product, _product(client))
    assert (row["created_by_email"], row["created_by_name"]) == ("alice@example.com", "Alice Martin")
    assert row["updated_at"] is not None


@pytest.mark.audit
def test_patch_product_records_the_caller(client, stored):
    product_id = _product(client)
    client.patch(f"/products/{product_id}", json={"description": "LED"}, headers=BOB)
    assert stored(Product, product_id)["updated_by_email"] == "bob@example.com"


@pytest.mark.audit
def test_patch_price_records_the_caller(client, stored):
    product_id = _product(client)
    client.patch(f"/products/{product_id}/price", json={"value": 1999}, headers=BOB)
    assert stored(Product, product_id)["updated_by_email"] == "bob@example.com"


@pytest.mark.audit
def test_delete_product_records_the_caller(client, stored):
    product_id = _product(client)
    client.delete(f"/products/{product_id}", headers=BOB)
    row = stored(Product, product_id)
    assert row["deleted_by_email"] == "bob@example.com"
    assert row["deleted_at"] is not None


@pytest.mark.audit
def test_category_routes_record_the_callers(client, stored):
    category_id = client.post("/categories", json={"slug": "lighting", "name": "Lighting"}, headers=ALICE).json()["id"]
    client.put(f"/categories/{category_id}", json={"name": "Lamps"}, headers=BOB)
    row = stored(Category, category_id)
    assert (row["created_by_email"], row["updated_by_email"]) == ("alice@example.com", "bob@example.com")


@pytest.mark.audit
def test_warehouse_routes_record_the_callers(client, stored):
    warehouse_id = _warehouse(client)
    assert stored(Warehouse, warehouse_id)["created_by_email"] == "alice@example.com"
    client.patch(f"/warehouses/{warehouse_id}", json={"capacity": 900}, headers=BOB)
    assert stored(Warehouse, warehouse_id)["updated_by_email"] == "bob@example.com"
    client.patch(f"/warehouses/{warehouse_id}/manager", json={"value": "chloe@example.com"}, headers=ALICE)
    assert stored(Warehouse, warehouse_id)["updated_by_email"] == "alice@example.com"
    client.put(f"/warehouses/{warehouse_id}/name", json={"name": "Lyon Est"}, headers=BOB)
    assert stored(Warehouse, warehouse_id)["updated_by_email"] == "bob@example.com"


@pytest.mark.audit
def test_renaming_a_warehouse_to_a_taken_name_is_a_conflict(client):
    _warehouse(client)
    other = client.post("/warehouses", json={**LYON, "code": "LIL", "name": "Lille Sud"}, headers=ALICE).json()["id"]
    response = client.put(f"/warehouses/{other}/name", json={"name": "Lyon Nord"}, headers=BOB)
    assert response.status_code == 409, response.text


def _category_in_use(client) -> int:
    category_id = client.post("/categories", json={"slug": "lighting", "name": "Lighting"}, headers=ALICE).json()["id"]
    product = client.post("/products", json={**LAMP, "category_id": category_id}, headers=ALICE)
    assert product.status_code == 201, product.text
    return category_id


def test_a_category_in_use_is_not_retired_without_force(client, stored):
    category_id = _category_in_use(client)
    response = client.delete(f"/categories/{category_id}", headers=BOB)
    assert response.status_code == 409, response.text
    assert stored(Category, category_id)["is_deleted"] is False
    assert client.delete("/categories/999999", headers=BOB).status_code == 404


@pytest.mark.audit
def test_retiring_a_category_through_the_package_function_records_the_caller(client, stored):
    # Route -> the package's `retire_category` -> the service: `force` must
    # reach the service as `force` (not as the user), and the user must
    # reach it through the function.
    category_id = _category_in_use(client)
    response = client.delete(f"/categories/{category_id}?force=true", headers=BOB)
    assert response.status_code == 204, response.text
    row = stored(Category, category_id)
    assert row["is_deleted"] is True
    assert (row["deleted_by_email"], row["deleted_by_name"]) == ("bob@example.com", "Bob Chen")
