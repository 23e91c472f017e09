"""The outreach group: link prospects and backlinks from crawling, journalist queries from the
mailbox, pitches, outreach sequences, competitor watch, creators and communities, and the E-E-A-T
audit of the brand's own site. The work is in `marketing_engine.outreach`; this module wires it."""

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)
from sqlalchemy import select

from marketing_engine.assets.automation import WAREHOUSE, calls, owners
from marketing_engine.assets.common import markdown_table
from marketing_engine.brand import BrandProfile
from marketing_engine.files import write_text
from marketing_engine.llm import total_usage
from marketing_engine.resources.ad_library import AdLibraryResource
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.crawler import CrawlerResource
from marketing_engine.resources.llm import LLMResource
from marketing_engine.resources.mail import MailResource
from marketing_engine.resources.social_discovery import SocialDiscoveryResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.settings import home_dir
from marketing_engine.warehouse import upsert
from marketing_engine.warehouse.models import (
    Backlink,
    Influencer,
    JournalistQuery,
    LinkProspect,
    OutreachCampaign,
    Pitch,
    ProgrammaticPage,
)

GROUP = "outreach"
MAILBOX_DAYS = 30  # digests older than this are expired; replies come within a sequence's 7 days
RELEVANCE_THRESHOLD = {"minilm": 0.45, "tfidf": 0.25}


class RelevanceConfig(Config):
    """`minilm`: the keyword-clustering embeddings (default); `tfidf`: a light lexical fallback."""

    relevance_method: Literal["minilm", "tfidf"] = "minilm"


def _now() -> datetime:
    return datetime.now(UTC)


def _column_rows(session, query, columns: tuple[str, ...]) -> list[dict]:
    """The rows a query selects, as plain dicts of `columns` (usable after the session closes)."""
    return [{c: getattr(row, c) for c in columns} for row in session.scalars(query)]


def _recent_mail(mail: MailResource, now: datetime):
    """The mailbox's messages of the last MAILBOX_DAYS (IMAP SEARCH SINCE on a real mailbox)."""
    return mail.mailbox().messages(since=now - timedelta(days=MAILBOX_DAYS))


def _topic_relevance(items, profile: BrandProfile, config: RelevanceConfig) -> list[float]:
    """How close each creator or community (name and description) is to the brand's seed topics."""
    from marketing_engine.outreach.relevance import method_for, relevance_scores

    texts = [f"{item.name}. {item.description}" for item in items]
    return relevance_scores(texts, profile.seed_topics, method_for(profile.language, config.relevance_method))


def _write_report(name: str, data: dict, **dumps: Any) -> Path:
    """A JSON report under the reports folder (reports/outreach/<name>)."""
    import json

    report = home_dir("reports") / "outreach" / name
    report.parent.mkdir(parents=True, exist_ok=True)
    write_text(report, json.dumps(data, indent=2, **dumps))
    return report


def _page_rows(session, profile: BrandProfile) -> list[dict]:
    """The brand's generated pages (from the SEO group) as citable URLs; empty until it has run."""
    rows = []
    for page in session.scalars(select(ProgrammaticPage).where(ProgrammaticPage.brand == profile.slug)):
        url = page.published_url or page.canonical_url or f"{profile.site_url}/{page.slug.strip('/')}"
        rows.append({"url": url, "title": page.title, "keyword": page.keyword})
    return rows


def _site_pages(profile: BrandProfile) -> list[dict]:
    from marketing_engine.outreach.eeat import site_files
    from marketing_engine.outreach.html import parse_page

    pages = []
    for url, html in site_files(brand_site_folder(profile), profile.site_url):
        pages.append({"url": url, "title": parse_page(html, url).title})
    return pages


def _brand_pages(warehouse: WarehouseResource, profile: BrandProfile):
    from marketing_engine.outreach.pitches import brand_pages

    with warehouse.get().session() as session:
        return brand_pages(profile, _page_rows(session, profile), _site_pages(profile))


