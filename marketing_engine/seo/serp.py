"""Search positions: the offline simulator, and snippet opportunities from any source's positions.

The simulator ranks a keyword from what a search engine would reward — a page that targets it
(indexable, passing the gates), its content depth and its cluster's coverage — plus keyword
difficulty, with deterministic noise per (keyword, day). Keywords without a page rank 50–100 or not
at all. It is a stand-in with stated assumptions, not a prediction.

Snippet opportunities: keywords ranking 2–10 in question form; the format to add follows the
question: a list for how-to/steps/tips/best, a table for comparisons and prices, else a 40–60-word
paragraph (the words are the brand language's, `data/frames/seo`).
"""

from __future__ import annotations

import hashlib
import os
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from marketing_engine.provenance import NOT_CONFIGURED, SIMULATOR
from marketing_engine.seo import intent
from marketing_engine.seo.keywords import tokens
from marketing_engine.wording import frames

if TYPE_CHECKING:
    from marketing_engine.resources.keyword_ideas import KeywordIdeasResource
    from marketing_engine.resources.metrics import MetricsResource


@dataclass(frozen=True)
class RankingInput:
    keyword: str
    page_url: str | None
    page_passes: bool
    content_words: int
    cluster_pages: int


@dataclass(frozen=True)
class Position:
    keyword: str
    position: float | None
    url: str | None
    impressions: int
    clicks: int


def _rng(keyword: str, day: date) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(f"{keyword}|{day}".encode()).digest()[:8], "big"))


def difficulty(keyword: str) -> float:
    """0–1: short head terms are hard, long specific ones easy."""
    return max(0.05, min(0.95, 1.1 - 0.18 * len(tokens(keyword))))


def simulate_position(item: RankingInput, day: date) -> Position:
    rng = _rng(item.keyword, day)
    hard = difficulty(item.keyword)
    if item.page_url and item.page_passes:
        depth = min(1.0, item.content_words / 1500)
        coverage = min(1.0, item.cluster_pages / 6)
        score = 0.45 * depth + 0.35 * coverage + 0.2 * (1 - hard)
        position = max(1.0, round(1 + (1 - score) * 24 + rng.gauss(0, 1.5), 1))
        url = item.page_url
    elif rng.random() < 0.5:
        position, url = round(rng.uniform(50, 100), 1), item.page_url
    else:
        return Position(item.keyword, None, None, 0, 0)
    impressions = int(rng.uniform(20, 400) * (1.5 - hard) / max(1.0, position / 5))
    ctr = 0.3 / position if position <= 10 else 0.002
    return Position(item.keyword, position, url, impressions, int(impressions * ctr))


def is_question(keyword: str, language: str = "en") -> bool:
    return intent.is_question(keyword, language)


def snippet_format(keyword: str, language: str = "en") -> str:
    words = set(tokens(keyword))
    formats = frames("seo", language)["serp"]
    if words & set(formats["table_words"]):
        return "table"
    if words & set(formats["list_words"]):
        return "list"
    return "paragraph"


def snippet_opportunity(position: Position, language: str = "en") -> str | None:
    """The format to add when the keyword is a question ranking 2–10, else None."""
    if (
        position.position is None
        or not 2 <= position.position <= 10
        or not is_question(position.keyword, language)
    ):
        return None
    return snippet_format(position.keyword, language)


def from_search_console(rows: list[dict], wanted: set[str]) -> dict[str, Position]:
    """Positions from Search Console rows (dimensions query, page) for the keywords we track; when a
    query shows several of our pages, the best-ranking one counts."""
    found: dict[str, Position] = {}
    for row in rows:
        keys = row.get("keys") or []
        query = " ".join(tokens(keys[0])) if keys else ""
        if query not in wanted:
            continue
        position = Position(
            query,
            round(float(row.get("position", 0)), 1),
            keys[1] if len(keys) > 1 else None,
            int(row.get("impressions", 0)),
            int(row.get("clicks", 0)),
        )
        if query not in found or (position.position or 1e9) < (found[query].position or 1e9):
            found[query] = position
    return found


