"""The declarative base every warehouse model shares, and the mixins they use."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from marketing_engine.warehouse.types import UTCDateTime

# Named constraints so Alembic migrations are stable across SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict: JSON,
        list: JSON,
        datetime: UTCDateTime(),  # aware UTC in and out, on SQLite as on PostgreSQL
    }


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BrandScoped:
    """Rows belong to one brand (its slug), so one warehouse can serve several brands."""

    brand: Mapped[str] = mapped_column(String(100), index=True)


class NaturalKey:
    """A surrogate `id` primary key (the table's first column) and `natural_key`, the columns that
    name a row: the table's one unique constraint, and what an upsert of its rows matches on."""

    natural_key: ClassVar[tuple[str, ...]]
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[UniqueConstraint]:
        return (UniqueConstraint(*cls.natural_key),)
