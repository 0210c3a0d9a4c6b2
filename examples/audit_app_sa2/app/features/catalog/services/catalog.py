"""The catalog as the HTTP layer sees it: one object over the product and
category services."""

from typing import Optional

from sqlalchemy.ext.asyncio import AsyncSession

from app.features.catalog.models import Product
from app.features.catalog.services.categories import CategoryService
from app.features.catalog.services.products import ProductService


class CatalogService:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db
        self.products = ProductService(db)
        self.categories = CategoryService(db)

    async def update_product_price(self, product_id: int, price_cents: int) -> Optional[Product]:
        """Change a product's price (the price-list screen edits one cell at a time)."""
        return await self.products.update_price(product_id, price_cents)

    async def products_in(self, category_id: int) -> list[Product]:
        return await self.products.list_products(category_id)
