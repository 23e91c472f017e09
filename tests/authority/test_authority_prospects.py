"""Broken-link and resource-page prospects, and backlink verification, on the shipped sample sites
served on 127.0.0.1 (named hosts mapped to the loopback server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from marketing_engine.outreach import backlinks
from marketing_engine.outreach.crawler import CrawlPolicy, FetchResult
from marketing_engine.outreach.local_sites import host_map_for, serve_sites
from marketing_engine.outreach.prospects import BrandPage, scan_prospect_sites

SITES = Path(__file__).parents[2] / "marketing_engine" / "data" / "authority" / "sites"
BRAND_PAGES = [
    BrandPage(
        "https://kestrelcycles.example/guides/e-bike-battery-care",
        "E-bike battery care guide",
        "e-bike battery care",
    ),
    BrandPage(
        "https://kestrelcycles.example/bikes/cargo", "Kestrel Cargo: long-tail cargo e-bike", "cargo e-bike"
    ),
    BrandPage(
        "https://kestrelcycles.example/guides/e-bike-tax-credit",
        "The e-bike tax credit explained",
        "e-bike tax credit",
    ),
]
TOPICS = ["electric bike commuting", "cargo e-bike", "e-bike battery care", "e-bike tax credit"]


@pytest.fixture(scope="module")
def scan():
    sites = {p.name: p for p in SITES.iterdir() if p.is_dir()}
    with serve_sites(sites) as server:
        policy = CrawlPolicy(allow_networks=("127.0.0.1/32",), per_host_rate=0, host_map=host_map_for(server))
        seeds = ["https://citycyclingguide.example/", "https://familyrides.example/"]
        yield scan_prospect_sites(policy, seeds, BRAND_PAGES, TOPICS, "kestrelcycles.example"), server


def test_broken_links_found_and_matched_to_brand_pages(scan) -> None:
    result, server = scan
    broken = {(p.page_url, p.broken_url): p for p in result.broken}
    resources = "https://citycyclingguide.example/resources"
    battery = broken[(resources, "https://ebikeinfo.example/battery-care-tips")]
    assert battery.reason.startswith("host does not resolve")
    assert battery.suggested_url.endswith("/guides/e-bike-battery-care")
    assert battery.contact_email == "editor@citycyclingguide.example"
    cargo = broken[(resources, "https://pedalpower.example/cargo-bike-guide")]
    assert cargo.reason == "HTTP 410" and cargo.suggested_url.endswith("/bikes/cargo")
    tax = broken[("https://familyrides.example/", "https://pedalpower.example/tax-credit-faq")]
    assert tax.reason == "HTTP 404" and tax.suggested_url.endswith("e-bike-tax-credit")
    # Live outbound links are not prospects; the robots-forbidden draft was never requested.
    assert not any(p.broken_url.endswith("/commute") for p in result.broken)
    assert not any(path.startswith("/drafts") for _, path in server.hits)
    assert result.link_status["https://pedalpower.example/commute"].ok


def test_resource_page_found(scan) -> None:
    result, _ = scan
    assert [p.page_url for p in result.resources] == ["https://citycyclingguide.example/resources"]
    assert result.resources[0].score > 0.4 and result.resources[0].contact_email


def test_backlinks_discovered_then_verified_and_lost(scan) -> None:
    result, _ = scan
    now = datetime(2026, 11, 26, tzinfo=UTC)
    found = {row["target_url"]: row for row in backlinks.discover(result.pages, "kestrelcycles.example", now)}
    cargo = found["https://kestrelcycles.example/bikes/cargo"]
    assert cargo["rel"] == "nofollow" and cargo["anchor_text"] == "Kestrel Cargo"
    assert found["https://www.kestrelcycles.example/service/tune-up"]["rel"] == "follow"
    page = "https://familyrides.example/"
    html = next(p.html for p in result.pages if p.url == page)
    later = now + timedelta(days=7)
    alive = FetchResult(page, page, status=200, text=html)
    rows = backlinks.verify([cargo], {page: alive}, later)
    assert rows[0]["status"] == "live" and rows[0]["first_seen"] == now and rows[0]["last_seen"] == later
    removed = FetchResult(page, page, status=200, text="<html><body>no links now</body></html>")
    lost = backlinks.verify(rows, {page: removed}, later + timedelta(days=1))
    assert lost[0]["status"] == "lost" and lost[0]["last_seen"] == later
    promised = {"source_url": page, "target_url": "https://kestrelcycles.example/x", "status": "promised"}
    assert backlinks.verify([promised], {page: removed}, later)[0]["status"] == "promised"
    assert backlinks.verify([promised], {}, later) == []