def sample_world(profile: BrandProfile):
    """The brand's offline world: prospect, magazine and competitor sites generated from its file."""
    from marketing_engine.outreach.sample_sites import write_sample_world

    return write_sample_world(profile, home_dir("samples"))


def brand_site_folder(profile: BrandProfile) -> Path:
    """The built site (SEO group's `static_site`) when there is one, else the brand's sample site
    generated from its file."""
    built = home_dir("site")
    for candidate in (built / profile.domain, built):
        if (candidate / "index.html").exists():
            return candidate
    return sample_world(profile).brand_site


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    code_version="1",
    kinds={"python", WAREHOUSE},
    deps=["brand_profile", "programmatic_pages", "static_site"],
    **calls("crawler"),
    description="Broken outbound links on prospect sites that a brand page could replace, and resource "
    "pages on the brand's topics (polite, SSRF-safe crawl).",
)
def link_prospects(
    context: AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    crawler: CrawlerResource,
) -> MaterializeResult:
    from marketing_engine.outreach.prospects import scan_prospect_sites

    profile = brand.load()
    pages = _brand_pages(warehouse, profile)
    started = time.perf_counter()
    with crawler.open({profile.domain: brand_site_folder(profile)}, sample_world(profile)) as setup:
        scan = scan_prospect_sites(
            setup.policy, setup.prospect_seeds, pages, profile.seed_topics, profile.domain
        )
    rows = [{**p.row(), "brand": profile.slug} for p in scan.broken + scan.resources]
    with warehouse.get().session() as session:
        upsert(
            session,
            LinkProspect,
            rows,
            keys=["brand", "kind", "page_url", "broken_url"],
            update=["site", "reason", "anchor", "suggested_url", "suggested_title", "score", "contact_email"],
        )
    dead = sum(1 for r in scan.link_status.values() if r.is_dead)
    return MaterializeResult(
        metadata={
            "pages_crawled": len(scan.pages),
            "outbound_links_checked": len(scan.link_status),
            "dead_links": dead,
            "broken_link_prospects": len(scan.broken),
            "resource_page_prospects": len(scan.resources),
            "crawl_seconds": round(time.perf_counter() - started, 2),
            "preview": markdown_table(
                rows, ["kind", "site", "broken_url", "reason", "suggested_url", "score"]
            ),
        }
    )


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    code_version="1",
    kinds={"python", WAREHOUSE},
    deps=["link_prospects"],
    **calls("crawler"),
    description="Links to the brand: earned ones found on prospect sites and promised ones re-checked "
    "(rel, anchor, first/last seen); links that disappeared are flagged lost.",
)
def backlinks(
    context: AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    crawler: CrawlerResource,
) -> MaterializeResult:
    from marketing_engine.outreach import backlinks as verifier
    from marketing_engine.outreach.crawler import crawl_sync

    profile = brand.load()
    slug = profile.slug
    now = _now()
    with warehouse.get().session() as session:
        known = _column_rows(
            session,
            select(Backlink).where(Backlink.brand == slug),
            ("source_url", "target_url", "status", "rel", "anchor_text", "first_seen", "last_seen"),
        )
    with crawler.open({profile.domain: brand_site_folder(profile)}, sample_world(profile)) as setup:
        sources = sorted({row["source_url"] for row in known})
        pages = crawl_sync(setup.policy, list(dict.fromkeys([*setup.prospect_seeds, *sources])), max_depth=1)
    fetched = {page.fetch.url: page.fetch for page in pages}
    found = verifier.discover([p for p in pages if p.status == 200], profile.domain, now)
    known_keys = {(r["source_url"], r["target_url"]) for r in known}
    rows = verifier.verify(known, fetched, now) + [
        r for r in found if (r["source_url"], r["target_url"]) not in known_keys
    ]
    with warehouse.get().session() as session:
        upsert(
            session,
            Backlink,
            [{**r, "brand": slug} for r in rows],
            keys=["brand", "source_url", "target_url"],
        )
    status = {s: sum(1 for r in rows if r["status"] == s) for s in ("live", "lost", "promised")}
    return MaterializeResult(
        metadata={
            **{f"{k}_links": v for k, v in status.items()},
            "new_links": len(rows) - len(known_keys & {(r["source_url"], r["target_url"]) for r in rows}),
            "pages_crawled": len(pages),
            "preview": markdown_table(rows, ["source_url", "target_url", "status", "rel", "anchor_text"]),
        }
    )


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    code_version="1",
    kinds={"python", WAREHOUSE},
    deps=["brand_profile", "keyword_universe"],
    **calls("mail"),
    description="Journalist requests from HARO-, Qwoted- and SourceBottle-style digests in the mailbox: one "
    "row per query, deduplicated, expired ones dropped, relevance to the brand's topics scored.",
)
def journalist_queries(
    context: AssetExecutionContext,
    config: RelevanceConfig,
    brand: BrandResource,
    warehouse: WarehouseResource,
    mail: MailResource,
) -> MaterializeResult:
    from marketing_engine.outreach.digests import fresh_queries, queries_from_messages
    from marketing_engine.outreach.relevance import method_for, relevance_scores
    from marketing_engine.outreach.simulator import seed_inbox

    profile = brand.load()
    now = _now()
    if mail.reader == "folder":
        seed_inbox(mail.inbox_path(), profile, now)  # the offline world: today's digests arrive
    parsed, skipped = queries_from_messages(_recent_mail(mail, now))
    fresh = fresh_queries(parsed, now)
    started = time.perf_counter()
    topics = [*profile.seed_topics, profile.description]
    method = method_for(profile.language, config.relevance_method)
    scores = relevance_scores([f"{q.topic}. {q.details}" for q in fresh], topics, method)
    embed_seconds = time.perf_counter() - started
    threshold = RELEVANCE_THRESHOLD[method]
    slug = profile.slug
    rows = [
        {**q.row(), "brand": slug, "relevance": s, "status": "relevant" if s >= threshold else "skipped"}
        for q, s in zip(fresh, scores, strict=True)
    ]
    with warehouse.get().session() as session:
        upsert(
            session,
            JournalistQuery,
            rows,
            keys=["brand", "query_key"],
            update=[c for c in rows[0] if c not in ("brand", "query_key")] if rows else [],
        )
    relevant = [r for r in rows if r["status"] == "relevant"]
    return MaterializeResult(
        metadata={
            "digest_queries": len(parsed),
            "fresh_queries": len(fresh),
            "dropped_expired_or_duplicate": len(parsed) - len(fresh),
            "relevant": len(relevant),
            "other_mail_skipped": len(skipped),
            "relevance_method": f"{method} (threshold {threshold})",
            "embedding_seconds": round(embed_seconds, 2),
            "preview": markdown_table(
                sorted(rows, key=lambda r: -r["relevance"]),
                ["source", "outlet", "topic", "deadline", "relevance", "status"],
            ),
        }
    )


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    code_version="1",
    kinds={"python", WAREHOUSE, "anthropic"},
    deps=["journalist_queries"],
    **calls("anthropic"),
    description="A pitch for each relevant journalist query still open: within its word limit, citing the "
    "brand's own pages, to be sent before the deadline.",
)
def pitches(
    context: AssetExecutionContext, brand: BrandResource, warehouse: WarehouseResource, llm: LLMResource
) -> MaterializeResult:
    from marketing_engine.outreach.emails import OutreachGate
    from marketing_engine.outreach.pitches import finalize, pitch_request

    profile = brand.load()
    slug = profile.slug
    now = _now()
    pages = _brand_pages(warehouse, profile)
    with warehouse.get().session() as session:
        queries = _column_rows(
            session,
            select(JournalistQuery).where(
                JournalistQuery.brand == slug, JournalistQuery.status == "relevant"
            ),
            (
                "query_key",
                "topic",
                "details",
                "requirements",
                "outlet",
                "journalist",
                "word_limit",
                "reply_to",
                "deadline",
            ),
        )
    queries = [q for q in queries if q["deadline"].replace(tzinfo=q["deadline"].tzinfo or UTC) > now]
    requests = [pitch_request(q, profile, pages) for q in queries]
    results = llm.generate_many(requests)
    gate = OutreachGate()
    base = _evidence(profile)
    rows = []
    for query, request, result in zip(queries, requests, results, strict=True):
        data = result.data if isinstance(result.data, dict) else {}
        cite = [p["url"] for p in request.inputs["pages"]]
        draft = finalize(
            data.get("subject") or f"Re: {query['topic']}",
            data.get("body") or result.text,
            query["word_limit"],
            cite,
            profile.language,
        )
        evidence = [
            query["topic"],
            query["details"],
            query["outlet"],
            *(p["title"] for p in request.inputs["pages"]),
        ]
        passed = gate.check(query["reply_to"], f"{draft.subject}\n{draft.body}", profile, evidence, base)
        rows.append(
            {
                "brand": slug,
                "query_key": query["query_key"],
                "recipient": query["reply_to"],
                "subject": draft.subject,
                "body": draft.body,
                "word_count": draft.word_count,
                "word_limit": query["word_limit"],
                "cited_urls": draft.cited_urls,
                "send_by": query["deadline"],
                "status": "ready" if passed else "held",
            }
        )
    with warehouse.get().session() as session:
        upsert(
            session,
            Pitch,
            rows,
            keys=["brand", "query_key"],
            update=[
                "recipient",
                "subject",
                "body",
                "word_count",
                "word_limit",
                "cited_urls",
                "send_by",
                "status",
            ],
        )
    held = _write_report("held_pitches.json", {"held": gate.reasons})
    for reason in gate.reasons:
        context.log.warning(f"pitch held by the claims gate: {reason}")
    return MaterializeResult(
        metadata={
            "pitches": len(rows),
            **gate.as_metadata("claims"),
            "held_report": MetadataValue.path(str(held)),
            "max_words_over_limit": max((r["word_count"] - r["word_limit"] for r in rows), default=0),
            **total_usage(results).as_metadata(),
            "preview": markdown_table(
                rows, ["recipient", "status", "subject", "word_count", "word_limit", "send_by"]
            ),
        }
    )


