"""The outreach domain's warehouse queries and upserts, typed on the ORM models.

What the outreach assets keep (link prospects, backlinks, journalist queries, pitches, campaigns,
competitors' pages, creators, communities) and what they read (the SEO group's pages and keywords,
the pitches, prospects and creators to write to). A function given a `Warehouse` opens and commits
its own session; one given a `Session` runs inside the caller's transaction (a sequence's step, where
the Message-ID must be on record before the email leaves).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from marketing_engine.warehouse import Warehouse, upsert
from marketing_engine.warehouse.models import (
    Backlink,
    Community,
    CompetitorPage,
    Influencer,
    JournalistQuery,
    Keyword,
    LinkProspect,
    OutreachCampaign,
    OutreachEmail,
    OutreachSequence,
    Pitch,
    ProgrammaticPage,
    Suppression,
)
from marketing_engine.warehouse.models.base import NaturalKey

Row = dict[str, Any]
KEYWORD_LIMIT = 5000  # enough to map competitors' topics; a larger universe adds nothing here


def _rows(warehouse: Warehouse, query: Select) -> list[Row]:
    """The rows a column query selects, as plain dicts (usable after the session closes)."""
    with warehouse.session() as session:
        return [dict(row) for row in session.execute(query).mappings()]


def _objects(warehouse: Warehouse, query: Select) -> list[Any]:
    """The ORM objects a query selects, loaded (readable after the session closes)."""
    with warehouse.session() as session:
        return list(session.scalars(query))


def _save(warehouse: Warehouse, model: type[NaturalKey], rows: Iterable[Mapping[str, Any]]) -> int:
    """Upsert on the model's natural key: a re-run rewrites the same rows, never adds any."""
    with warehouse.session() as session:
        return upsert(session, model, rows, keys=model.natural_key)


# -- what the assets read -------------------------------------------------------------------------
def citable_pages(warehouse: Warehouse, brand: str, site_url: str) -> list[Row]:
    """The brand's generated pages (the SEO group's) as URL, title and keyword; empty until it has run."""
    query = select(ProgrammaticPage).where(ProgrammaticPage.brand == brand)
    return [
        {
            "url": page.published_url or page.canonical_url or f"{site_url}/{page.slug.strip('/')}",
            "title": page.title,
            "keyword": page.keyword,
        }
        for page in _objects(warehouse, query)
    ]


def keyword_texts(warehouse: Warehouse, brand: str) -> list[str]:
    """The keyword universe's phrases (the SEO group's); empty until it has run."""
    return list(_objects(warehouse, select(Keyword.text).where(Keyword.brand == brand).limit(KEYWORD_LIMIT)))


def known_backlinks(warehouse: Warehouse, brand: str) -> list[Row]:
    columns = ("source_url", "target_url", "status", "rel", "anchor_text", "first_seen", "last_seen")
    return _rows(warehouse, select(*(getattr(Backlink, c) for c in columns)).where(Backlink.brand == brand))


def open_queries(warehouse: Warehouse, brand: str, now: datetime) -> list[Row]:
    """The relevant journalist queries whose deadline is still ahead of `now`."""
    columns = (
        "query_key",
        "topic",
        "details",
        "requirements",
        "outlet",
        "journalist",
        "word_limit",
        "reply_to",
        "deadline",
    )
    query = select(*(getattr(JournalistQuery, c) for c in columns)).where(
        JournalistQuery.brand == brand, JournalistQuery.status == "relevant"
    )
    return [
        q for q in _rows(warehouse, query) if q["deadline"].replace(tzinfo=q["deadline"].tzinfo or UTC) > now
    ]


def ready_pitches(warehouse: Warehouse, brand: str) -> list[Pitch]:
    return _objects(warehouse, select(Pitch).where(Pitch.brand == brand, Pitch.status == "ready"))


def contactable_prospects(warehouse: Warehouse, brand: str) -> list[LinkProspect]:
    query = select(LinkProspect).where(LinkProspect.brand == brand, LinkProspect.contact_email != "")
    return _objects(warehouse, query)


def partnership_candidates(
    warehouse: Warehouse, brand: str, min_score: float, limit: int
) -> list[Influencer]:
    """The best-scored creators with a contact address, at least `min_score`, at most `limit`."""
    query = (
        select(Influencer)
        .where(
            Influencer.brand == brand, Influencer.contact_email.is_not(None), Influencer.score >= min_score
        )
        .order_by(Influencer.score.desc())
        .limit(limit)
    )
    return _objects(warehouse, query)


def competitor_pages(warehouse: Warehouse, brand: str) -> dict[str, Row]:
    """The competitors' pages as last crawled, by URL."""
    columns = (
        "competitor",
        "url",
        "title",
        "content_sha256",
        "change",
        "first_seen",
        "last_seen",
        "changed_at",
    )
    query = select(*(getattr(CompetitorPage, c) for c in columns)).where(CompetitorPage.brand == brand)
    return {row["url"]: row for row in _rows(warehouse, query)}


