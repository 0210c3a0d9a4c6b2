"""Products: creation, edits, price changes and archiving."""

import logging
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.features.catalog.models import Product
from app.features.catalog.schemas import ProductCreate, ProductUpdate

logger = logging.getLogger(__name__)


class ProductService:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def get_product(self, product_id: int) -> Optional[Product]:
        return await self.db.get(Product, product_id)

    async def get_by_sku(self, sku: str) -> Optional[Product]:
        result = await self.db.execute(select(Product).where(Product.sku == sku))
        return result.scalar_one_or_none()

    async def list_products(self, category_id: Optional[int] = None) -> list[Product]:
        stmt = select(Product).where(Product.is_deleted.is_(False)).order_by(Product.sku)
        if category_id is not None:
            stmt = stmt.where(Product.category_id == category_id)
        result = await self.db.execute(stmt)
        return list(result.scalars().all())

    async def create_product(self, data: ProductCreate) -> Product:
        if await self.get_by_sku(data.sku) is not None:
            raise ValueError(f"SKU {data.sku!r} is already in the catalog")

        product = Product(
            sku=data.sku,
            name=data.name,
            description=data.description,
            price_cents=data.price_cents,
            category_id=data.category_id,
        )
        self.db.add(product)
        await self.db.flush()
        await self.db.refresh(product)
        logger.info("created product %s", product.sku)
        return product

    async def update_product(self, product_id: int, data: ProductUpdate) -> Optional[Product]:
        stmt = select(Product).where(Product.id == product_id, Product.is_deleted.is_(False))
        result = await self.db.execute(stmt)
        product = result.scalar_one_or_none()
        if product is None:
            return None

        changes = data.model_dump(exclude_unset=True)
        for field, value in changes.items():
            setattr(product, field, value)
        product.updated_at = func.now()

        await self.db.flush()
        await self.db.refresh(product)
        return product

    async def update_price(self, product_id: int, price_cents: int) -> Optional[Product]:
        product = await self.db.scalar(select(Product).where(Product.id == product_id))
        if product is None:
            return None
        product.price_cents = price_cents
        await self.db.flush()
        return product

    async def archive_product(self, product_id: int) -> bool:
        product = await self.db.get(Product, product_id)
        if product is None or product.is_deleted:
            return False
        product.is_deleted = True
        await self.db.flush()
        logger.info("archived product %s", product.sku)
        return True