def _evidence(profile: BrandProfile):
    """The brand file's facts, read once per asset run for the claims gate."""
    from marketing_engine.claims import Evidence
    from marketing_engine.publishing.copy import brand_evidence

    return Evidence(profile, brand_evidence(profile))


def _campaign(session, slug: str, kind: str, name: str) -> str:
    campaign = f"{kind.replace('_', '-')}"
    upsert(
        session,
        OutreachCampaign,
        [{"brand": slug, "slug": campaign, "name": name, "kind": kind, "status": "active", "details": {}}],
        keys=["brand", "slug"],
    )
    return campaign


PARTNERSHIP_MIN_SCORE = 0.6
PARTNERSHIPS_PER_RUN = 5


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    code_version="1",
    kinds={"python", WAREHOUSE, "email"},
    deps=["pitches", "link_prospects", "influencers"],
    **calls("mail"),
    description="Email sequences for pitches, broken-link and resource-page outreach and partnerships: first "
    "email, follow-ups on day 3 and 7, stopped by reply, bounce or unsubscribe; suppression list and a daily "
    "cap per mailbox; each email recorded by Message-ID before it is sent (offline: the outbox folder).",
)
def outreach_sequences(
    context: AssetExecutionContext, brand: BrandResource, warehouse: WarehouseResource, mail: MailResource
) -> MaterializeResult:
    from marketing_engine.outreach.emails import OutreachGate, partnership_email, prospect_email
    from marketing_engine.outreach.sequences import Identity, ensure_sequence, run_sequences
    from marketing_engine.warehouse.models import OutreachEmail, OutreachSequence

    profile = brand.load()
    if profile.outreach is None:
        return MaterializeResult(
            metadata={
                "skipped": "the brand file has no `outreach` section (sender, postal "
                "address): no email can be sent lawfully without it"
            }
        )
    slug = profile.slug
    out = profile.outreach
    identity = Identity(
        slug,
        out.sender_name,
        out.sender_email,
        out.postal_address,
        profile.domain,
        out.daily_send_cap,
        profile.language,
    )
    now = _now()
    gate = OutreachGate()
    base = _evidence(profile)
    with warehouse.get().session() as session:
        for pitch in session.scalars(select(Pitch).where(Pitch.brand == slug, Pitch.status == "ready")):
            campaign = _campaign(session, slug, "press_pitches", "Answers to journalist requests")
            ensure_sequence(
                session,
                identity,
                campaign_slug=campaign,
                kind="pitch",
                recipient=pitch.recipient,
                recipient_name="",
                subject=pitch.subject,
                body=pitch.body,
                now=now,
                follow_up_days=(),
                send_by=pitch.send_by,
            )
        for prospect in session.scalars(
            select(LinkProspect).where(LinkProspect.brand == slug, LinkProspect.contact_email != "")
        ):
            campaign = _campaign(
                session, slug, f"{prospect.kind}s", f"{prospect.kind.replace('_', ' ')} outreach"
            )
            subject, body = prospect_email(prospect, profile)
            evidence = [prospect.anchor, prospect.suggested_title, prospect.site, prospect.reason]
            if not gate.check(prospect.contact_email, f"{subject}\n{body}", profile, evidence, base):
                continue
            ensure_sequence(
                session,
                identity,
                campaign_slug=campaign,
                kind=prospect.kind,
                recipient=prospect.contact_email,
                recipient_name="",
                subject=subject,
                body=body,
                now=now,
            )
        for creator in session.scalars(
            select(Influencer)
            .where(
                Influencer.brand == slug,
                Influencer.contact_email.is_not(None),
                Influencer.score >= PARTNERSHIP_MIN_SCORE,
            )
            .order_by(Influencer.score.desc())
            .limit(PARTNERSHIPS_PER_RUN)
        ):
            campaign = _campaign(session, slug, "partnerships", "Creator partnerships")
            subject, body = partnership_email(creator, profile)
            evidence = [creator.name or "", creator.handle]
            if not gate.check(creator.contact_email, f"{subject}\n{body}", profile, evidence, base):
                continue
            ensure_sequence(
                session,
                identity,
                campaign_slug=campaign,
                kind="partnership",
                recipient=creator.contact_email,
                recipient_name=creator.name or "",
                subject=subject,
                body=body,
                now=now,
            )
    inbound = list(_recent_mail(mail, now))
    sender = mail.outgoing()
    report = run_sequences(warehouse.get().session, identity, sender, now, inbound)
    with warehouse.get().session() as session:
        sequences = [
            {"campaign": s.campaign_slug, "recipient": s.recipient, "state": s.state, "subject": s.subject}
            for s in session.scalars(select(OutreachSequence).where(OutreachSequence.brand == slug))
        ]
        emails = session.scalars(select(OutreachEmail).where(OutreachEmail.brand == slug)).all()
    return MaterializeResult(
        metadata={
            "sequences": len(sequences),
            **gate.as_metadata("claims"),
            "held_by_claims_gate": MetadataValue.text("\n".join(gate.reasons[:20]) or "none"),
            "sent_this_run": report.sent,
            "failed_this_run": report.failed,
            "capped": report.capped,
            "stopped": MetadataValue.json(report.stopped),
            "emails_on_record": len(emails),
            "sender": sender.name,
            "outbox": MetadataValue.path(str(mail.outbox_path())) if sender.name == "outbox" else "",
            "preview": markdown_table(sequences, ["campaign", "recipient", "state", "subject"]),
        }
    )


