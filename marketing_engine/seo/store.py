"""The SEO domain's warehouse queries and upserts, typed on the ORM models.

What the SEO assets and the keyword_cluster_pages sensor read and write: the keyword universe, its
clusters, the page briefs with their drafts and gate reports, the programmatic pages from written to
published, the search positions, and indexing (the last IndexNow ping per URL, the index state
per day). Each function takes the warehouse and the brand's slug, opens
and commits its own session, and returns plain values or the domain's dataclasses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, and_, delete, func, select, update

from marketing_engine.seo.briefs import PageBrief, StoredCluster
from marketing_engine.seo.indexing import PageFacts
from marketing_engine.seo.pages import BuiltPage, StoredBrief, WrittenDraft
from marketing_engine.seo.serp import TrackedKeyword, TrackedPage
from marketing_engine.warehouse import Warehouse, upsert
from marketing_engine.warehouse.models import (
    ContentCluster,
    IndexPing,
    IndexStatus,
    Keyword,
    ProgrammaticPage,
    SeoPageBrief,
    SerpResult,
)
from marketing_engine.warehouse.registry import ContentRecord, RegistryReport, record_content

if TYPE_CHECKING:
    from marketing_engine.seo.site import SiteHub, SitePage


def save_keywords(warehouse: Warehouse, brand: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """Upsert the universe's keywords on (brand, normalized): a re-run never duplicates one."""
    with warehouse.session() as session:
        upsert(session, Keyword, [{"brand": brand, **row} for row in rows], keys=["brand", "normalized"])


def keyword_texts(warehouse: Warehouse, brand: str) -> list[str]:
    """Every keyword of the brand, alphabetical."""
    with warehouse.session() as session:
        return list(
            session.scalars(select(Keyword.text).where(Keyword.brand == brand).order_by(Keyword.text))
        )


def replace_clusters(
    warehouse: Warehouse, brand: str, rows: Sequence[Mapping[str, Any]], by_keyword: Mapping[str, str]
) -> None:
    """Make the brand's clusters exactly `rows` (gone ones deleted) and point each keyword at its
    cluster (`by_keyword`: keyword text → cluster slug; a keyword in none gets none)."""
    wanted = [row["slug"] for row in rows]
    with warehouse.session() as session:
        session.execute(
            delete(ContentCluster).where(ContentCluster.brand == brand, ContentCluster.slug.not_in(wanted))
        )
        upsert(session, ContentCluster, [{"brand": brand, **row} for row in rows], keys=["brand", "slug"])
        query = select(ContentCluster.slug, ContentCluster.id).where(ContentCluster.brand == brand)
        ids = dict(session.execute(query).tuples().all())
        for keyword in session.scalars(select(Keyword).where(Keyword.brand == brand)):
            keyword.cluster_id = ids.get(by_keyword.get(keyword.text))


def _largest_first(brand: str, *columns: Any) -> Select:
    return (
        select(*columns)
        .where(ContentCluster.brand == brand)
        .order_by(ContentCluster.size.desc(), ContentCluster.slug)
    )


def clusters(warehouse: Warehouse, brand: str) -> list[StoredCluster]:
    """The brand's keyword clusters, largest first (the order their pages are written and linked in)."""
    columns = (ContentCluster.id, ContentCluster.slug, ContentCluster.name, ContentCluster.hub_keyword)
    with warehouse.session() as session:
        return [StoredCluster(*row) for row in session.execute(_largest_first(brand, *columns))]


def cluster_slugs(warehouse: Warehouse, brand: str) -> list[str]:
    """Every keyword cluster's slug, largest first: the dynamic partitions of the page assets."""
    with warehouse.session() as session:
        return list(session.scalars(_largest_first(brand, ContentCluster.slug)))


