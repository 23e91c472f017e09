"""The visibility domain's warehouse queries and upserts, typed on the ORM models.

What it reads: the keyword universe (the questions) and the brand's published pages (what the
simulator answers from). What it writes: `ai_visibility` rows (upsert on brand, day, assistant,
query) and the gaps as campaign-memory findings. `gap_questions` is what page briefs can read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, func, select

from marketing_engine.brand import slug
from marketing_engine.visibility.answers import VisibilityRecord
from marketing_engine.visibility.questions import StoredKeyword
from marketing_engine.visibility.share import Gap, ShareOfVoice, share_of_voice
from marketing_engine.visibility.simulator import SitePage
from marketing_engine.warehouse import Warehouse, upsert
from marketing_engine.warehouse.models import AIVisibility, CampaignMemory, Keyword, ProgrammaticPage

MEMORY_DIMENSION = "ai_visibility"
MEMORY_PLATFORM = "site"


def keywords(warehouse: Warehouse, brand: str) -> list[StoredKeyword]:
    """The brand's keyword universe: text, intent and volume."""
    query = select(Keyword.text, Keyword.intent, Keyword.volume).where(Keyword.brand == brand)
    with warehouse.session() as session:
        return [StoredKeyword(*row) for row in session.execute(query.order_by(Keyword.text))]


def site_pages(warehouse: Warehouse, brand: str) -> list[SitePage]:
    """The brand's pages that have an address (published, or built with a canonical URL)."""
    page = ProgrammaticPage
    url = func.coalesce(page.published_url, page.canonical_url)
    query = (
        select(url, page.title, page.keyword, page.meta_description)
        .where(page.brand == brand, url.is_not(None))
        .order_by(page.slug)
    )
    with warehouse.session() as session:
        return [
            SitePage(address, title, f"{keyword} {description}")
            for address, title, keyword, description in session.execute(query)
        ]


def save_records(warehouse: Warehouse, brand: str, day: date, records: Sequence[VisibilityRecord]) -> int:
    """Upsert the day's records on (brand, day, assistant, query): a re-run rewrites, never adds."""
    with warehouse.session() as session:
        return upsert(
            session, AIVisibility, [r.row(brand, day) for r in records], keys=AIVisibility.natural_key
        )


def _records(
    warehouse: Warehouse, brand: str, day: date | None = None
) -> list[tuple[date, VisibilityRecord]]:
    columns = [c.name for c in AIVisibility.__table__.c if c.name in VisibilityRecord.__dataclass_fields__]
    query = select(AIVisibility).where(AIVisibility.brand == brand)
    if day is not None:
        query = query.where(AIVisibility.day == day)
    with warehouse.session() as session:
        return [
            (row.day, VisibilityRecord(**{name: getattr(row, name) for name in columns}))
            for row in session.scalars(
                query.order_by(AIVisibility.day, AIVisibility.assistant, AIVisibility.query)
            )
        ]


def share_history(warehouse: Warehouse, brand: str) -> list[tuple[date, ShareOfVoice]]:
    """Share of voice per assistant for every day measured, oldest first."""
    by_day: dict[date, list[VisibilityRecord]] = {}
    for day, record in _records(warehouse, brand):
        by_day.setdefault(day, []).append(record)
    return [(day, share) for day, records in by_day.items() for share in share_of_voice(records)]


def gap_questions(warehouse: Warehouse, brand: str) -> list[str]:
    """The questions of the newest measured day where competitors showed up and the brand did not:
    what a page brief can aim at."""
    with warehouse.session() as session:
        newest = session.scalar(select(func.max(AIVisibility.day)).where(AIVisibility.brand == brand))
    if newest is None:
        return []
    return sorted({record.query for _, record in _records(warehouse, brand, newest) if record.gap})


def remember_gaps(warehouse: Warehouse, brand: str, found: Sequence[Gap]) -> int:
    """Make the brand's AI-visibility findings in campaign memory exactly today's gaps (closed
    gaps go), one finding per question with the number of assistants as its evidence."""
    rows = [
        {
            "brand": brand,
            "platform": MEMORY_PLATFORM,
            "dimension": MEMORY_DIMENSION,
            "finding_key": slug(gap.query, max_length=200) or gap.query[:200],
            "finding": gap.finding(),
            "effect": None,
            "effect_low": None,
            "effect_high": None,
            "evidence_count": len(gap.assistants),
        }
        for gap in found
    ]
    rows = list({row["finding_key"]: row for row in rows}.values())
    keys = [row["finding_key"] for row in rows]
    with warehouse.session() as session:
        session.execute(
            delete(CampaignMemory).where(
                CampaignMemory.brand == brand,
                CampaignMemory.dimension == MEMORY_DIMENSION,
                CampaignMemory.finding_key.not_in(keys),
            )
        )
        return upsert(session, CampaignMemory, rows, keys=["brand", "platform", "dimension", "finding_key"])
