"""CategoryService on an AsyncSession."""

from datetime import datetime

import pytest

from app.features.catalog.models import Category
from app.features.catalog.schemas import ProductCreate
from app.features.catalog.services.categories import CategoryService
from app.features.catalog.services.products import ProductService
from tests.support import assert_recent


def _create(run_async, slug="lighting", name="Lighting") -> int:
    async def scenario(db):
        category = await CategoryService(db).create_category(slug, name)
        await db.commit()
        return category.id

    return run_async(scenario)


def test_create_category_stores_it(run_async, stored):
    row = stored(Category, _create(run_async))
    assert (row["slug"], row["name"], row["is_deleted"]) == ("lighting", "Lighting", False)


def test_create_category_rejects_an_active_slug(run_async):
    _create(run_async)

    async def scenario(db):
        with pytest.raises(ValueError, match="already exists"):
            await CategoryService(db).create_category("lighting", "Lamps")

    run_async(scenario)


def test_rename_category_keeps_the_edit(run_async, stored):
    category_id = _create(run_async)

    async def scenario(db):
        category = await CategoryService(db).rename_category(category_id, "Lamps & lights", "lamps")
        await db.commit()
        return category.slug

    assert run_async(scenario) == "lamps"
    row = stored(Category, category_id)
    assert (row["slug"], row["name"]) == ("lamps", "Lamps & lights")


def test_rename_category_without_a_new_slug(run_async, stored):
    category_id = _create(run_async)

    async def scenario(db):
        await CategoryService(db).rename_category(category_id, "Lamps")
        await db.commit()

    run_async(scenario)
    assert stored(Category, category_id)["slug"] == "lighting"


def test_rename_category_to_a_taken_slug_is_refused(run_async):
    category_id = _create(run_async)
    _create(run_async, "garden", "Garden")

    async def scenario(db):
        with pytest.raises(ValueError, match="is taken"):
            await CategoryService(db).rename_category(category_id, "Garden lights", "garden")

    run_async(scenario)


def test_rename_unknown_category_returns_none(run_async):
    async def scenario(db):
        return await CategoryService(db).rename_category(404, "Nothing")

    assert run_async(scenario) is None


def test_ensure_category_creates_it_once(run_async, stored):
    async def scenario(db):
        service = CategoryService(db)
        first = await service.ensure_category("garden", "Garden")
        second = await service.ensure_category("garden", "Garden")
        await db.commit()
        return first.id, second.id

    first, second = run_async(scenario)
    assert first == second
    assert stored(Category, first)["name"] == "Garden"


def test_ensure_category_leaves_an_existing_one_alone(run_async, stored):
    category_id = _create(run_async)
    before = stored(Category, category_id)

    async def scenario(db):
        category = await CategoryService(db).ensure_category("lighting", "Something else")
        await db.commit()
        return category.id

    assert run_async(scenario) == category_id
    assert stored(Category, category_id) == before


def test_archive_category(run_async, stored):
    category_id = _create(run_async)

    async def scenario(db):
        service = CategoryService(db)
        archived = await service.archive_category(category_id)
        await db.commit()
        return archived, await service.archive_category(404)

    assert run_async(scenario) == (True, False)
    row = stored(Category, category_id)
    assert row["is_deleted"] is True
    assert row["deleted_at"] is not None


def test_archive_category_with_products_is_refused(run_async):
    category_id = _create(run_async)

    async def scenario(db):
        await ProductService(db).create_product(
            ProductCreate(sku="LMP-1", name="Lamp", price_cents=100, category_id=category_id)
        )
        with pytest.raises(ValueError, match="still has 1 products"):
            await CategoryService(db).archive_category(category_id)

    run_async(scenario)


@pytest.mark.audit
def test_create_category_records_the_creator_and_the_times(run_async, stored, alice):
    since = datetime.now()

    async def scenario(db):
        category = await CategoryService(db).create_category("garden", "Garden", created_by_user=alice)
        await db.commit()
        return category.id

    row = stored(Category, run_async(scenario))
    assert (row["created_by_email"], row["created_by_name"]) == ("alice@example.com", "Alice Martin")
    assert_recent(row["created_at"], since)
    assert_recent(row["updated_at"], since)


@pytest.mark.audit
def test_rename_category_records_the_updater_and_the_time(run_async, stored, bob):
    category_id = _create(run_async)
    since = datetime.now()

    async def scenario(db):
        await CategoryService(db).rename_category(category_id, "Lamps", updated_by_user=bob)
        await db.commit()

    run_async(scenario)
    row = stored(Category, category_id)
    assert (row["updated_by_email"], row["updated_by_name"]) == ("bob@example.com", "Bob Chen")
    assert_recent(row["updated_at"], since)


@pytest.mark.audit
def test_archive_category_records_the_deleter_and_the_time(run_async, stored, bob):
    category_id = _create(run_async)
    since = datetime.now()

    async def scenario(db):
        await CategoryService(db).archive_category(category_id, deleted_by_user=bob)
        await db.commit()

    run_async(scenario)
    row = stored(Category, category_id)
    assert row["deleted_by_email"] == "bob@example.com"
    assert_recent(row["deleted_at"], since)


@pytest.mark.audit
def test_the_slug_of_an_archived_category_is_a_value_error_and_the_session_survives(run_async):
    category_id = _create(run_async)

    async def scenario(db):
        service = CategoryService(db)
        await service.archive_category(category_id)
        await db.commit()
        with pytest.raises(ValueError):
            await service.create_category("lighting", "Lighting again")
        return await service.create_category("garden", "Garden")

    assert run_async(scenario).slug == "garden"