def _keywords(session, profile: BrandProfile) -> list[str]:
    """The keyword universe (SEO group), or the seed topics until it exists."""
    from marketing_engine.warehouse.models import Keyword

    found = list(session.scalars(select(Keyword.text).where(Keyword.brand == profile.slug).limit(5000)))
    return found or list(profile.seed_topics)


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    code_version="1",
    kinds={"python", WAREHOUSE},
    deps=["brand_profile", "keyword_universe", "programmatic_pages"],
    **calls("crawler"),
    description="Competitors' sitemaps and pages crawled and diffed (new, changed, gone); their topics mapped "
    "onto the keyword universe to show gaps; their ads from the Meta Ad Library when a token is set.",
)
def competitor_watch(
    context: AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    crawler: CrawlerResource,
    ad_library: AdLibraryResource,
) -> MaterializeResult:
    from marketing_engine.outreach.competitors import diff, map_topics, snapshot_competitors
    from marketing_engine.resources.http import ProviderError
    from marketing_engine.warehouse.models import CompetitorPage

    profile = brand.load()
    slug = profile.slug
    now = _now()
    competitors = {c.name: c.domain for c in profile.competitors}
    with crawler.open(sample=sample_world(profile)) as setup:
        snapshots = snapshot_competitors(setup.policy, competitors)
    with warehouse.get().session() as session:
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
        previous = {
            p["url"]: p
            for p in _column_rows(
                session, select(CompetitorPage).where(CompetitorPage.brand == slug), columns
            )
        }
        keywords = _keywords(session, profile)
    rows = map_topics(
        diff(previous, snapshots, now, {s.competitor for s in snapshots}),
        keywords,
        _brand_pages(warehouse, profile),
    )
    with warehouse.get().session() as session:
        upsert(session, CompetitorPage, [{**r, "brand": slug} for r in rows], keys=["brand", "url"])
    gaps = [r for r in rows if not r["brand_covers"] and r["change"] != "gone"]
    ads, ads_status = [], "not configured (set META_AD_LIBRARY_TOKEN)"
    if ad_library.configured:
        try:
            client = ad_library.client()
            ads = [ad for name in competitors for ad in client.search(name, ad_library.countries)]
            ads_status = f"{len(ads)} ads"
        except ProviderError as exc:
            ads_status = f"failed: {exc}"
    report = _write_report(
        "competitor_gaps.json", {"gaps": gaps, "ads": [ad.__dict__ for ad in ads]}, default=str
    )
    changes = {k: sum(1 for r in rows if r["change"] == k) for k in ("new", "changed", "unchanged", "gone")}
    return MaterializeResult(
        metadata={
            "competitors": len(competitors),
            "competitors_answering": len({s.competitor for s in snapshots}),
            "pages": len(snapshots),
            **{f"pages_{k}": v for k, v in changes.items()},
            "topic_gaps": len(gaps),
            "ads": ads_status,
            "report": MetadataValue.path(str(report)),
            "gaps_preview": markdown_table(gaps, ["competitor", "title", "matched_keyword", "change"]),
        }
    )


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    code_version="1",
    kinds={"python", WAREHOUSE},
    deps=["brand_profile"],
    **calls("social_discovery"),
    description="Creators on the brand's topics (YouTube channels, X authors), scored by topic relevance and "
    "engagement rate; partnership outreach goes through the sequences.",
)
def influencers(
    context: AssetExecutionContext,
    config: RelevanceConfig,
    brand: BrandResource,
    warehouse: WarehouseResource,
    social_discovery: SocialDiscoveryResource,
) -> MaterializeResult:
    from marketing_engine.outreach.creators import creator_score, dedupe_creators

    profile = brand.load()
    creators, errors = social_discovery.creators(profile.seed_topics, profile.language)
    creators = dedupe_creators(creators)
    relevance = _topic_relevance(creators, profile, config)
    rows = [
        {
            "brand": profile.slug,
            "platform": c.platform,
            "handle": c.handle,
            "name": c.name,
            "followers": c.followers,
            "engagement_rate": c.engagement_rate,
            "relevance": r,
            "score": creator_score(r, c.engagement_rate, c.platform),
            "contact_email": c.contact_email,
        }
        for c, r in zip(creators, relevance, strict=True)
    ]
    with warehouse.get().session() as session:
        upsert(session, Influencer, rows, keys=["brand", "platform", "handle"])
    rows.sort(key=lambda r: -r["score"])
    return MaterializeResult(
        metadata={
            "creators": len(rows),
            "by_platform": MetadataValue.json(
                {p: sum(1 for r in rows if r["platform"] == p) for p in ("youtube", "x")}
            ),
            "provider_errors": MetadataValue.json(errors),
            "backend": social_discovery.backend,
            "preview": markdown_table(
                rows, ["platform", "handle", "followers", "engagement_rate", "relevance", "score"]
            ),
        }
    )


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    code_version="1",
    kinds={"python", WAREHOUSE},
    deps=["brand_profile"],
    **calls("social_discovery"),
    description="Communities where the brand's topics are discussed: subreddits (the brand's own list and "
    "topic search) and Discord servers from the brand file's invite links, with members and activity.",
)
def communities(
    context: AssetExecutionContext,
    config: RelevanceConfig,
    brand: BrandResource,
    warehouse: WarehouseResource,
    social_discovery: SocialDiscoveryResource,
) -> MaterializeResult:
    from marketing_engine.warehouse.models import Community

    profile = brand.load()
    reddit = profile.channels.get("reddit")
    named = list(reddit.communities) if reddit else []
    invites = list(profile.outreach.discord_invites) if profile.outreach else []
    found, errors = social_discovery.communities(profile.seed_topics, named, invites, profile.language)
    unique = list({(c.platform, c.name.lower()): c for c in found}.values())
    relevance = _topic_relevance(unique, profile, config)
    rows = [
        {
            "brand": profile.slug,
            "platform": c.platform,
            "name": c.name,
            "url": c.url,
            "members": c.members,
            "activity_per_day": c.activity_per_day,
            "relevance": r,
        }
        for c, r in zip(unique, relevance, strict=True)
    ]
    with warehouse.get().session() as session:
        upsert(session, Community, rows, keys=["brand", "platform", "name"])
    return MaterializeResult(
        metadata={
            "communities": len(rows),
            "provider_errors": MetadataValue.json(errors),
            "backend": social_discovery.backend,
            "preview": markdown_table(
                sorted(rows, key=lambda r: -r["members"]),
                ["platform", "name", "members", "activity_per_day", "relevance"],
            ),
        }
    )


