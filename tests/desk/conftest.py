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


def claims_held(reason: str) -> dict:
    """A claims report as `seo.review.report_json` keeps it, failed on one finding."""
    finding = {"kind": "numeral", "span": "50%", "sentence": f"Costs fall 50% {XSS}", "reason": reason}
    return {
        "passed": False,
        "counts": {"numeral": 1},
        "summary": f"1 numeral: {reason}",
        "findings": [finding],
    }


def write_page(
    warehouse: Warehouse,
    brand: str,
    slug: str,
    title: str,
    *,
    finding: str | None = None,
    quality: tuple[str, ...] = (),
    sha256: str = "a" * 64,
) -> None:
    """A written and built page through the SEO store, as the pages stage leaves it: held when the
    claims gate found `finding` (and no person approved that text), noindex when a quality gate
    failed, its HTML in the media store."""
    from datetime import date
    from html import escape

    from marketing_engine.resources.media_store import MediaStoreResource
    from marketing_engine.seo import store
    from marketing_engine.seo.pages import BuiltPage, WrittenDraft, held_by_claims
    from marketing_engine.warehouse.models import ProgrammaticPage, SeoPageBrief

    keyword = slug.replace("-", " ")
    with warehouse.session() as session:
        if not session.query(SeoPageBrief).filter_by(brand=brand, slug=slug).count():
            common = {"brand": brand, "slug": slug, "page_type": "Guide", "keyword": keyword}
            session.add(SeoPageBrief(**common, path=f"/{slug}/", cluster_slug="c", brief={}))
            session.add(ProgrammaticPage(**common, title=keyword, status="brief"))
    claims = (
        claims_held(finding) if finding else {"passed": True, "counts": {}, "summary": "", "findings": []}
    )
    draft = WrittenDraft(
        slug,
        "Guide",
        keyword,
        title,
        "meta",
        300,
        f"{sha256[:2]}/{sha256}.json",
        sha256,
        claims,
        not finding,
        finding or "passed",
    )
    store.save_drafts(warehouse, brand, [draft], date(2027, 1, 4))
    html = (
        f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1>"
        "<script>document.querySelector('h1').textContent = 'script ran'</script>"
    )
    key = MediaStoreResource().put_bytes(html.encode(), suffix=".html").key
    path = f"/{slug}/"
    reports = store.claims_reports(
        warehouse, brand
    )  # what the site build reads, a person's approval included
    held = held_by_claims(reports)
    failures = [*quality, *([f"claims: {held[path]}"] if path in held else [])]
    indexable = not failures
    status = "ready" if indexable else "held" if path in held else "noindex"
    report = {"passed": indexable, "failures": failures} | (
        {"claims": reports[path]} if path in reports else {}
    )
    built = BuiltPage(slug, indexable, report, status, key, f"https://example.test/{slug}/", 0.9)
    store.save_built_pages(warehouse, brand, [built], [])
