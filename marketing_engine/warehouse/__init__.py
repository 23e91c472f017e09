"""The warehouse: SQLAlchemy models, the engine and session, upserts and Alembic migrations."""

from marketing_engine.warehouse.db import Warehouse, WarehouseError, upsert

__all__ = ["Warehouse", "WarehouseError", "upsert"]
