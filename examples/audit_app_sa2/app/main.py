"""The catalog and inventory API. ``uvicorn app.main:app`` from this folder;
tables are created at start-up (no migrations in this example)."""

from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.features.catalog import routes as catalog_routes
from app.features.core.database import create_tables
from app.features.inventory import routes as inventory_routes


@asynccontextmanager
async def lifespan(_app: FastAPI):
    create_tables()
    yield


app = FastAPI(title="Catalog", lifespan=lifespan)
app.include_router(catalog_routes.router)
app.include_router(inventory_routes.router)


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}