def cluster_members(warehouse: Warehouse, brand: str, cluster_id: int) -> list[tuple[str, str]]:
    """(keyword, intent) of the cluster's members."""
    query = select(Keyword.text, Keyword.intent).where(
        Keyword.brand == brand, Keyword.cluster_id == cluster_id
    )
    with warehouse.session() as session:
        return [(text, intent) for text, intent in session.execute(query.order_by(Keyword.id))]


def save_briefs(
    warehouse: Warehouse, brand: str, plans: Sequence[tuple[StoredCluster, Sequence[PageBrief]]]
) -> None:
    """Upsert each cluster's briefs and their programmatic pages (as `brief`, until written); a page
    already written keeps its title and status."""
    briefs, pages = [], []
    for cluster, plan in plans:
        for b in plan:
            briefs.append(
                {
                    "brand": brand,
                    "slug": b.slug,
                    "path": b.path,
                    "cluster_slug": cluster.slug,
                    "page_type": b.page_type,
                    "keyword": b.keyword,
                    "brief": b.as_dict(),
                    "indexable": True,
                    "gate_report": {},
                }
            )
            pages.append(
                {
                    "brand": brand,
                    "slug": b.slug,
                    "page_type": b.page_type,
                    "keyword": b.keyword,
                    "cluster_id": cluster.id,
                    "title": b.keyword,
                    "status": "brief",
                }
            )
    with warehouse.session() as session:
        brief_columns = ["path", "cluster_slug", "page_type", "keyword", "brief"]
        upsert(session, SeoPageBrief, briefs, keys=["brand", "slug"], update=brief_columns)
        page_columns = ["page_type", "keyword", "cluster_id"]
        upsert(session, ProgrammaticPage, pages, keys=["brand", "slug"], update=page_columns)


def _stored_brief(row: SeoPageBrief) -> StoredBrief:
    return StoredBrief(
        row.slug,
        row.path,
        row.cluster_slug,
        row.page_type,
        row.keyword,
        row.brief,
        row.draft_key,
        row.modified_on,
    )


def briefs(warehouse: Warehouse, brand: str, cluster_slugs: Sequence[str]) -> list[StoredBrief]:
    """The briefs of the given clusters, by cluster and slug."""
    query = (
        select(SeoPageBrief)
        .where(SeoPageBrief.brand == brand, SeoPageBrief.cluster_slug.in_(list(cluster_slugs)))
        .order_by(SeoPageBrief.cluster_slug, SeoPageBrief.slug)
    )
    with warehouse.session() as session:
        return [_stored_brief(row) for row in session.scalars(query)]


def _brief_rows(session: Any, brand: str) -> dict[str, SeoPageBrief]:
    return {row.slug: row for row in session.scalars(select(SeoPageBrief).where(SeoPageBrief.brand == brand))}


def _update_page(session: Any, brand: str, slug: str, **values: Any) -> None:
    session.execute(
        update(ProgrammaticPage)
        .where(ProgrammaticPage.brand == brand, ProgrammaticPage.slug == slug)
        .values(**values)
    )


def save_drafts(warehouse: Warehouse, brand: str, drafts: Sequence[WrittenDraft], today: date) -> None:
    """Keep each written draft on its brief (lastmod moves to `today` only when the text changed) and
    on its page: written, or held when the claims gate failed it."""
    with warehouse.session() as session:
        rows = _brief_rows(session, brand)
        for draft in drafts:
            row = rows[draft.slug]
            if row.draft_sha256 != draft.sha256:
                row.modified_on = today
            review = person_review(row.gate_report, draft.sha256)  # kept while the text is the same
            row.draft_key, row.draft_sha256 = draft.draft_key, draft.sha256
            row.gate_report = {"claims": draft.claims} | ({"review": review} if review else {})
            decided = review["decision"] if review else None
            row.indexable = decided != "rejected" and (draft.passed or decided == "approved")
            status = "rejected" if decided == "rejected" else "written" if row.indexable else "held"
            _update_page(
                session,
                brand,
                draft.slug,
                title=draft.title,
                meta_description=draft.meta_description,
                word_count=draft.words,
                status=status,
                content_sha256=draft.sha256,
            )


