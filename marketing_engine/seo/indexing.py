"""Telling search engines about the site's pages, and reading back what they made of them.

- The IndexNow key: generated once per brand (32 random hex characters), kept under the engine
  home, and served as `<key>.txt` at the site root (the site build writes it beside robots.txt).
- What to announce: a published page whose content changed since its last ping (the content hash
  is the built HTML's sha256), in batches of at most 10,000 URLs, IndexNow's limit per POST.
- Index state: rows from the URL Inspection API's `indexStatusResult`, or, offline, the state the
  page's own facts imply (published? in the sitemap? noindex? announced?) — never a guess.

Plain Python: no Dagster, no network.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from marketing_engine.settings import home_dir

MAX_URLS_PER_POST = 10_000  # https://www.indexnow.org/documentation
KEY = re.compile(r"[A-Za-z0-9-]{8,128}")
SHA256 = re.compile(r"[0-9a-f]{64}")
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class IndexingError(ValueError):
    """Indexing input that cannot be used (a damaged key file, a malformed inspection result)."""


def brand_key(brand: str) -> str:
    """The brand's IndexNow key, made on first use and kept in `<home>/indexnow/<brand>.key`."""
    path = home_dir("indexnow") / f"{brand}.key"
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if not KEY.fullmatch(key):
            raise IndexingError(
                f"{path}: not an IndexNow key (8-128 of a-z, A-Z, 0-9, '-'); delete it to make a new one"
            )
        return key
    key = secrets.token_hex(16)
    path.write_text(key + "\n", encoding="utf-8")
    return key


def key_files(brand: str) -> dict[str, str]:
    """The file the site root serves so IndexNow can verify the key: `<key>.txt` holding the key."""
    key = brand_key(brand)
    return {f"{key}.txt": key}


def batches(urls: Sequence[str], size: int = MAX_URLS_PER_POST) -> list[list[str]]:
    """The URLs in POST-sized batches (IndexNow takes at most 10,000 per POST)."""
    if size < 1:
        raise ValueError(f"batch size {size}: must be at least 1")
    return [list(urls[start : start + size]) for start in range(0, len(urls), size)]


@dataclass(frozen=True)
class PageFacts:
    """What the engine knows about one page: enough to decide whether to announce it and, offline,
    what a search engine would make of it."""

    url: str
    status: str  # the page's status: published, ready, held, noindex, written …
    html_key: str | None
    published_at: datetime | None
    failures: tuple[str, ...] = ()  # the gates' reasons when it was left noindex

    @property
    def content_sha256(self) -> str:
        """The built HTML's sha256 (its media-store key is content-addressed)."""
        stem = PurePosixPath(self.html_key or "").stem
        return (
            stem
            if SHA256.fullmatch(stem)
            else hashlib.sha256((self.html_key or self.url).encode()).hexdigest()
        )


def to_announce(pages: Iterable[PageFacts], last_pinged: Mapping[str, str]) -> list[PageFacts]:
    """Published pages that are new to IndexNow or whose content changed since their last ping."""
    return [
        page
        for page in pages
        if page.status == "published" and last_pinged.get(page.url) != page.content_sha256
    ]


def ping_rows(
    announced: Sequence[PageFacts], sent: Sequence[tuple[int, int | None]], backend: str, now: datetime
) -> list[dict]:
    """index_pings rows for the pages announced; `sent` is (batch number, HTTP status) per batch."""
    rows = []
    for number, (page_batch, (_, status)) in enumerate(zip(batches(announced), sent, strict=True), start=1):
        rows += [
            {
                "url": page.url,
                "content_sha256": page.content_sha256,
                "pinged_at": now,
                "backend": backend,
                "batch": number,
                "http_status": status,
            }
            for page in page_batch
        ]
    return rows


def sitemap_urls(site: Path) -> set[str]:
    """Every URL the built site's sitemap lists (`sitemap.xml`, or the parts of its index)."""
    from lxml import etree

    found: set[str] = set()
    names = ["sitemap.xml"]
    while names:
        path = site / names.pop()
        if not path.is_file():
            continue
        root = etree.parse(str(path)).getroot()
        for loc in root.iter(f"{SITEMAP_NS}loc"):
            text = (loc.text or "").strip()
            if root.tag == f"{SITEMAP_NS}sitemapindex":
                names.append(PurePosixPath(text).name)
            else:
                found.add(text)
    return found


def offline_inspection(
    page: PageFacts, in_sitemap: bool, pinged_at: datetime | None, day: date
) -> dict[str, Any]:
    """An index_status row derived from the page's facts, in the URL Inspection API's terms."""
    if page.status in ("held", "noindex"):
        why = "; ".join(page.failures) or f"the site build left it {page.status}"
        return _status(
            page.url,
            day,
            "NEUTRAL",
            "Excluded by ‘noindex’ tag",
            "BLOCKED_BY_META_TAG",
            None,
            f"noindex: {why}",
        )
    if page.status != "published":
        return _status(page.url, day, "NEUTRAL", "URL is unknown to Google", None, None, "not published yet")
    if not (in_sitemap or pinged_at):
        reason = "published, but neither in the sitemap nor announced"
        return _status(
            page.url, day, "NEUTRAL", "Discovered - currently not indexed", "INDEXING_ALLOWED", None, reason
        )
    crawled = max((t for t in (pinged_at, page.published_at) if t), default=None)
    return _status(
        page.url,
        day,
        "PASS",
        "Submitted and indexed",
        "INDEXING_ALLOWED",
        crawled,
        None,
        fetched="SUCCESSFUL",
    )


def _status(
    url: str,
    day: date,
    verdict: str,
    coverage: str,
    indexing: str | None,
    crawled: datetime | None,
    reason: str | None,
    *,
    fetched: str | None = None,
    source: str = "offline",
    robots: str | None = "ALLOWED",
) -> dict[str, Any]:
    return {
        "day": day,
        "url": url,
        "source": source,
        "indexed": verdict == "PASS",
        "verdict": verdict,
        "coverage_state": coverage,
        "indexing_state": indexing,
        "page_fetch_state": fetched,
        "robots_txt_state": robots,
        "last_crawl_time": crawled,
        "reason": reason,
    }


def inspection_row(url: str, answer: Mapping[str, Any], day: date) -> dict[str, Any]:
    """An index_status row from a URL Inspection API answer
    (`inspectionResult.indexStatusResult`: verdict, coverageState, lastCrawlTime, …)."""
    try:
        result = answer["inspectionResult"]["indexStatusResult"]
        verdict = str(result.get("verdict") or "VERDICT_UNSPECIFIED")
        crawled = result.get("lastCrawlTime")
        last_crawl = datetime.fromisoformat(crawled) if crawled else None
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise IndexingError(f"URL Inspection answer for {url}: malformed ({exc!r})") from None
    coverage = str(result.get("coverageState") or "unknown")
    return _status(
        url,
        day,
        verdict,
        coverage,
        result.get("indexingState"),
        last_crawl,
        None if verdict == "PASS" else coverage,
        fetched=result.get("pageFetchState"),
        source="search_console",
        robots=result.get("robotsTxtState"),
    )


def index_summary(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Indexed and not-indexed counts, and how many pages each reason keeps out."""
    reasons = Counter(str(row["coverage_state"]) for row in rows if not row["indexed"])
    return {
        "indexed": sum(1 for row in rows if row["indexed"]),
        "not_indexed": sum(1 for row in rows if not row["indexed"]),
        "reasons": [{"reason": reason, "pages": count} for reason, count in reasons.most_common()],
    }
