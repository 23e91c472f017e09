"""Backlink verification: is the promised or earned link on the linking page, with which rel and
anchor? Links seen before and now missing (or whose page is gone) are flagged lost."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from marketing_engine.outreach.crawler import CrawledPage, CrawlPolicy, FetchResult, crawl_sync
from marketing_engine.outreach.html import Link, extract_links, parse_document
from marketing_engine.outreach.prospects import site_of


def same_target(href: str, target: str) -> bool:
    """Same site (ignoring www and scheme) and same path (ignoring a trailing slash)."""
    a, b = urlsplit(href), urlsplit(target)
    return site_of(href) == site_of(target) and (a.path.rstrip("/") or "/") == (b.path.rstrip("/") or "/")


def find_link(html: str, page_url: str, target: str) -> Link | None:
    doc = parse_document(html)
    if doc is None:
        return None
    return next((link for link in extract_links(doc, page_url) if same_target(link.href, target)), None)


def verify(known: Sequence[Mapping], fetched: Mapping[str, FetchResult], now: datetime) -> list[dict]:
    """Updated rows for known backlinks (source_url, target_url, status, first_seen, last_seen)."""
    rows = []
    for row in known:
        result = fetched.get(row["source_url"])
        link = (
            find_link(result.text or "", result.final_url, row["target_url"])
            if result and result.ok
            else None
        )
        update = {"source_url": row["source_url"], "target_url": row["target_url"]}
        if link is not None:
            update.update(
                status="live",
                rel=link.rel_kind,
                anchor_text=link.anchor,
                first_seen=row.get("first_seen") or now,
                last_seen=now,
            )
        elif result is None:
            continue  # not re-crawled this time (budget, robots): keep what we knew
        else:
            was_live = row.get("status") in ("live", "lost") or row.get("last_seen") is not None
            update.update(
                status="lost" if was_live else "promised",
                rel=row.get("rel"),
                anchor_text=row.get("anchor_text"),
                first_seen=row.get("first_seen"),
                last_seen=row.get("last_seen"),
            )
        rows.append(update)
    return rows


def discover(pages: Iterable[CrawledPage], brand_domain: str, now: datetime) -> list[dict]:
    """Links to the brand found while crawling prospects: earned backlinks, live now."""
    found: dict[tuple[str, str], dict] = {}
    for page in pages:
        for link in page.links:
            if site_of(link.href) == brand_domain and site_of(page.url) != brand_domain:
                found[(page.url, link.href)] = {
                    "source_url": page.url,
                    "target_url": link.href,
                    "status": "live",
                    "rel": link.rel_kind,
                    "anchor_text": link.anchor,
                    "first_seen": now,
                    "last_seen": now,
                }
    return list(found.values())


@dataclass(frozen=True)
class Recheck:
    rows: list[dict]  # backlinks rows: the known ones re-verified and the new ones found
    new_links: int
    pages_crawled: int

    def counts(self) -> dict[str, int]:
        by_status = {s: sum(1 for r in self.rows if r["status"] == s) for s in ("live", "lost", "promised")}
        return {
            **{f"{s}_links": n for s, n in by_status.items()},
            "new_links": self.new_links,
            "pages_crawled": self.pages_crawled,
        }


def recheck(
    policy: CrawlPolicy, seeds: Sequence[str], known: Sequence[Mapping], brand_domain: str, now: datetime
) -> Recheck:
    """Crawl the prospect sites and every page known to link to the brand (one level deep): verify the
    known links and add the ones found for the first time."""
    sources = sorted({row["source_url"] for row in known})
    pages = crawl_sync(policy, list(dict.fromkeys([*seeds, *sources])), max_depth=1)
    fetched = {page.fetch.url: page.fetch for page in pages}
    found = discover([p for p in pages if p.status == 200], brand_domain, now)
    known_keys = {(r["source_url"], r["target_url"]) for r in known}
    rows = verify(known, fetched, now) + [
        r for r in found if (r["source_url"], r["target_url"]) not in known_keys
    ]
    new = len(rows) - len(known_keys & {(r["source_url"], r["target_url"]) for r in rows})
    return Recheck(rows, new, len(pages))
