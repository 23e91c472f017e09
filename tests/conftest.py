"""Shared fixtures: an isolated engine home per test, and warehouses on SQLite and PostgreSQL.

PostgreSQL: each test session creates its own database next to the one named by
MARKETING_ENGINE_TEST_PG_URL (default: the local server's `test` database) and drops it at the
end. Unreachable PostgreSQL fails the tests under CI and skips them elsewhere.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from needs import unavailable
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from marketing_engine.brand import BrandProfile, load_brand
from marketing_engine.settings import EXAMPLE_BRAND
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import Base

PG_ADMIN_URL = os.environ.get(
    "MARKETING_ENGINE_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(autouse=True)
def engine_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own MARKETING_ENGINE_HOME, so none touches the project's state."""
    home = tmp_path / "engine_home"
    monkeypatch.setenv("MARKETING_ENGINE_HOME", str(home))
    monkeypatch.delenv("MARKETING_ENGINE_WAREHOUSE_URL", raising=False)
    monkeypatch.delenv("MARKETING_ENGINE_BRAND", raising=False)
    monkeypatch.setenv("MARKETING_ENGINE_ENV", "local")
    return home


@pytest.fixture(autouse=True)
def fresh_provider_bounds() -> None:
    """Each test is a run of its own: a provider that kept failing in an earlier test on the same
    worker (the per-run failure bound in resources/retry.py) must not refuse this test's calls."""
    from marketing_engine.resources.retry import reset_provider_bounds

    reset_provider_bounds()


@pytest.fixture(scope="session")
def example_brand() -> BrandProfile:
    return load_brand(EXAMPLE_BRAND)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"me_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no PostgreSQL here"
        admin.dispose()
        unavailable(f"PostgreSQL at {make_url(PG_ADMIN_URL)!r} is unreachable: {exc}")
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    from marketing_engine.resources.warehouse import _OPEN

    for key in [k for k in _OPEN if name in k]:
        _OPEN.pop(key).dispose()
    with admin.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": name},
        )
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A warehouse URL on each backend; the PostgreSQL one starts every test with empty tables."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
        return
    url = request.getfixturevalue("pg_url")
    warehouse = Warehouse(url)
    with warehouse.engine.begin() as connection:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    warehouse.dispose()
    yield url


@pytest.fixture
def warehouse(warehouse_url: str) -> Iterator[Warehouse]:
    warehouse = Warehouse(warehouse_url)
    yield warehouse
    warehouse.dispose()
