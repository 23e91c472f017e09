"""Engine, sessions, migrations and the upsert every asset writes through.

SQLite (a file) is the default; PostgreSQL is used when the URL says `postgresql+psycopg2://`.
The schema is always built by Alembic (`upgrade head`), never by `create_all`, so the migrations
are exercised on every run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from marketing_engine.provenance import MEASURED, guard_rows
from marketing_engine.settings import masked_url
from marketing_engine.warehouse.models import Base

MIGRATIONS = Path(__file__).parent / "migrations"
_UPGRADED: set[str] = set()
_UPGRADE_LOCK = threading.Lock()


@event.listens_for(Base, "before_insert", propagate=True)
@event.listens_for(Base, "before_update", propagate=True)
def _guard_orm_rows(mapper: Any, _connection: Any, row: Base) -> None:
    """The provenance guard for rows written through the ORM (`session.add`), as `upsert` applies it."""
    table = mapper.local_table.name
    if table in MEASURED:
        guard_rows(table, [{MEASURED[table]: getattr(row, MEASURED[table], None)}])


class WarehouseError(RuntimeError):
    """The warehouse URL is unusable or the database cannot be reached."""


def normalize_url(url: str) -> str:
    """Make `postgresql://` mean psycopg2 (SQLAlchemy 2.1 would pick psycopg v3, not installed)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise WarehouseError(f"warehouse URL {masked_url(url)!r} is not a database URL") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    if parsed.drivername not in ("sqlite", "postgresql+psycopg2"):
        raise WarehouseError(
            f"warehouse URL {masked_url(url)!r}: driver {parsed.drivername!r} is not supported "
            "(use sqlite:///path or postgresql+psycopg2://user@host/db)"
        )
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def alembic_config(url: str):  # -> alembic.config.Config (imported lazily: alembic is not light)
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring the schema at `url` to the head revision (one head: a second one is an error here)."""
    from alembic import command

    try:
        command.upgrade(alembic_config(url), "head")
    except OperationalError as exc:
        raise WarehouseError(
            f"cannot reach the warehouse at {masked_url(url)}: {masked_url(str(exc.orig)).strip()}"
        ) from None


class Warehouse:
    """One database: migrated on first use, handing out sessions."""

    def __init__(self, url: str):
        self.url = normalize_url(url)
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            engine = make_engine(self.url)  # first: it creates the SQLite file's folder Alembic needs
            with _UPGRADE_LOCK:
                if self.url not in _UPGRADED:
                    upgrade(self.url)
                    _UPGRADED.add(self.url)
            self._engine = engine
        return self._engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        factory = sessionmaker(self.engine, expire_on_commit=False)
        with factory() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def count(self, model: type[Base], **filters: Any) -> int:
        with self.session() as session:
            query = select(func.count()).select_from(model)
            for name, value in filters.items():
                query = query.where(getattr(model, name) == value)
            return int(session.scalar(query) or 0)

    def table_counts(self) -> dict[str, int]:
        """Row count of every table, for summaries."""
        counts = {}
        with self.session() as session:
            for table in Base.metadata.sorted_tables:
                counts[table.name] = int(session.scalar(select(func.count()).select_from(table)) or 0)
        return counts

    def measured_origins(self, brand: str | None = None) -> dict[str, dict[str, int]]:
        """Per measured table (`provenance.MEASURED`), its rows counted by origin (the brand's only,
        when given): e.g. {"serp_results": {"search_console": 12}, "customer_journeys": {}}."""
        counts: dict[str, dict[str, int]] = {}
        with self.session() as session:
            for table in Base.metadata.sorted_tables:
                if table.name not in MEASURED:
                    continue
                origin = table.c[MEASURED[table.name]]
                query = select(origin, func.count()).group_by(origin).order_by(origin)
                if brand is not None:
                    query = query.where(table.c.brand == brand)
                counts[table.name] = {str(name): int(n) for name, n in session.execute(query)}
        return counts

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def upsert(
    session: Session,
    model: type[Base],
    rows: Iterable[Mapping[str, Any]],
    keys: Sequence[str],
    update: Sequence[str] | None = None,
    chunk: int = 500,
) -> int:
    """Insert rows, or update them where the natural key `keys` already exists.

    `update` names the columns to overwrite on conflict (default: every given column but the keys).
    Returns the number of rows written. Works on SQLite and PostgreSQL. Measured rows must say
    where they came from; in prod simulated ones are refused (`marketing_engine.provenance`).
    """
    rows = [dict(row) for row in rows]
    if not rows:
        return 0
    table = model.__table__
    guard_rows(table.name, rows)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    columns = update if update is not None else [c for c in rows[0] if c not in keys]
    has_updated_at = "updated_at" in table.c
    for start in range(0, len(rows), chunk):
        batch = rows[start : start + chunk]
        statement = insert(table).values(batch)
        changes = {name: statement.excluded[name] for name in columns}
        if has_updated_at and "updated_at" not in changes:
            changes["updated_at"] = func.now()
        if changes:
            statement = statement.on_conflict_do_update(index_elements=list(keys), set_=changes)
        else:
            statement = statement.on_conflict_do_nothing(index_elements=list(keys))
        session.execute(statement)
    return len(rows)
