"""The catalog's service functions, for routes that do not build a service
themselves: each opens the service on the request's session and forwards."""

from sqlalchemy.ext.asyncio import AsyncSession

from app.features.catalog.services.categories import CategoryService


async def retire_category(db: AsyncSession, category_id: int, force: bool = False) -> bool:
    """Archive a category; with `force`, even while products still use it."""
    return await CategoryService(db).delete_category(category_id, force)