def site_inputs(
    warehouse: Warehouse, brand: str, read_draft: Callable[[str], bytes]
) -> tuple[list[SitePage], list[SiteHub]]:
    """The written pages (drafts read through `read_draft`, by path) and every cluster as a hub
    with its keywords, largest first."""
    import json

    from marketing_engine.seo.site import SiteHub, SitePage

    with warehouse.session() as session:
        written = session.scalars(
            select(SeoPageBrief)
            .where(SeoPageBrief.brand == brand, SeoPageBrief.draft_key.is_not(None))
            .order_by(SeoPageBrief.path)
        )
        rows = [_stored_brief(row) for row in written if not _rejected(row)]  # never built nor published
        hubs = session.execute(
            _largest_first(brand, ContentCluster.id, ContentCluster.slug, ContentCluster.name)
        )
        hub_rows = list(hubs)
        members: dict[int | None, list[str]] = {}
        keywords = (
            select(Keyword.cluster_id, Keyword.text).where(Keyword.brand == brand).order_by(Keyword.text)
        )
        for cluster_id, text in session.execute(keywords):
            members.setdefault(cluster_id, []).append(text)
        made = select(ProgrammaticPage.slug, ProgrammaticPage.created_at).where(
            ProgrammaticPage.brand == brand
        )
        created = {slug: at.date() for slug, at in session.execute(made)}
    names = {slug: name for _, slug, name in hub_rows}
    pages = [
        SitePage(
            path=row.path,
            slug=row.slug,
            page_type=row.page_type,
            keyword=row.keyword,
            cluster_slug=row.cluster_slug,
            cluster_name=names.get(row.cluster_slug, row.cluster_slug),
            draft=json.loads(read_draft(row.draft_key)),
            published=created.get(row.slug, row.modified_on or date.today()),
            modified=row.modified_on or date.today(),
        )
        for row in rows
        if row.cluster_slug in names
    ]
    return pages, [SiteHub(slug, name, members.get(cluster_id, [])) for cluster_id, slug, name in hub_rows]


def draft_keys(warehouse: Warehouse, brand: str) -> dict[str, str | None]:
    """Page slug → the media-store key of its draft."""
    query = select(SeoPageBrief.slug, SeoPageBrief.draft_key).where(SeoPageBrief.brand == brand)
    with warehouse.session() as session:
        return dict(session.execute(query).tuples().all())


def claims_reports(warehouse: Warehouse, brand: str) -> dict[str, dict[str, Any]]:
    """Page path → the claims report kept with its draft, for the pages that have one."""
    query = select(SeoPageBrief.path, SeoPageBrief.gate_report).where(SeoPageBrief.brand == brand)
    with warehouse.session() as session:
        return {
            path: _as_reviewed(report)
            for path, report in session.execute(query)
            if (report or {}).get("claims")
        }


def _as_reviewed(gate_report: dict[str, Any]) -> dict[str, Any]:
    """The claims report, passed when a person approved this very text (`review.sha256` is checked
    when the draft is saved: a new text drops the review)."""
    review = gate_report.get("review") or {}
    if review.get("decision") != "approved":
        return gate_report["claims"]
    return gate_report["claims"] | {"passed": True, "approved_by": review["by"]}


BUILT_COLUMNS = ("status", "html_key", "canonical_url", "quality_score")
"""What the site build sets on a `programmatic_pages` row (the `BuiltPage` fields of the same names)."""


def save_built_pages(
    warehouse: Warehouse, brand: str, built: Sequence[BuiltPage], records: Sequence[ContentRecord]
) -> RegistryReport:
    """Keep the site build's verdict on each brief and page (a person's decision on the same text is
    kept, and a rejected page stays rejected), and record the built files in the content registry,
    in one transaction."""
    with warehouse.session() as session:
        rows = _brief_rows(session, brand)
        for page in built:
            row = rows[page.slug]
            review = person_review(row.gate_report, row.draft_sha256)
            values = {name: getattr(page, name) for name in BUILT_COLUMNS}
            if _rejected(row):
                values["status"] = "rejected"
            row.indexable = page.indexable and values["status"] != "rejected"
            row.gate_report = page.gate_report | ({"review": review} if review else {})
            _update_page(session, brand, page.slug, **values)
        return record_content(session, brand, records)