def sequence_rows(warehouse: Warehouse, brand: str) -> list[Row]:
    """Every sequence of the brand: campaign, recipient, state and subject."""
    query = select(
        OutreachSequence.campaign_slug.label("campaign"),
        OutreachSequence.recipient,
        OutreachSequence.state,
        OutreachSequence.subject,
    ).where(OutreachSequence.brand == brand)
    return _rows(warehouse, query)


def emails_on_record(warehouse: Warehouse, brand: str) -> int:
    return warehouse.count(OutreachEmail, brand=brand)


# -- what the assets keep -------------------------------------------------------------------------
def save_link_prospects(warehouse: Warehouse, rows: Iterable[Row]) -> int:
    return _save(warehouse, LinkProspect, rows)


def save_backlinks(warehouse: Warehouse, rows: Iterable[Row]) -> int:
    return _save(warehouse, Backlink, rows)


def save_journalist_queries(warehouse: Warehouse, rows: Iterable[Row]) -> int:
    return _save(warehouse, JournalistQuery, rows)


def save_pitches(warehouse: Warehouse, rows: Iterable[Row]) -> int:
    return _save(warehouse, Pitch, rows)


def save_competitor_pages(warehouse: Warehouse, rows: Iterable[Row]) -> int:
    return _save(warehouse, CompetitorPage, rows)


def save_influencers(warehouse: Warehouse, rows: Iterable[Row]) -> int:
    return _save(warehouse, Influencer, rows)


def save_communities(warehouse: Warehouse, rows: Iterable[Row]) -> int:
    return _save(warehouse, Community, rows)


# -- inside a transaction: campaigns, sequences, emails, suppressions ---------------------------
def save_campaigns(session: Session, rows: Iterable[Row]) -> int:
    return upsert(session, OutreachCampaign, rows, keys=OutreachCampaign.natural_key)


def add(session: Session, row: OutreachSequence | OutreachEmail | Suppression) -> None:
    """Insert one row now (flushed), so its id is known and a later query in the transaction sees it."""
    session.add(row)
    session.flush()


def suppressed(session: Session, brand: str) -> set[str]:
    return set(session.scalars(select(Suppression.email).where(Suppression.brand == brand)))


def sequence_by_id(session: Session, sequence_id: int) -> OutreachSequence | None:
    return session.get(OutreachSequence, sequence_id)


def email_by_id(session: Session, email_id: int) -> OutreachEmail | None:
    return session.get(OutreachEmail, email_id)


def find_sequence(
    session: Session, brand: str, campaign_slug: str, recipient: str
) -> OutreachSequence | None:
    return session.scalar(
        select(OutreachSequence).where(
            OutreachSequence.brand == brand,
            OutreachSequence.campaign_slug == campaign_slug,
            OutreachSequence.recipient == recipient,
        )
    )


def brand_sequences(session: Session, brand: str) -> list[OutreachSequence]:
    return list(session.scalars(select(OutreachSequence).where(OutreachSequence.brand == brand)))


def active_sequence_ids(session: Session, brand: str) -> list[int]:
    """The active sequences' ids, oldest first (the order their due steps are sent in)."""
    query = (
        select(OutreachSequence.id)
        .where(OutreachSequence.brand == brand, OutreachSequence.state == "active")
        .order_by(OutreachSequence.id)
    )
    return list(session.scalars(query))


def sequence_of_message(session: Session, brand: str) -> dict[str, int]:
    """Message-ID → sequence id of every email the brand sent (to match replies and bounces)."""
    query = select(OutreachEmail.message_id, OutreachEmail.sequence_id).where(OutreachEmail.brand == brand)
    return {message_id: sequence_id for message_id, sequence_id in session.execute(query)}


def sequence_emails(session: Session, sequence_id: int) -> list[OutreachEmail]:
    query = select(OutreachEmail).where(OutreachEmail.sequence_id == sequence_id).order_by(OutreachEmail.step)
    return list(session.scalars(query))


def unconfirmed_emails(session: Session, brand: str) -> list[OutreachEmail]:
    """Emails recorded but never confirmed sent (a crash between recording and the sender's answer)."""
    query = select(OutreachEmail).where(OutreachEmail.brand == brand, OutreachEmail.state == "recorded")
    return list(session.scalars(query))


def emails_recorded(session: Session, brand: str, mailbox: str, start: datetime, end: datetime) -> int:
    """How many emails the mailbox recorded in [start, end): what its daily cap counts."""
    query = (
        select(func.count())
        .select_from(OutreachEmail)
        .where(
            OutreachEmail.brand == brand,
            OutreachEmail.mailbox == mailbox,
            OutreachEmail.recorded_at >= start,
            OutreachEmail.recorded_at < end,
        )
    )
    return int(session.scalar(query) or 0)
