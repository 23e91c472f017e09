"""Indexing: IndexNow pings (batches of 10,000, 429 with Retry-After, 403/422 named) at the HTTP
layer (respx), the key file at the site root, only changed pages re-announced, Search Console's
sitemap submission and URL Inspection on a recorded httplib2 transport (with the token refresh),
and the two assets on the offline backend."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
import respx
from dagster import DagsterInstance, materialize
from google_http import RecordedHttp, form, granted
from sqlalchemy import select

from marketing_engine.assets import indexing as indexing_assets
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.http import reset_provider_bounds
from marketing_engine.resources.indexing import (
    INDEXNOW_URL,
    IndexingResource,
    IndexNowClient,
    SearchConsoleIndexClient,
)
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.platforms.client import OAuthToken
from marketing_engine.resources.retry import ProviderError
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.seo import indexing
from marketing_engine.seo.site import SiteBuilder
from marketing_engine.settings import EXAMPLE_BRAND
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import IndexPing, IndexStatus, ProgrammaticPage, SeoPageBrief

HOST = "www.example.com"
KEY = "0123456789abcdef0123456789abcdef"
KEY_LOCATION = f"https://{HOST}/{KEY}.txt"
SITE = "sc-domain:example.com"


@pytest.fixture(autouse=True)
def fresh_provider_bounds():
    reset_provider_bounds()
    yield
    reset_provider_bounds()


def indexnow(**options) -> IndexNowClient:
    return IndexNowClient(sleep=lambda _seconds: None, **options)


def urls(count: int) -> list[str]:
    return [f"https://{HOST}/page-{n}/" for n in range(count)]


# --- IndexNow at the HTTP layer ------------------------------------------------------------------


@respx.mock
def test_10001_urls_go_in_two_posts_of_the_documented_shape() -> None:
    route = respx.post(INDEXNOW_URL).mock(return_value=httpx.Response(202))
    sent = indexnow().submit(HOST, KEY, KEY_LOCATION, urls(10_001))
    assert sent == [(1, 202), (2, 202)]
    bodies = [json.loads(call.request.content) for call in route.calls]
    assert [len(b["urlList"]) for b in bodies] == [10_000, 1]
    assert {(b["host"], b["key"], b["keyLocation"]) for b in bodies} == {(HOST, KEY, KEY_LOCATION)}
    assert route.calls[0].request.headers["content-type"] == "application/json"


@respx.mock
def test_429_waits_the_retry_after_then_succeeds() -> None:
    waits: list[float] = []
    route = respx.post(INDEXNOW_URL).mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200)]
    )
    sent = IndexNowClient(sleep=waits.append).submit(HOST, KEY, KEY_LOCATION, urls(3))
    assert sent == [(1, 200)] and route.call_count == 2
    assert len(waits) == 1 and 7 <= waits[0] <= 7 * 1.1  # the asked wait, plus at most the jitter


@pytest.mark.parametrize(
    ("status", "cause"),
    [(403, "key not valid"), (422, "do not belong to the host"), (400, "bad request")],
)
@respx.mock
def test_refusals_name_their_documented_cause_and_are_not_retried(status: int, cause: str) -> None:
    route = respx.post(INDEXNOW_URL).mock(return_value=httpx.Response(status, text="nope"))
    with pytest.raises(ProviderError, match=cause) as raised:
        indexnow().submit(HOST, KEY, KEY_LOCATION, urls(2))
    assert raised.value.status == status and raised.value.provider == "indexnow"
    assert route.call_count == 1


# --- the key and what to announce ----------------------------------------------------------------


def test_the_key_is_made_once_per_brand_and_written_at_the_site_root(
    site_inputs, example_brand, tmp_path: Path
):
    key = indexing.brand_key(example_brand.slug)
    assert len(key) == 32 and int(key, 16) >= 0
    assert indexing.brand_key(example_brand.slug) == key != indexing.brand_key("another-brand")
    pages, hubs = site_inputs
    SiteBuilder(example_brand).build(pages, hubs, tmp_path / "site")
    assert (tmp_path / "site" / f"{key}.txt").read_text() == key


def test_a_damaged_key_file_is_refused_by_name(engine_home: Path) -> None:
    indexing.brand_key("acme")
    (engine_home / "indexnow" / "acme.key").write_text("not a key!")
    with pytest.raises(indexing.IndexingError, match="acme.key: not an IndexNow key"):
        indexing.brand_key("acme")


def test_only_new_and_changed_published_pages_are_announced() -> None:
    sha = lambda c: c * 64
    pages = [
        indexing.PageFacts("https://x/a/", "published", f"{sha('a')[:2]}/{sha('a')}.html", None),
        indexing.PageFacts("https://x/b/", "published", f"{sha('b')[:2]}/{sha('b')}.html", None),
        indexing.PageFacts("https://x/c/", "published", f"{sha('c')[:2]}/{sha('c')}.html", None),
        indexing.PageFacts("https://x/d/", "noindex", f"{sha('d')[:2]}/{sha('d')}.html", None),
    ]
    last = {"https://x/a/": sha("a"), "https://x/b/": sha("0")}
    assert [p.url for p in indexing.to_announce(pages, last)] == ["https://x/b/", "https://x/c/"]


# --- Search Console at the HTTP layer ------------------------------------------------------------

INSPECTED = {
    "inspectionResult": {
        "inspectionResultLink": "https://search.google.com/search-console/inspect?resource_id=x",
        "indexStatusResult": {
            "verdict": "PASS",
            "coverageState": "Submitted and indexed",
            "robotsTxtState": "ALLOWED",
            "indexingState": "INDEXING_ALLOWED",
            "lastCrawlTime": "2024-05-02T07:15:12Z",
            "pageFetchState": "SUCCESSFUL",
            "googleCanonical": "https://www.example.com/a/",
            "crawledAs": "MOBILE",
        },
    }
}
NOT_INDEXED = {
    "inspectionResult": {
        "indexStatusResult": {
            "verdict": "NEUTRAL",
            "coverageState": "Crawled - currently not indexed",
            "robotsTxtState": "ALLOWED",
            "indexingState": "INDEXING_ALLOWED",
            "pageFetchState": "SUCCESSFUL",
            "lastCrawlTime": "2024-05-01T10:00:00Z",
        }
    }
}


WEBMASTERS = "https://www.googleapis.com/auth/webmasters"
OAUTH = OAuthToken(None, "g-refresh", "g-client", "g-secret")


def test_the_sitemap_is_submitted_with_a_put_on_the_escaped_property_and_feed() -> None:
    http = RecordedHttp((200, granted(WEBMASTERS)), (204, ""))
    SearchConsoleIndexClient(OAUTH, SITE, http=http).submit_sitemap("https://www.example.com/sitemap.xml")
    refresh, put = http.sent
    assert refresh["uri"] == "https://oauth2.googleapis.com/token"  # no access token yet: refreshed first
    assert (
        form(refresh["body"])["refresh_token"] == "g-refresh" and form(refresh["body"])["scope"] == WEBMASTERS
    )
    assert put["method"] == "PUT" and put["uri"].split("?")[0] == (
        "https://searchconsole.googleapis.com/webmasters/v3/sites/sc-domain%3Aexample.com/sitemaps/"
        "https%3A%2F%2Fwww.example.com%2Fsitemap.xml"
    )
    assert put["headers"]["authorization"] == "Bearer ya29.fresh"


def test_url_inspection_answers_become_index_status_rows() -> None:
    http = RecordedHttp((200, granted(WEBMASTERS)), (200, INSPECTED), (200, NOT_INDEXED))
    resource = IndexingResource(
        backend="live",
        google_refresh_token="g-refresh",
        google_client_id="g-client",
        google_client_secret="g-secret",
        search_console_site_url=SITE,
    )
    assert isinstance(resource.search_console, SearchConsoleIndexClient)
    resource._clients["search_console"] = SearchConsoleIndexClient(OAUTH, SITE, http=http)
    pages = [indexing.PageFacts(f"https://www.example.com/{p}/", "published", None, None) for p in "ab"]
    rows, source = resource.index_states(pages, set(), {}, date(2024, 5, 3))
    assert source == "search_console"
    inspections = http.sent[1:]
    assert {i["uri"].split("?")[0] for i in inspections} == {
        "https://searchconsole.googleapis.com/v1/urlInspection/index:inspect"
    }
    assert [json.loads(i["body"]) for i in inspections] == [
        {"inspectionUrl": "https://www.example.com/a/", "siteUrl": SITE},
        {"inspectionUrl": "https://www.example.com/b/", "siteUrl": SITE},
    ]
    indexed, not_indexed = rows
    assert indexed["indexed"] and indexed["reason"] is None and indexed["source"] == "search_console"
    assert indexed["last_crawl_time"] == datetime(2024, 5, 2, 7, 15, 12, tzinfo=UTC)
    assert (indexed["page_fetch_state"], indexed["robots_txt_state"]) == ("SUCCESSFUL", "ALLOWED")
    assert not not_indexed["indexed"] and not_indexed["reason"] == "Crawled - currently not indexed"
    assert indexing.index_summary(rows)["reasons"] == [
        {"reason": "Crawled - currently not indexed", "pages": 1}
    ]


def test_a_malformed_inspection_answer_and_a_refused_refresh_are_named() -> None:
    http = RecordedHttp(
        (200, granted(WEBMASTERS)),
        (200, {"inspectionResult": {}}),
        (
            403,
            {
                "error": {
                    "code": 403,
                    "message": "User does not own this property",
                    "status": "PERMISSION_DENIED",
                }
            },
        ),
    )
    client = SearchConsoleIndexClient(OAUTH, SITE, http=http)
    with pytest.raises(indexing.IndexingError, match="https://www.example.com/a/: malformed"):
        indexing.inspection_row(
            "https://www.example.com/a/", client.inspect("https://www.example.com/a/"), date.today()
        )
    with pytest.raises(ProviderError, match="search_console: HTTP 403: User does not own this property"):
        client.inspect("https://www.example.com/a/")
    refused = RecordedHttp((400, {"error": "invalid_grant", "error_description": "Bad Request"}))
    with pytest.raises(
        ProviderError, match="refused the OAuth token refresh .*GOOGLE_REFRESH_TOKEN"
    ) as caught:
        SearchConsoleIndexClient(OAUTH, SITE, http=refused).submit_sitemap(
            "https://www.example.com/sitemap.xml"
        )
    assert "g-refresh" not in str(caught.value) and "g-secret" not in str(caught.value)
    assert IndexingResource(backend="live", google_refresh_token="g-refresh").search_console is None


def test_live_without_search_console_infers_no_index_state() -> None:
    """Prod without Search Console stores no index state: the offline inference is local only."""
    page = indexing.PageFacts("https://www.example.com/a/", "published", None, None)
    unconfigured = IndexingResource(backend="live", google_refresh_token="g-refresh")
    assert unconfigured.index_states([page], set(), {}, date(2024, 5, 3)) == ([], "not configured")
    rows, source = IndexingResource().index_states([page], set(), {}, date(2024, 5, 3))
    assert source == "offline" and len(rows) == 1


# --- the assets on the offline backend -----------------------------------------------------------


def _seed_pages(warehouse: Warehouse, brand: str, site_url: str) -> None:
    pages = [
        ("alpha", "published", None),
        ("beta", "published", None),
        ("gamma", "noindex", ["reading ease 12 below 40"]),
        ("delta", "ready", None),
    ]
    with warehouse.session() as session:
        for n, (slug, status, failures) in enumerate(pages):
            sha = f"{n:x}" * 64
            session.add(
                ProgrammaticPage(
                    brand=brand,
                    slug=slug,
                    page_type="guide",
                    keyword=slug,
                    title=slug,
                    status=status,
                    html_key=f"{sha[:2]}/{sha}.html",
                    canonical_url=f"{site_url}/{slug}/",
                    published_url=f"{site_url}/{slug}/" if status == "published" else None,
                    published_at=datetime(2024, 5, 1, tzinfo=UTC) if status == "published" else None,
                )
            )
            session.add(
                SeoPageBrief(
                    brand=brand,
                    slug=slug,
                    path=f"/{slug}/",
                    cluster_slug="c",
                    page_type="guide",
                    keyword=slug,
                    gate_report={"failures": failures} if failures else {},
                )
            )


def test_the_assets_announce_changed_pages_once_and_report_the_index_state(
    warehouse_url: str, engine_home: Path, example_brand
) -> None:
    warehouse, brand, site_url = (
        Warehouse(warehouse_url),
        example_brand.slug,
        example_brand.site_url.rstrip("/"),
    )
    _seed_pages(warehouse, brand, site_url)
    site = engine_home / "site"
    site.mkdir(parents=True)
    (site / "sitemap.xml").write_text(
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{site_url}/alpha/</loc></url><url><loc>{site_url}/beta/</loc></url></urlset>"
    )
    resources = {
        "brand": BrandResource(path=str(EXAMPLE_BRAND)),
        "warehouse": WarehouseResource(url=warehouse_url),
        "indexing": IndexingResource(),
        "media_store": MediaStoreResource(),
    }
    instance = DagsterInstance.ephemeral()
    assets = [indexing_assets.indexnow_pings, indexing_assets.index_status]
    first = materialize(assets, resources=resources, instance=instance)
    meta = first.asset_materializations_for_node("indexnow_pings")[0].metadata
    assert (meta["urls_pinged"].value, meta["batches"].value, meta["backend"].value) == (2, 1, "offline")
    key = indexing.brand_key(brand)
    outbox = json.loads(next((engine_home / "outbox" / "indexnow").glob("*.json")).read_text())
    assert outbox == {
        "host": example_brand.site_url.split("/")[2],
        "key": key,
        "keyLocation": f"{site_url}/{key}.txt",
        "urlList": [f"{site_url}/alpha/", f"{site_url}/beta/"],
    }
    assert (engine_home / "outbox" / "search_console" / f"{brand}-sitemap.json").is_file()
    status = first.asset_materializations_for_node("index_status")[0].metadata
    assert (status["indexed"].value, status["not_indexed"].value, status["source"].value) == (2, 2, "offline")
    with warehouse.session() as session:
        states = {r.url.rsplit("/", 2)[1]: r for r in session.scalars(select(IndexStatus))}
    assert states["gamma"].indexing_state == "BLOCKED_BY_META_TAG"
    assert states["gamma"].reason == "noindex: reading ease 12 below 40"
    assert states["delta"].coverage_state == "URL is unknown to Google"
    assert states["alpha"].last_crawl_time is not None and states["alpha"].verdict == "PASS"

    # a re-run announces nothing and writes no new rows; a changed page is announced alone
    again = materialize(assets, resources=resources, instance=instance)
    assert again.asset_materializations_for_node("indexnow_pings")[0].metadata["urls_pinged"].value == 0
    with warehouse.session() as session:
        assert len(session.scalars(select(IndexPing)).all()) == 2
        assert len(session.scalars(select(IndexStatus)).all()) == 4
        beta = session.scalar(select(ProgrammaticPage).where(ProgrammaticPage.slug == "beta"))
        beta.html_key = "ee/" + "e" * 64 + ".html"
    changed = materialize([indexing_assets.indexnow_pings], resources=resources, instance=instance)
    assert changed.asset_materializations_for_node("indexnow_pings")[0].metadata["urls_pinged"].value == 1
    with warehouse.session() as session:
        pinged = {r.url: r.content_sha256 for r in session.scalars(select(IndexPing))}
    assert pinged[f"{site_url}/beta/"] == "e" * 64 and len(pinged) == 2
    warehouse.dispose()


def test_the_report_says_how_many_pages_are_indexed_and_why_the_others_are_not(warehouse: Warehouse) -> None:
    import pandas as pd

    from marketing_engine.analytics.report import ReportData, render_report
    from marketing_engine.seo import store as seo_store

    day = date(2024, 5, 3)
    pages = [
        indexing.PageFacts("https://x/a/", "published", None, None),
        indexing.PageFacts("https://x/b/", "noindex", None, None, ("reading ease 12 below 40",)),
        indexing.PageFacts("https://x/c/", "ready", None, None),
    ]
    rows = [indexing.offline_inspection(p, p.url == "https://x/a/", None, day) for p in pages]
    seo_store.save_status(warehouse, "acme", rows)
    seo_store.save_status(warehouse, "acme", rows)  # a re-run keeps one row per page and day
    latest = seo_store.latest_status(warehouse, "acme")
    assert len(latest) == 3
    attribution = pd.DataFrame({"model": ["shapley"], "channel": ["x"], "share": [1.0], "revenue": [1.0]})
    empty = pd.DataFrame(columns=["kind", "subject", "predicted", "low", "high"])
    data = ReportData("Acme", datetime.now(UTC), attribution, [], empty, pd.DataFrame(), [])
    data.indexing = indexing.index_summary(latest)
    html = render_report(data)
    assert "Indexing: 1 pages indexed, 2 not" in html
    assert "Excluded by ‘noindex’ tag" in html and "URL is unknown to Google" in html


def test_index_status_reads_the_sitemap_static_site_stored_on_another_host(
    tmp_path: Path, engine_home: Path, monkeypatch: pytest.MonkeyPatch, example_brand
) -> None:
    """static_site ran on host A and stored the site; index_status runs on host B, whose engine home
    has no site: it reads the sitemap from the stored build."""
    from dagster import AssetMaterialization

    from marketing_engine.seo.site_archive import store_site

    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    site_url = example_brand.site_url.rstrip("/")
    _seed_pages(Warehouse(url), example_brand.slug, site_url)
    media = MediaStoreResource(root=str(tmp_path / "shared media"))
    monkeypatch.setenv("MARKETING_ENGINE_HOME", str(tmp_path / "host a"))
    built = tmp_path / "host a" / "site"
    built.mkdir(parents=True)
    (built / "sitemap.xml").write_text(
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{site_url}/alpha/</loc></url><url><loc>{site_url}/beta/</loc></url></urlset>"
    )
    archive = store_site(built, media)
    instance = DagsterInstance.ephemeral()
    instance.report_runless_asset_event(
        AssetMaterialization("static_site", metadata={"site_archive": archive.key})
    )

    monkeypatch.setenv("MARKETING_ENGINE_HOME", str(tmp_path / "host b"))
    resources = {
        "brand": BrandResource(path=str(EXAMPLE_BRAND)),
        "warehouse": WarehouseResource(url=url),
        "indexing": IndexingResource(),
        "media_store": media,
    }
    result = materialize([indexing_assets.index_status], resources=resources, instance=instance)
    status = result.asset_materializations_for_node("index_status")[0].metadata
    assert (status["indexed"].value, status["not_indexed"].value) == (2, 2)  # alpha and beta: in the sitemap
    assert not (tmp_path / "host b" / "site" / "sitemap.xml").exists()
    assert (tmp_path / "host b" / "cache" / "sites").is_dir()


@respx.mock
def test_live_indexnow_without_its_key_is_not_configured_and_the_step_goes_on(
    warehouse_url: str, engine_home: Path, example_brand
) -> None:
    """Live without INDEXNOW_KEY: nothing is announced or stored as announced (the pages stay due
    for when the key is set), the metadata names the setting, and the sitemap step still runs."""
    warehouse = Warehouse(warehouse_url)
    _seed_pages(warehouse, example_brand.slug, example_brand.site_url.rstrip("/"))
    resources = {
        "brand": BrandResource(path=str(EXAMPLE_BRAND)),
        "warehouse": WarehouseResource(url=warehouse_url),
        "indexing": IndexingResource(backend="live"),
    }
    result = materialize([indexing_assets.indexnow_pings], resources=resources)
    meta = result.asset_materializations_for_node("indexnow_pings")[0].metadata
    assert (meta["backend"].value, meta["urls_pinged"].value) == ("not configured", 0)
    assert meta["not_configured"].value == ["indexnow (INDEXNOW_KEY)"] and meta["unchanged"].value == 0
    assert not respx.calls  # nothing sent to IndexNow
    with warehouse.session() as session:
        assert not session.scalars(select(IndexPing)).all()
    brand = example_brand.slug
    assert (engine_home / "outbox" / "search_console" / f"{brand}-sitemap.json").is_file()
    warehouse.dispose()


def test_live_indexnow_announces_with_the_configured_key_on_every_host(tmp_path, monkeypatch) -> None:
    from dagster import EnvVar

    from marketing_engine.resources.indexing import INDEXNOW_KEY

    keys = []
    for host in ("host a", "host b"):
        monkeypatch.setenv("MARKETING_ENGINE_HOME", str(tmp_path / host))
        keys.append(
            (
                IndexingResource().key_for("acme"),
                IndexingResource(backend="live", indexnow_key="k" * 32).key_for("acme"),
            )
        )
    (offline_a, live_a), (offline_b, live_b) = keys
    assert offline_a != offline_b  # a key made on first use differs per machine …
    assert live_a == live_b == "k" * 32  # … so live uses the one the site serves
    with pytest.raises(indexing.IndexingError, match="INDEXNOW_KEY is not set"):
        IndexingResource(backend="live").key_for("acme")
    with pytest.raises(indexing.IndexingError, match="INDEXNOW_KEY is not an IndexNow key"):
        IndexingResource(backend="live", indexnow_key="no/slashes").key_for("acme")
    monkeypatch.setenv(INDEXNOW_KEY, "0123abcd" * 4)
    configured = IndexingResource.from_env().indexnow_key
    assert isinstance(configured, EnvVar) and configured.env_var_name == INDEXNOW_KEY
