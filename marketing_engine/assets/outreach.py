"""The outreach group: link prospects and backlinks from crawling, journalist queries from the
mailbox, pitches, outreach sequences, competitor watch, creators and communities, and the E-E-A-T
audit of the brand's own site. The work is in `marketing_engine.outreach`; this module wires it."""

import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import dagster as dg

from marketing_engine.assets.automation import WAREHOUSE, calls, owners
from marketing_engine.assets.common import latest_metadata, markdown_table
from marketing_engine.brand import BrandProfile
from marketing_engine.llm import total_usage
from marketing_engine.outreach import folders, store
from marketing_engine.outreach.backlinks import recheck
from marketing_engine.outreach.campaigns import plan_sequences, start_sequences
from marketing_engine.outreach.competitors import snapshot_competitors, watch
from marketing_engine.outreach.creators import PLATFORMS, community_rows, community_sources, creator_rows
from marketing_engine.outreach.digests import mailbox_since, read_inbox
from marketing_engine.outreach.emails import OutreachGate
from marketing_engine.outreach.pitches import citable_brand_pages, pitch_request, pitch_rows
from marketing_engine.outreach.prospects import scan_prospect_sites
from marketing_engine.outreach.sequences import NO_SENDER, Identity, run_sequences
from marketing_engine.outreach.simulator import seed_inbox
from marketing_engine.resources.ad_library import AdLibraryResource
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.crawler import CrawlerResource
from marketing_engine.resources.llm import LLMResource
from marketing_engine.resources.mail import MailResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.social_discovery import SocialDiscoveryResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.settings import environment

GROUP = "outreach"
EEAT_WARN_BELOW = 60


class RelevanceConfig(dg.Config):
    """`minilm`: the keyword-clustering embeddings (default); `tfidf`: a light lexical fallback."""

    relevance_method: Literal["minilm", "tfidf"] = "minilm"


def _asset(*deps: str, kinds: Iterable[str] = ("python", WAREHOUSE), pool: str = ""):
    """An asset of this group (owner, code version) with its kinds and the provider pool it calls; its
    description is its docstring on one line."""
    spec = {"group_name": GROUP, "owners": owners(GROUP), "code_version": "1", "kinds": set(kinds)}
    spec.update(deps=list(deps), **(calls(pool) if pool else {}))
    return lambda fn: dg.asset(description=" ".join((fn.__doc__ or "").split()), **spec)(fn)


def _result(rows: Iterable[Mapping], columns: list[str], **metadata: Any) -> dg.MaterializeResult:
    """The result with its metadata and a markdown preview of `rows` (the user's window on the run)."""
    return dg.MaterializeResult(metadata={**metadata, "preview": markdown_table(rows, columns)})


def _crawl(crawler: CrawlerResource, profile: BrandProfile):
    """The crawl of the brand's offline world, the brand's own site served beside it; or of the web."""
    if crawler.backend == "web":  # nothing of ours is served, no sample world is made
        return crawler.open()
    return crawler.open({profile.domain: folders.brand_site_folder(profile)}, folders.sample_world(profile))


@_asset("brand_profile", "programmatic_pages", "static_site", pool="crawler")
def link_prospects(
    brand: BrandResource, warehouse: WarehouseResource, crawler: CrawlerResource
) -> dg.MaterializeResult:
    """Broken outbound links on prospect sites that a brand page could replace, and resource
    pages on the brand's topics (polite, SSRF-safe crawl)."""
    profile, db = brand.load(), warehouse.get()
    pages = citable_brand_pages(db, profile)
    started = time.perf_counter()
    with _crawl(crawler, profile) as web:
        scan = scan_prospect_sites(web.policy, web.prospect_seeds, pages, profile.seed_topics, profile.domain)
    rows = scan.rows(profile.slug)
    store.save_link_prospects(db, rows)
    seconds = round(time.perf_counter() - started, 2)
    columns = ["kind", "site", "broken_url", "reason", "suggested_url", "score"]
    return _result(rows, columns, **scan.counts(), crawl_seconds=seconds)


@_asset("link_prospects", pool="crawler")
def backlinks(
    brand: BrandResource, warehouse: WarehouseResource, crawler: CrawlerResource
) -> dg.MaterializeResult:
    """Links to the brand: earned ones found on prospect sites and promised ones re-checked
    (rel, anchor, first/last seen); links that disappeared are flagged lost."""
    profile, db = brand.load(), warehouse.get()
    known = store.known_backlinks(db, profile.slug)
    with _crawl(crawler, profile) as web:
        check = recheck(web.policy, web.prospect_seeds, known, profile.domain, datetime.now(UTC))
    store.save_backlinks(db, [{**r, "brand": profile.slug} for r in check.rows])
    return _result(check.rows, ["source_url", "target_url", "status", "rel", "anchor_text"], **check.counts())