def indexable_pages(warehouse: Warehouse, brand: str) -> list[tuple[str, str, str]]:
    """(path, keyword, page type) of every written page the site build left indexable."""
    query = select(SeoPageBrief.path, SeoPageBrief.keyword, SeoPageBrief.page_type).where(
        SeoPageBrief.brand == brand,
        SeoPageBrief.indexable.is_(True),
        SeoPageBrief.draft_key.is_not(None),
    )
    with warehouse.session() as session:
        return [tuple(row) for row in session.execute(query)]


@dataclass(frozen=True)
class ReadyPage:
    """A page the gates passed (ready, or published before): what a CMS is sent."""

    slug: str
    title: str
    meta_description: str
    canonical_url: str | None
    html_key: str | None


def ready_pages(warehouse: Warehouse, brand: str) -> list[ReadyPage]:
    """The pages to publish (ready or already published), by slug."""
    query = (
        select(
            ProgrammaticPage.slug,
            ProgrammaticPage.title,
            ProgrammaticPage.meta_description,
            ProgrammaticPage.canonical_url,
            ProgrammaticPage.html_key,
        )
        .where(ProgrammaticPage.brand == brand, ProgrammaticPage.status.in_(["ready", "published"]))
        .order_by(ProgrammaticPage.slug)
    )
    with warehouse.session() as session:
        return [ReadyPage(*row) for row in session.execute(query)]


def mark_published(
    warehouse: Warehouse, brand: str, published: Sequence[tuple[str, str, bool]], now: datetime
) -> None:
    """(slug, url, changed) per page sent: published at that URL; `published_at` moves when it changed."""
    with warehouse.session() as session:
        rows = {
            row.slug: row
            for row in session.scalars(select(ProgrammaticPage).where(ProgrammaticPage.brand == brand))
        }
        for slug, url, changed in published:
            row = rows[slug]
            row.status, row.published_url = "published", url
            if changed:
                row.published_at = now


def tracked(warehouse: Warehouse, brand: str) -> tuple[list[TrackedKeyword], list[TrackedPage]]:
    """Every keyword with its cluster, and every page with where and whether it is published."""
    pages = select(
        ProgrammaticPage.keyword,
        ProgrammaticPage.published_url,
        ProgrammaticPage.status,
        ProgrammaticPage.word_count,
        ProgrammaticPage.cluster_id,
    ).where(ProgrammaticPage.brand == brand)
    keywords = select(Keyword.text, Keyword.cluster_id).where(Keyword.brand == brand)
    with warehouse.session() as session:
        return (
            [TrackedKeyword(*row) for row in session.execute(keywords.order_by(Keyword.id))],
            [
                TrackedPage(keyword, url, status == "published", words, cluster_id)
                for keyword, url, status, words, cluster_id in session.execute(
                    pages.order_by(ProgrammaticPage.id)
                )
            ],
        )


def save_positions(
    warehouse: Warehouse, brand: str, day: date, source: str, rows: Iterable[Mapping[str, Any]]
) -> None:
    """Upsert the day's positions from one source on (brand, keyword, day, source)."""
    stamped = [{"brand": brand, "day": day, "source": source, **row} for row in rows]
    with warehouse.session() as session:
        upsert(session, SerpResult, stamped, keys=["brand", "keyword", "day", "source"])


# Indexing: the pages' facts, the last IndexNow ping per URL, the index state per day.


