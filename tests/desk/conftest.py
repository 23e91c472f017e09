"""The desk over a fresh SQLite warehouse: the example brand, three users (one per role) and posts
planned by the real calendar sync, waiting for approval."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from marketing_engine.brand import BrandProfile
from marketing_engine.desk.app import create_app
from marketing_engine.desk.auth import RateLimit, add_user
from marketing_engine.publishing.calendar import PlannedPost
from marketing_engine.publishing.platforms import Draft
from marketing_engine.publishing.queue import sync_calendar
from marketing_engine.settings import sqlite_url
from marketing_engine.warehouse import Warehouse

SECRET = "s" * 48
PASSWORD = "correct horse battery"
START = datetime(2027, 1, 5, 17, tzinfo=UTC)  # a Tuesday
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def planned(texts: list[str], start: datetime = START) -> list[PlannedPost]:
    return [
        PlannedPost(
            Draft(platform="linkedin", content_ref=f"page:{i}", variant="main", fields={"text": text}),
            start + timedelta(hours=i),
        )
        for i, text in enumerate(texts)
    ]


@pytest.fixture
def desk_warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    warehouse = Warehouse(sqlite_url(tmp_path / "desk.sqlite"))
    with warehouse.session() as session:
        for role in ("viewer", "editor", "approver"):
            add_user(session, role, role, PASSWORD)
    yield warehouse
    warehouse.dispose()


@pytest.fixture
def profile(example_brand: BrandProfile) -> BrandProfile:
    return example_brand


@pytest.fixture
def seed(desk_warehouse: Warehouse, profile: BrandProfile) -> Callable[[list[str]], list[int]]:
    def seed(texts: list[str]) -> list[int]:
        with desk_warehouse.session() as session:
            sync_calendar(session, profile.slug, planned(texts), approval_required=True)
        from sqlalchemy import select

        from marketing_engine.warehouse.models import SocialPost

        with desk_warehouse.session() as session:
            return list(session.scalars(select(SocialPost.id).order_by(SocialPost.id)))

    return seed


@pytest.fixture
def app(desk_warehouse: Warehouse, profile: BrandProfile):
    return create_app(desk_warehouse, profile, SECRET, logins=RateLimit(limit=5, window=60))


def csrf_of(client: TestClient, path: str = "/login") -> str:
    found = CSRF.search(client.get(path).text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


@pytest.fixture
def login(app) -> Callable[[str], TestClient]:
    def login(name: str) -> TestClient:
        client = TestClient(app)
        answer = client.post(
            "/login",
            data={"name": name, "password": PASSWORD, "csrf": csrf_of(client)},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        return client

    return login
