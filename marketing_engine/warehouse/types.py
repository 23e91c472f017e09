"""Column types the warehouse models share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A UTC instant, aware on the way in and out, on every database.

    SQLite keeps no zone (it hands back naive values) and PostgreSQL hands values back in the
    session's zone; with this type every model reads an aware datetime in UTC. An aware value is
    stored as its UTC instant; a naive one is taken to be UTC already (how the engine writes them).
    The column is a plain `DateTime(timezone=True)`, so migrations are unchanged.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