def page_facts(warehouse: Warehouse, brand: str) -> list[PageFacts]:
    """Every built page with a URL: its status, built HTML, publication time and gate failures."""
    brief = and_(SeoPageBrief.brand == ProgrammaticPage.brand, SeoPageBrief.slug == ProgrammaticPage.slug)
    query = (
        select(
            func.coalesce(ProgrammaticPage.published_url, ProgrammaticPage.canonical_url),
            ProgrammaticPage.status,
            ProgrammaticPage.html_key,
            ProgrammaticPage.published_at,
            SeoPageBrief.gate_report,
        )
        .outerjoin(SeoPageBrief, brief)
        .where(ProgrammaticPage.brand == brand, ProgrammaticPage.html_key.is_not(None))
        .order_by(ProgrammaticPage.slug)
    )
    with warehouse.session() as session:
        return [
            PageFacts(url, status, html_key, published, tuple((report or {}).get("failures") or ()))
            for url, status, html_key, published, report in session.execute(query)
            if url
        ]


def last_pings(warehouse: Warehouse, brand: str) -> dict[str, tuple[str, datetime]]:
    """url -> (content hash, when) of each URL's last IndexNow ping."""
    query = select(IndexPing.url, IndexPing.content_sha256, IndexPing.pinged_at).where(
        IndexPing.brand == brand
    )
    with warehouse.session() as session:
        return {url: (sha, at) for url, sha, at in session.execute(query)}


def save_pings(warehouse: Warehouse, brand: str, rows: Sequence[Mapping[str, Any]]) -> int:
    """Upsert the pings on (brand, url): each URL keeps its last ping."""
    with warehouse.session() as session:
        return upsert(session, IndexPing, [{**row, "brand": brand} for row in rows], IndexPing.natural_key)


def save_status(warehouse: Warehouse, brand: str, rows: Sequence[Mapping[str, Any]]) -> int:
    """Upsert the day's index state on (brand, day, url)."""
    with warehouse.session() as session:
        return upsert(
            session, IndexStatus, [{**row, "brand": brand} for row in rows], IndexStatus.natural_key
        )


def latest_status(warehouse: Warehouse, brand: str) -> list[dict[str, Any]]:
    """The newest day's index state of every inspected page (empty before the first inspection)."""
    with warehouse.session() as session:
        day: date | None = session.scalar(select(func.max(IndexStatus.day)).where(IndexStatus.brand == brand))
        if day is None:
            return []
        query = (
            select(IndexStatus)
            .where(IndexStatus.brand == brand, IndexStatus.day == day)
            .order_by(IndexStatus.url)
        )
        columns = [
            c.name
            for c in IndexStatus.__table__.columns
            if c.name not in ("id", "brand", "created_at", "updated_at")
        ]
        return [{name: getattr(row, name) for name in columns} for row in session.scalars(query)]


# -- a person's review of held pages (the desk) ---------------------------------------------------
WAITING = ("held", "noindex")
"""Page statuses that wait for a person: held by the claims gate, or left noindex by a quality gate."""


class PageReviewError(ValueError):
    """A page decision that cannot be made (unknown page, not waiting, no reason, a failing gate)."""


def person_review(gate_report: dict[str, Any] | None, sha256: str | None) -> dict[str, Any] | None:
    """The person's decision kept in `gate_report["review"]` when it was made on the text `sha256`."""
    review = (gate_report or {}).get("review")
    return review if review and sha256 and review.get("sha256") == sha256 else None


def _rejected(row: SeoPageBrief) -> bool:
    review = person_review(row.gate_report, row.draft_sha256)
    return bool(review) and review["decision"] == "rejected"


@dataclass(frozen=True)
class PageForReview:
    """A page waiting for a person: what the gates found and where its built HTML is."""

    slug: str
    path: str
    keyword: str
    title: str
    status: str
    sha256: str
    html_key: str | None
    claims: dict[str, Any] | None  # seo.review.report_json, when the claims gate held it
    quality_failures: list[str]  # what another gate found; an approval cannot lift these
    review: dict[str, Any] | None  # the person's decision on this text (decision, by, at, sha256, reason)

    @property
    def may_approve(self) -> bool:
        return not self.quality_failures


