from typing import Any, Optional

from fastapi import APIRouter, Body, Depends, HTTPException, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.features.auth.dependencies import CurrentUser, get_current_user
from app.features.catalog.models import Product
from app.features.catalog.schemas import (
    CategoryCreate,
    CategoryOut,
    CategoryRename,
    ProductCreate,
    ProductOut,
    ProductUpdate,
)
from app.features.catalog.services import retire_category
from app.features.catalog.services.catalog import CatalogService
from app.features.catalog.services.categories import CategoryService
from app.features.catalog.services.products import ProductService
from app.features.core.database import get_db

router = APIRouter(tags=["catalog"])


@router.get("/products", response_model=list[ProductOut])
async def get_products(category_id: Optional[int] = None, db: AsyncSession = Depends(get_db)):
    stmt = select(Product).where(Product.is_deleted.is_(False)).order_by(Product.sku)
    if category_id is not None:
        stmt = stmt.where(Product.category_id == category_id)
    result = await db.execute(stmt)
    return result.scalars().all()


@router.post("/products", response_model=ProductOut, status_code=status.HTTP_201_CREATED)
async def post_product(
    data: ProductCreate,
    db: AsyncSession = Depends(get_db),
    current_user: CurrentUser = Depends(get_current_user),
):
    service = ProductService(db)
    try:
        product = await service.create_product(data)
    except ValueError as e:
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=str(e)) from e
    await db.commit()
    return product


@router.patch("/products/{product_id}", response_model=ProductOut)
async def patch_product(
    product_id: int,
    data: ProductUpdate,
    db: AsyncSession = Depends(get_db),
    current_user: CurrentUser = Depends(get_current_user),
):
    service = ProductService(db)
    product = await service.update_product(product_id, data)
    if product is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    await db.commit()
    return product


@router.patch("/products/{product_id}/price", response_model=ProductOut)
async def patch_product_price(
    product_id: int,
    body: dict[str, Any] = Body(...),
    db: AsyncSession = Depends(get_db),
    current_user: CurrentUser = Depends(get_current_user),
):
    """The price list's inline editor sends ``{"value": 1299}``."""
    value = body.get("value")
    if not isinstance(value, int) or value < 0:
        raise HTTPException(status_code=422, detail="value must be cents")
    catalog = CatalogService(db)
    product = await catalog.update_product_price(product_id, value)
    if product is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    await db.commit()
    return product


@router.delete("/products/{product_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_product(
    product_id: int,
    db: AsyncSession = Depends(get_db),
    current_user: CurrentUser = Depends(get_current_user),
) -> None:
    service = ProductService(db)
    if not await service.archive_product(product_id):
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    await db.commit()


@router.post("/categories", response_model=CategoryOut, status_code=status.HTTP_201_CREATED)
async def post_category(
    data: CategoryCreate,
    db: AsyncSession = Depends(get_db),
    current_user: CurrentUser = Depends(get_current_user),
):
    service = CategoryService(db)
    try:
        category = await service.create_category(data.slug, data.name)
    except ValueError as e:
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=str(e)) from e
    await db.commit()
    return category


@router.delete("/categories/{category_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_category(
    category_id: int,
    force: bool = False,
    db: AsyncSession = Depends(get_db),
    current_user: CurrentUser = Depends(get_current_user),
):
    try:
        retired = await retire_category(db, category_id, force)
    except ValueError as e:
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=str(e)) from e
    if not retired:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Category not found")
    await db.commit()


@router.put("/categories/{category_id}", response_model=CategoryOut)
async def put_category(
    category_id: int,
    data: CategoryRename,
    db: AsyncSession = Depends(get_db),
    current_user: CurrentUser = Depends(get_current_user),
):
    service = CategoryService(db)
    try:
        category = await service.rename_category(category_id, data.name, data.slug)
    except ValueError as e:
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=str(e)) from e
    if category is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Category not found")
    await db.commit()
    return category
