"""The FastAPI application.

Run it with ``uvicorn app.main:app`` from ``examples/audit_app``; the tables
are created on start-up (the example has no migrations).
"""

from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api.routes import users
from app.features.core.database import init_models


@asynccontextmanager
async def lifespan(_app: FastAPI):
    await init_models()
    yield


app = FastAPI(title="Audit trail example", lifespan=lifespan)
app.include_router(users.router)


@app.get("/health")
async def health() -> dict:
    return {"status": "ok"}