def _page_query(brand: str) -> Select:
    return (
        select(SeoPageBrief, ProgrammaticPage)
        .join(
            ProgrammaticPage,
            and_(ProgrammaticPage.brand == SeoPageBrief.brand, ProgrammaticPage.slug == SeoPageBrief.slug),
        )
        .where(SeoPageBrief.brand == brand, SeoPageBrief.draft_sha256.is_not(None))
    )


def _for_review(brief: SeoPageBrief, page: ProgrammaticPage) -> PageForReview:
    report = brief.gate_report or {}
    failures = [f for f in report.get("failures") or [] if not str(f).startswith("claims: ")]
    claims = report.get("claims")
    return PageForReview(
        brief.slug,
        brief.path,
        brief.keyword,
        page.title,
        page.status,
        brief.draft_sha256 or "",
        page.html_key,
        claims if claims and not claims.get("passed") else None,
        failures,
        person_review(report, brief.draft_sha256),
    )


def pages_for_review(warehouse: Warehouse, brand: str) -> list[PageForReview]:
    """The pages the gates held or left noindex, by path: each waits for a person."""
    query = _page_query(brand).where(ProgrammaticPage.status.in_(WAITING)).order_by(SeoPageBrief.path)
    with warehouse.session() as session:
        return [_for_review(brief, page) for brief, page in session.execute(query).tuples()]


def reviewed_pages(warehouse: Warehouse, brand: str) -> list[PageForReview]:
    """The pages a person decided on (their current text), newest decision first."""
    with warehouse.session() as session:
        found = [_for_review(brief, page) for brief, page in session.execute(_page_query(brand)).tuples()]
    return sorted((p for p in found if p.review), key=lambda p: p.review["at"], reverse=True)


def page_for_review(warehouse: Warehouse, brand: str, slug: str) -> PageForReview | None:
    """One page by slug, whatever its status (None when the brand has no written page of that slug)."""
    with warehouse.session() as session:
        found = session.execute(_page_query(brand).where(SeoPageBrief.slug == slug)).tuples().first()
        return _for_review(*found) if found else None


def decide_page(
    warehouse: Warehouse, brand: str, slug: str, decision: str, reviewer: str, reason: str | None = None
) -> PageForReview:
    """A person's decision on a waiting page, kept on its brief with the text's sha256 (a new draft
    drops it): approved lifts the claims hold, so the next site build makes the page indexable
    (status `approved` until then); rejected (a reason is required) keeps it out of the site and of
    publishing for good (status `rejected`). A page a quality gate failed cannot be approved."""
    if decision not in ("approved", "rejected"):
        raise PageReviewError(f"decision {decision!r}: expected 'approved' or 'rejected'")
    if decision == "rejected" and not (reason or "").strip():
        raise PageReviewError(f"page {slug}: a rejection needs a reason")
    with warehouse.session() as session:
        found = session.execute(_page_query(brand).where(SeoPageBrief.slug == slug)).tuples().first()
        if found is None:
            raise PageReviewError(f"page {slug!r}: the brand {brand!r} has no written page of that slug")
        brief, page = found
        if page.status not in WAITING:
            raise PageReviewError(f"page {slug} is {page.status}; only held or noindex pages wait for review")
        current = _for_review(brief, page)
        if decision == "approved" and not current.may_approve:
            raise PageReviewError(
                f"page {slug} fails a quality gate ({'; '.join(current.quality_failures)}): "
                "fix the draft or reject it"
            )
        review = {
            "decision": decision,
            "by": reviewer,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "sha256": brief.draft_sha256,
            "reason": (reason or "").strip() or None,
        }
        brief.gate_report = {**(brief.gate_report or {}), "review": review}
        brief.indexable = False  # the next site build decides, with the claims hold lifted or not
        page.status = decision
        return _for_review(brief, page)