@_asset("brand_profile", "keyword_universe", pool="mail")
def journalist_queries(
    config: RelevanceConfig, brand: BrandResource, warehouse: WarehouseResource, mail: MailResource
) -> dg.MaterializeResult:
    """Journalist requests from HARO-, Qwoted- and SourceBottle-style digests in the mailbox: one
    row per query, deduplicated, expired ones dropped, relevance to the brand's topics scored."""
    from marketing_engine.outreach.relevance import score_queries  # numpy, and the model when asked

    profile, now = brand.load(), datetime.now(UTC)
    if mail.reader == "folder" and environment() == "local":
        seed_inbox(mail.inbox_path(), profile, now)  # the offline world: today's digests arrive
    inbox = read_inbox(mail.mailbox().messages(since=mailbox_since(now)), now)
    scored = score_queries(inbox.fresh, profile, config.relevance_method)
    store.save_journalist_queries(warehouse.get(), scored.rows)
    rows = sorted(scored.rows, key=lambda r: -r["relevance"])
    columns = ["source", "outlet", "topic", "deadline", "relevance", "status"]
    return _result(rows, columns, **inbox.counts(), **scored.counts())


@_asset("journalist_queries", kinds=("python", WAREHOUSE, "anthropic"), pool="anthropic")
def pitches(
    context: dg.AssetExecutionContext, brand: BrandResource, warehouse: WarehouseResource, llm: LLMResource
) -> dg.MaterializeResult:
    """A pitch for each relevant journalist query still open: within its word limit, citing the
    brand's own pages, to be sent before the deadline."""
    profile, db, gate = brand.load(), warehouse.get(), OutreachGate()
    pages = citable_brand_pages(db, profile)
    queries = store.open_queries(db, profile.slug, datetime.now(UTC))
    requests = [pitch_request(q, profile, pages) for q in queries]
    results = llm.generate_many(requests)
    rows = pitch_rows(queries, requests, results, profile, gate)
    store.save_pitches(db, rows)
    held = folders.write_report("held_pitches.json", {"held": gate.reasons})
    for reason in gate.reasons:
        context.log.warning(f"pitch held by the claims gate: {reason}")
    return _result(
        rows,
        ["recipient", "status", "subject", "word_count", "word_limit", "send_by"],
        pitches=len(rows),
        **gate.as_metadata("claims"),
        held_report=dg.MetadataValue.path(str(held)),
        max_words_over_limit=max((r["word_count"] - r["word_limit"] for r in rows), default=0),
        **total_usage(results).as_metadata(),
    )


@_asset("pitches", "link_prospects", "influencers", kinds=("python", WAREHOUSE, "email"), pool="mail")
def outreach_sequences(
    brand: BrandResource, warehouse: WarehouseResource, mail: MailResource
) -> dg.MaterializeResult:
    """Email sequences for pitches, broken-link and resource-page outreach and partnerships: first
    email, follow-ups on day 3 and 7, stopped by reply, bounce or unsubscribe; suppression list and a daily
    cap per mailbox; each email recorded by Message-ID before it is sent (offline: the outbox folder)."""
    profile = brand.load()
    if profile.outreach is None:
        return dg.MaterializeResult(metadata={"skipped": NO_SENDER})
    db, now, gate, identity = warehouse.get(), datetime.now(UTC), OutreachGate(), Identity.of(profile)
    start_sequences(db.session, identity, plan_sequences(db, profile, gate), now)
    inbound, sender = list(mail.mailbox().messages(since=mailbox_since(now))), mail.outgoing()
    report = run_sequences(db.session, identity, sender, now, inbound)
    sequences = store.sequence_rows(db, profile.slug)
    return _result(
        sequences,
        ["campaign", "recipient", "state", "subject"],
        sequences=len(sequences),
        **gate.as_metadata("claims"),
        held_by_claims_gate=dg.MetadataValue.text("\n".join(gate.reasons[:20]) or "none"),
        **report.counts(),
        stopped=dg.MetadataValue.json(report.stopped),
        emails_on_record=store.emails_on_record(db, profile.slug),
        sender=sender.name,
        outbox=dg.MetadataValue.path(str(mail.outbox_path())) if sender.name == "outbox" else "",
    )