EEAT_WARN_BELOW = 60


def _audit(profile: BrandProfile):
    from marketing_engine.outreach.eeat import audit_site, site_files

    folder = brand_site_folder(profile)
    return folder, audit_site(site_files(folder, profile.site_url))


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    code_version="1",
    kinds={"python", "html"},
    deps=["static_site"],
    description="E-E-A-T audit of the brand's site: bylines and author pages, about and contact pages, "
    "citations, dates shown and plausible, original data; a score per page and for the site, with reasons.",
)
def eeat_audit(context: AssetExecutionContext, brand: BrandResource) -> MaterializeResult:
    profile = brand.load()
    folder, audit = _audit(profile)
    report = _write_report(
        "eeat_audit.json",
        {
            "site": str(folder),
            "score": audit.score,
            "site_signals": audit.site_signals,
            "reasons": audit.reasons,
            "pages": [p.__dict__ for p in audit.pages],
        },
    )
    return MaterializeResult(
        metadata={
            "site_folder": MetadataValue.path(str(folder)),
            "site_score": audit.score,
            "pages_audited": len(audit.pages),
            "reasons": MetadataValue.md("\n".join(f"- {r}" for r in audit.reasons) or "none"),
            "report": MetadataValue.path(str(report)),
            "preview": markdown_table(
                sorted(
                    ({"url": p.url, "score": p.score, "missing": "; ".join(p.reasons)} for p in audit.pages),
                    key=lambda r: r["score"],
                ),
                ["url", "score", "missing"],
            ),
        }
    )


@asset_check(
    asset=eeat_audit,
    blocking=False,
    description=f"Warns when the site's E-E-A-T score is below "
    f"{EEAT_WARN_BELOW} (of 100), naming what is missing.",
)
def eeat_score_is_healthy(brand: BrandResource) -> AssetCheckResult:
    _, audit = _audit(brand.load())
    return AssetCheckResult(
        passed=audit.score >= EEAT_WARN_BELOW,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "site_score": audit.score,
            "reasons": MetadataValue.md("\n".join(f"- {r}" for r in audit.reasons)),
        },
    )
