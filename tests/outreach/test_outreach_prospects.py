"""Broken-link and resource-page prospects, and backlink verification, on the offline world generated
from the example brand's file, served on 127.0.0.1 (named hosts mapped to the loopback server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketing_engine.brand import load_brand, slug
from marketing_engine.outreach import backlinks
from marketing_engine.outreach.crawler import CrawlPolicy, FetchResult
from marketing_engine.outreach.local_sites import host_map_for, serve_sites
from marketing_engine.outreach.prospects import BrandPage, scan_prospect_sites
from marketing_engine.outreach.sample_sites import write_sample_world
from marketing_engine.settings import EXAMPLE_BRAND

BRAND = load_brand(EXAMPLE_BRAND)
TOPICS = list(BRAND.seed_topics)
BRAND_PAGES = [BrandPage(f"{BRAND.site_url}/guides/{slug(t)}", f"{t.capitalize()} guide", t) for t in TOPICS]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return write_sample_world(BRAND, tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="module")
def scan(world):
    with serve_sites(world.sites) as server:
        policy = CrawlPolicy(allow_networks=("127.0.0.1/32",), per_host_rate=0, host_map=host_map_for(server))
        yield scan_prospect_sites(policy, world.prospect_seeds, BRAND_PAGES, TOPICS, BRAND.domain), server


def test_broken_links_found_and_matched_to_brand_pages(scan, world) -> None:
    result, server = scan
    guide, notes, magazine, gone = (world.hosts[k] for k in ("guide", "notes", "magazine", "gone"))
    broken = {(p.page_url, p.broken_url): p for p in result.broken}
    resources = f"https://{guide}/resources"
    first = broken[(resources, f"https://{gone}/{slug(TOPICS[0])}")]
    assert first.reason.startswith("host does not resolve")
    assert first.suggested_url.endswith(f"/guides/{slug(TOPICS[0])}")
    assert first.contact_email == f"editor@{guide}"
    second = broken[(resources, f"https://{magazine}/{slug(TOPICS[1])}-guide")]
    assert second.reason == "HTTP 410" and second.suggested_url.endswith(f"/guides/{slug(TOPICS[1])}")
    last = broken[(f"https://{notes}/", f"https://{magazine}/{slug(TOPICS[-1])}-faq")]
    assert last.reason == "HTTP 404" and last.suggested_url.endswith(f"/guides/{slug(TOPICS[-1])}")
    assert last.contact_email == f"hello@{notes}"
    # Every topic the guide links to is a prospect unless its page is alive; live links never are.
    assert len({p.broken_url for p in result.broken}) >= len(TOPICS)
    assert not any(p.broken_url == f"https://{magazine}/{slug(TOPICS[0])}" for p in result.broken)
    assert result.link_status[f"https://{magazine}/{slug(TOPICS[0])}"].ok
    # The robots-forbidden draft was never requested.
    assert not any(path.startswith("/drafts") for _, path in server.hits)


def test_resource_page_found(scan) -> None:
    result, _ = scan
    guide = next(p for p in result.pages if p.url.endswith("/resources")).url
    assert [p.page_url for p in result.resources] == [guide]
    assert result.resources[0].score > 0.4 and result.resources[0].contact_email


def test_backlinks_discovered_then_verified_and_lost(scan) -> None:
    result, _ = scan
    now = datetime(2026, 11, 26, tzinfo=UTC)
    found = {row["target_url"]: row for row in backlinks.discover(result.pages, BRAND.domain, now)}
    one, two = BRAND.products[:2]
    cargo = found[f"{BRAND.site_url}{one.url_path}"]
    assert cargo["rel"] == "nofollow" and cargo["anchor_text"] == one.name
    assert found[f"https://www.{BRAND.domain}{two.url_path}"]["rel"] == "follow"
    page = cargo["source_url"]
    html = next(p.html for p in result.pages if p.url == page)
    later = now + timedelta(days=7)
    alive = FetchResult(page, page, status=200, text=html)
    rows = backlinks.verify([cargo], {page: alive}, later)
    assert rows[0]["status"] == "live" and rows[0]["first_seen"] == now and rows[0]["last_seen"] == later
    removed = FetchResult(page, page, status=200, text="<html><body>no links now</body></html>")
    lost = backlinks.verify(rows, {page: removed}, later + timedelta(days=1))
    assert lost[0]["status"] == "lost" and lost[0]["last_seen"] == later
    promised = {"source_url": page, "target_url": f"{BRAND.site_url}/x", "status": "promised"}
    assert backlinks.verify([promised], {page: removed}, later)[0]["status"] == "promised"
    assert backlinks.verify([promised], {}, later) == []