@_asset("brand_profile", "keyword_universe", "programmatic_pages", pool="crawler")
def competitor_watch(
    brand: BrandResource,
    warehouse: WarehouseResource,
    crawler: CrawlerResource,
    ad_library: AdLibraryResource,
) -> dg.MaterializeResult:
    """Competitors' sitemaps and pages crawled and diffed (new, changed, gone); their topics mapped
    onto the keyword universe to show gaps; their ads from the Meta Ad Library when a token is set."""
    profile, db = brand.load(), warehouse.get()
    competitors = {c.name: c.domain for c in profile.competitors}
    with crawler.open(sample=folders.sample_world(profile)) as web:
        snapshots = snapshot_competitors(web.policy, competitors)
    keywords = store.keyword_texts(db, profile.slug) or list(profile.seed_topics)
    pages = citable_brand_pages(db, profile)
    found = watch(store.competitor_pages(db, profile.slug), snapshots, keywords, pages, datetime.now(UTC))
    store.save_competitor_pages(db, [{**r, "brand": profile.slug} for r in found.rows])
    ads, ads_status = ad_library.competitor_ads(list(competitors))
    report = folders.write_report("competitor_gaps.json", found.report(ads), default=str)
    return dg.MaterializeResult(
        metadata={
            **found.counts(competitors),
            "ads": ads_status,
            "report": dg.MetadataValue.path(str(report)),
            "gaps_preview": markdown_table(found.gaps, ["competitor", "title", "matched_keyword", "change"]),
        }
    )


@_asset("brand_profile", pool="social_discovery")
def influencers(
    config: RelevanceConfig,
    brand: BrandResource,
    warehouse: WarehouseResource,
    social_discovery: SocialDiscoveryResource,
) -> dg.MaterializeResult:
    """Creators on the brand's topics (YouTube channels, X authors), scored by topic relevance and
    engagement rate; partnership outreach goes through the sequences."""
    profile = brand.load()
    creators, errors = social_discovery.creators(profile.seed_topics, profile.language)
    rows = creator_rows(creators, profile, config.relevance_method)
    store.save_influencers(warehouse.get(), rows)
    rows.sort(key=lambda r: -r["score"])
    return _result(
        rows,
        ["platform", "handle", "followers", "engagement_rate", "relevance", "score"],
        creators=len(rows),
        by_platform=dg.MetadataValue.json({p: sum(1 for r in rows if r["platform"] == p) for p in PLATFORMS}),
        provider_errors=dg.MetadataValue.json(errors),
        backend=social_discovery.backend,
    )


@_asset("brand_profile", pool="social_discovery")
def communities(
    config: RelevanceConfig,
    brand: BrandResource,
    warehouse: WarehouseResource,
    social_discovery: SocialDiscoveryResource,
) -> dg.MaterializeResult:
    """Communities where the brand's topics are discussed: subreddits (the brand's own list and
    topic search) and Discord servers from the brand file's invite links, with members and activity."""
    profile = brand.load()
    found, errors = social_discovery.communities(
        profile.seed_topics, *community_sources(profile), profile.language
    )
    rows = community_rows(found, profile, config.relevance_method)
    store.save_communities(warehouse.get(), rows)
    return _result(
        sorted(rows, key=lambda r: -r["members"]),
        ["platform", "name", "members", "activity_per_day", "relevance"],
        communities=len(rows),
        provider_errors=dg.MetadataValue.json(errors),
        backend=social_discovery.backend,
    )


def _built_site(instance: dg.DagsterInstance, media_store: MediaStoreResource) -> Path | None:
    """The site static_site stored last, as a folder on this machine; None before any build."""
    from marketing_engine.seo.site_archive import site_folder

    key = latest_metadata(instance, dg.AssetKey("static_site"), "site_archive")
    return site_folder(key, media_store) if key else None


@_asset("static_site", kinds=("python", "html"))
def eeat_audit(
    context: dg.AssetExecutionContext, brand: BrandResource, media_store: MediaStoreResource
) -> dg.MaterializeResult:
    """E-E-A-T audit of the brand's site: bylines and author pages, about and contact pages,
    citations, dates shown and plausible, original data; a score per page and for the site, with reasons."""
    folder, audit = folders.audit_brand_site(brand.load(), _built_site(context.instance, media_store))
    return _result(
        audit.weakest_pages(),
        ["url", "score", "missing"],
        site_folder=dg.MetadataValue.path(str(folder)),
        site_score=audit.score,
        pages_audited=len(audit.pages),
        reasons=dg.MetadataValue.md(audit.reasons_list() or "none"),
        report=dg.MetadataValue.path(str(folders.write_report("eeat_audit.json", audit.report(folder)))),
    )


@dg.asset_check(
    asset=eeat_audit,
    blocking=False,
    description=f"Warns when the site's E-E-A-T score is below {EEAT_WARN_BELOW} (of 100), naming what is "
    "missing.",
)
def eeat_score_is_healthy(
    context: dg.AssetCheckExecutionContext, brand: BrandResource, media_store: MediaStoreResource
) -> dg.AssetCheckResult:
    _, audit = folders.audit_brand_site(brand.load(), _built_site(context.instance, media_store))
    metadata = {"site_score": audit.score, "reasons": dg.MetadataValue.md(audit.reasons_list())}
    passed = audit.score >= EEAT_WARN_BELOW
    return dg.AssetCheckResult(passed=passed, severity=dg.AssetCheckSeverity.WARN, metadata=metadata)
