"""Categories group products; archived ones keep their slug reserved."""

import logging
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.features.catalog.models import Category, Product

logger = logging.getLogger(__name__)


class CategoryService:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def create_category(self, slug: str, name: str) -> Category:
        try:
            existing = await self.db.scalar(
                select(Category).where(Category.slug == slug, Category.is_deleted.is_(False))
            )
            if existing is not None:
                raise ValueError(f"category {slug!r} already exists")

            category = Category(slug=slug, name=name)
            self.db.add(category)
            await self.db.flush()
            return category
        except Exception:
            logger.exception("could not create category %s", slug)
            raise

    async def ensure_category(self, slug: str, name: str) -> Category:
        """The category with this slug, created on first use (imports call this)."""
        category = await self.db.scalar(select(Category).where(Category.slug == slug))
        if category is None:
            category = Category(slug=slug, name=name)
            self.db.add(category)
            await self.db.flush()
        return category

    async def rename_category(self, category_id: int, name: str, slug: Optional[str] = None) -> Optional[Category]:
        category = await self.db.get(Category, category_id)
        if category is None:
            return None
        if slug is not None and slug != category.slug:
            clash = await self.db.scalar(select(Category).where(Category.slug == slug))
            if clash is not None:
                raise ValueError(f"slug {slug!r} is taken by category {clash.id}")
            category.slug = slug
        category.name = name
        await self.db.flush()
        return category

    async def archive_category(self, category_id: int) -> bool:
        category = await self.db.get(Category, category_id)
        if category is None:
            return False
        in_use = await self.db.scalar(
            select(func.count())
            .select_from(Product)
            .where(Product.category_id == category_id, Product.is_deleted.is_(False))
        )
        if in_use:
            raise ValueError(f"category {category.slug!r} still has {in_use} products")
        category.mark_deleted()
        await self.db.flush()
        return True

    # Hand-edited when the audit report came out: the user parameter went
    # in the middle, and the package's `retire_category` still forwards
    # `force` by position (so it lands in `deleted_by_user`).
    async def delete_category(self, category_id: int, deleted_by_user=None, force: bool = False) -> bool:
        category = await self.db.get(Category, category_id)
        if category is None:
            return False
        if not force:
            in_use = await self.db.scalar(
                select(func.count())
                .select_from(Product)
                .where(Product.category_id == category_id, Product.is_deleted.is_(False))
            )
            if in_use:
                raise ValueError(f"category {category.slug!r} still has {in_use} products")
        category.mark_deleted()
        await self.db.flush()
        return True
