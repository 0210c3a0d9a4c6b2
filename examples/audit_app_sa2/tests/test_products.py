"""ProductService on an AsyncSession."""

from datetime import datetime

import pytest

from app.features.catalog.models import Product
from app.features.catalog.schemas import ProductCreate, ProductUpdate
from app.features.catalog.services.products import ProductService
from tests.support import assert_recent

LAMP = ProductCreate(sku="LMP-1", name="Desk lamp", price_cents=2599)
CHAIR = ProductCreate(sku="CHR-7", name="Chair", price_cents=8900)


def _create(run_async, data=LAMP) -> int:
    async def scenario(db):
        product = await ProductService(db).create_product(data)
        await db.commit()
        return product.id

    return run_async(scenario)


def test_create_product_stores_it(run_async, stored):
    product_id = _create(run_async)
    row = stored(Product, product_id)
    assert (row["sku"], row["name"], row["price_cents"], row["is_deleted"]) == ("LMP-1", "Desk lamp", 2599, False)
    assert row["created_at"] is not None


def test_create_product_rejects_a_known_sku(run_async):
    _create(run_async)

    async def scenario(db):
        with pytest.raises(ValueError, match="already in the catalog"):
            await ProductService(db).create_product(LAMP)

    run_async(scenario)


def test_update_product_keeps_the_edit(run_async, stored):
    product_id = _create(run_async)

    async def scenario(db):
        product = await ProductService(db).update_product(product_id, ProductUpdate(name="Reading lamp"))
        await db.commit()
        return product.name, product.price_cents

    assert run_async(scenario) == ("Reading lamp", 2599)
    assert stored(Product, product_id)["name"] == "Reading lamp"


def test_update_product_of_an_unknown_id_returns_none(run_async):
    async def scenario(db):
        return await ProductService(db).update_product(404, ProductUpdate(name="x"))

    assert run_async(scenario) is None


def test_update_price_keeps_the_edit(run_async, stored):
    product_id = _create(run_async)

    async def scenario(db):
        product = await ProductService(db).update_price(product_id, 1999)
        await db.commit()
        return product.price_cents

    assert run_async(scenario) == 1999
    assert stored(Product, product_id)["price_cents"] == 1999


def test_archive_product_hides_it(run_async, stored):
    product_id = _create(run_async)
    _create(run_async, CHAIR)

    async def scenario(db):
        service = ProductService(db)
        archived = await service.archive_product(product_id)
        again = await service.archive_product(product_id)
        await db.commit()
        return archived, again, [p.sku for p in await service.list_products()]

    assert run_async(scenario) == (True, False, ["CHR-7"])
    assert stored(Product, product_id)["is_deleted"] is True


@pytest.mark.audit
def test_create_product_records_the_creator_and_the_times(run_async, stored, alice):
    since = datetime.now()

    async def scenario(db):
        product = await ProductService(db).create_product(LAMP, created_by_user=alice)
        await db.commit()
        return product.id

    row = stored(Product, run_async(scenario))
    assert (row["created_by_email"], row["created_by_name"]) == ("alice@example.com", "Alice Martin")
    assert_recent(row["created_at"], since)
    assert_recent(row["updated_at"], since)


@pytest.mark.audit
def test_update_product_records_the_updater_and_the_time(run_async, stored, bob):
    product_id = _create(run_async)
    since = datetime.now()

    async def scenario(db):
        await ProductService(db).update_product(product_id, ProductUpdate(description="LED"), updated_by_user=bob)
        await db.commit()

    run_async(scenario)
    row = stored(Product, product_id)
    assert (row["updated_by_email"], row["updated_by_name"]) == ("bob@example.com", "Bob Chen")
    assert row["description"] == "LED"
    assert_recent(row["updated_at"], since)


@pytest.mark.audit
def test_update_price_records_the_updater_and_the_time(run_async, stored, bob):
    product_id = _create(run_async)
    since = datetime.now()

    async def scenario(db):
        await ProductService(db).update_price(product_id, 2100, updated_by_user=bob)
        await db.commit()

    run_async(scenario)
    row = stored(Product, product_id)
    assert row["updated_by_email"] == "bob@example.com"
    assert_recent(row["updated_at"], since)


@pytest.mark.audit
def test_archive_product_records_the_deleter_and_the_time(run_async, stored, bob):
    product_id = _create(run_async)
    since = datetime.now()

    async def scenario(db):
        await ProductService(db).archive_product(product_id, deleted_by_user=bob)
        await db.commit()

    run_async(scenario)
    row = stored(Product, product_id)
    assert (row["deleted_by_email"], row["deleted_by_name"]) == ("bob@example.com", "Bob Chen")
    assert_recent(row["deleted_at"], since)


@pytest.mark.audit
def test_an_unknown_category_is_a_value_error_and_the_session_survives(run_async):
    async def scenario(db):
        service = ProductService(db)
        with pytest.raises(ValueError):
            await service.create_product(ProductCreate(sku="X-1", name="Orphan", price_cents=1, category_id=999))
        return await service.list_products()

    assert run_async(scenario) == []
