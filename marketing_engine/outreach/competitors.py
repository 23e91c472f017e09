"""Competitor watch: read competitors' sitemaps, crawl their pages, diff against the last crawl
(new, changed, unchanged, gone), and map each page's topic onto the keyword universe to show gaps:
topics a competitor covers that none of the brand's pages does."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Mapping, Sequence, Sized
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from marketing_engine.outreach.crawler import Crawler, CrawlPolicy
from marketing_engine.outreach.html import parse_page
from marketing_engine.outreach.prospects import BrandPage, best_brand_page

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
COVERS = 0.6
CHANGES = ("new", "changed", "unchanged", "gone")  # what a crawl finds of a page since the last


class SitemapError(ValueError):
    """A sitemap that is not XML, naming its URL."""


@dataclass(frozen=True)
class CompetitorPageSnapshot:
    competitor: str
    url: str
    title: str
    content_sha256: str
    text: str


def sitemap_urls(xml: str, source: str = "<sitemap>") -> tuple[list[str], list[str]]:
    """(page URLs, child sitemap URLs) of a urlset or sitemapindex."""
    try:
        root = etree.fromstring(xml.encode(), parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"{source}: not a valid sitemap ({exc})") from None
    locs = [loc.text.strip() for loc in root.iter(f"{SITEMAP_NS}loc") if loc.text]
    return ([], locs) if root.tag == f"{SITEMAP_NS}sitemapindex" else (locs, [])


def content_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


async def _snapshot_site(
    crawler: Crawler, name: str, domain: str, max_pages: int
) -> list[CompetitorPageSnapshot]:
    robots = await crawler.fetch(f"https://{domain}/robots.txt", robots=False)
    sitemaps = re.findall(r"(?im)^sitemap:\s*(\S+)", robots.text or "") or [f"https://{domain}/sitemap.xml"]
    pages: list[str] = []
    while sitemaps and len(pages) < max_pages:
        result = await crawler.fetch(sitemaps.pop(0))
        if result.ok and result.text:
            found, children = sitemap_urls(result.text, result.url)
            pages += found
            sitemaps += children
    if not pages:
        pages = [f"https://{domain}/"]
    fetched = await asyncio.gather(*(crawler.fetch(url) for url in pages[:max_pages]))
    snapshots = []
    for result in fetched:
        if result.ok and result.text:
            parsed = parse_page(result.text, result.final_url)
            snapshots.append(
                CompetitorPageSnapshot(
                    name, result.url, parsed.title, content_hash(parsed.text), parsed.text[:2000]
                )
            )
    return snapshots


def snapshot_competitors(
    policy: CrawlPolicy, competitors: Mapping[str, str], max_pages: int = 50
) -> list[CompetitorPageSnapshot]:
    """Crawl each competitor (name -> domain) through its sitemap, politely."""

    async def run() -> list[CompetitorPageSnapshot]:
        async with Crawler(policy) as crawler:
            results = await asyncio.gather(
                *(_snapshot_site(crawler, name, domain, max_pages) for name, domain in competitors.items())
            )
        return [page for site in results for page in site]

    return asyncio.run(run())


def diff(
    previous: Mapping[str, Mapping],
    current: Sequence[CompetitorPageSnapshot],
    now: datetime,
    competitors_seen: set[str],
) -> list[dict]:
    """Rows for the competitor_pages table with `change` set; pages no longer found are `gone`
    (only for competitors that answered this time, so an outage does not look like a purge)."""
    rows, seen = [], set()
    for page in current:
        seen.add(page.url)
        before = previous.get(page.url)
        if before is None:
            change, first, changed = "new", now, now
        elif before["content_sha256"] != page.content_sha256:
            change, first, changed = "changed", before["first_seen"], now
        else:
            change, first, changed = "unchanged", before["first_seen"], before.get("changed_at")
        rows.append(
            {
                "competitor": page.competitor,
                "url": page.url,
                "title": page.title,
                "content_sha256": page.content_sha256,
                "change": change,
                "first_seen": first,
                "last_seen": now,
                "changed_at": changed,
            }
        )
    for url, before in previous.items():
        if url not in seen and before["competitor"] in competitors_seen and before["change"] != "gone":
            rows.append(
                {
                    **{
                        k: before[k]
                        for k in ("competitor", "url", "title", "content_sha256", "first_seen", "last_seen")
                    },
                    "change": "gone",
                    "changed_at": now,
                }
            )
    return rows


def map_topics(rows: list[dict], keywords: Sequence[str], brand_pages: Sequence[BrandPage]) -> list[dict]:
    """Each page's closest keyword from the universe, and whether a brand page covers it."""
    keyword_pages = [BrandPage(k, k, k) for k in keywords]
    for row in rows:
        text = f"{row['title']} {row['url'].rsplit('/', 1)[-1].replace('-', ' ')}"
        keyword, score = best_brand_page(text, keyword_pages)
        row["matched_keyword"] = keyword.keyword if keyword and score >= 0.5 else None
        topic = row["matched_keyword"] or row["title"]
        _, covered = best_brand_page(topic, brand_pages)
        row["brand_covers"] = covered >= COVERS
    return rows


@dataclass(frozen=True)
class CompetitorWatch:
    rows: list[dict]  # competitor_pages rows: change since the last crawl, closest keyword, brand coverage
    snapshots: list[CompetitorPageSnapshot]

    @property
    def gaps(self) -> list[dict]:
        """Competitors' pages still up on topics no brand page covers."""
        return [r for r in self.rows if not r["brand_covers"] and r["change"] != "gone"]

    def report(self, ads: Sequence[Any]) -> dict:
        """The topic gaps and the competitors' ads, for a JSON report."""
        return {"gaps": self.gaps, "ads": [vars(ad) for ad in ads]}

    def counts(self, competitors: Sized) -> dict[str, int]:
        return {
            "competitors": len(competitors),
            "competitors_answering": len({s.competitor for s in self.snapshots}),
            "pages": len(self.snapshots),
            **{f"pages_{k}": sum(1 for r in self.rows if r["change"] == k) for k in CHANGES},
            "topic_gaps": len(self.gaps),
        }


def watch(
    previous: Mapping[str, Mapping],
    snapshots: Sequence[CompetitorPageSnapshot],
    keywords: Sequence[str],
    brand_pages: Sequence[BrandPage],
    now: datetime,
) -> CompetitorWatch:
    """This crawl of the competitors against the last: each page's change, its closest keyword and
    whether a brand page covers it."""
    rows = diff(previous, snapshots, now, {s.competitor for s in snapshots})
    return CompetitorWatch(map_topics(rows, keywords, brand_pages), list(snapshots))