def measured_rows(
    day: date, metrics: MetricsResource, keyword_ideas: KeywordIdeasResource
) -> tuple[list[dict] | None, str]:
    """Where the day's positions come from: Search Console's (query, page) rows and `search_console`,
    or None and `simulator` offline. Measuring for real (prod's live metrics) without Search Console's
    settings gives None and `not configured`: nothing is stored, nothing simulated."""
    if metrics.backend != "simulator":
        console = metrics.search_console()
        return (console.query_positions(day), "search_console") if console else (None, NOT_CONFIGURED)
    if keyword_ideas.backend == "search_console":  # Search Console through a service account
        from marketing_engine.resources.keyword_ideas import search_console_rows

        service = keyword_ideas.search_console_service()
        found = search_console_rows(service, keyword_ideas.site_url, day, day, dimensions=("query", "page"))
        return found, "search_console"
    return None, SIMULATOR


def measurement_day() -> date:
    """The day positions are measured for: today, or MARKETING_ENGINE_TODAY (an ISO date) in a replay."""
    return date.fromisoformat(os.environ.get("MARKETING_ENGINE_TODAY", date.today().isoformat()))


@dataclass(frozen=True)
class TrackedKeyword:
    text: str
    cluster_id: int | None


@dataclass(frozen=True)
class TrackedPage:
    keyword: str
    url: str | None  # where it is published, if it is
    published: bool
    words: int
    cluster_id: int | None


def ranking_inputs(keywords: Sequence[TrackedKeyword], pages: Sequence[TrackedPage]) -> list[RankingInput]:
    """What ranks each keyword: the page that targets it, else its cluster's first published page
    (which can rank for it, but not as a page that passes for it); and how many pages its cluster has out."""
    by_keyword = {page.keyword: page for page in pages}
    per_cluster = Counter(page.cluster_id for page in by_keyword.values() if page.published)
    hub_pages: dict[int, TrackedPage] = {}
    for page in by_keyword.values():
        if page.published and page.cluster_id is not None:
            hub_pages.setdefault(page.cluster_id, page)
    items = []
    for keyword in keywords:
        page = by_keyword.get(keyword.text) or hub_pages.get(keyword.cluster_id)
        items.append(
            RankingInput(
                keyword.text,
                page.url if page else None,
                page is not None and page.published and page.keyword == keyword.text,
                page.words if page else 0,
                per_cluster.get(keyword.cluster_id, 0),
            )
        )
    return items


def serp_rows(
    items: Sequence[RankingInput],
    day: date,
    language: str = "en",
    measured: Mapping[str, Position] | None = None,
) -> list[dict[str, Any]]:
    """One `serp_results` row (without brand, day and source) per keyword: its measured position
    where `measured` is given (a keyword it lacks is unranked), else the simulator's, with the
    snippet format to add where there is an opportunity."""
    rows = []
    for item in items:
        if measured is not None:
            position = measured.get(item.keyword, Position(item.keyword, None, None, 0, 0))
        else:
            position = simulate_position(item, day)
        rows.append(
            {
                "keyword": item.keyword,
                "position": position.position,
                "url": position.url,
                "clicks": position.clicks,
                "impressions": position.impressions,
                "snippet_format": snippet_opportunity(position, language),
            }
        )
    return rows


def serp_summary(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Keywords tracked, ranked and in the top 10, and how many have a snippet opportunity."""
    ranked = [r["position"] for r in rows if r["position"] is not None]
    return {
        "keywords": len(rows),
        "ranked": len(ranked),
        "top_10": sum(1 for p in ranked if p <= 10),
        "snippet_opportunities": sum(1 for r in rows if r["snippet_format"]),
    }


def opportunities(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The keywords with a snippet opportunity, best-ranked first: what format to add."""
    found = [
        {"keyword": r["keyword"], "position": r["position"], "add": r["snippet_format"]}
        for r in rows
        if r["snippet_format"]
    ]
    return sorted(found, key=lambda o: o["position"])
