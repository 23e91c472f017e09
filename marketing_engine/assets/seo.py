"""The SEO group: keyword universe → clusters → page briefs → pages → JSON-LD → static site →
published pages → search positions, with blocking quality gates before publishing.

Pages are partitioned by keyword cluster (dynamic partitions added by `keyword_clusters`), so one
cluster's briefs and pages can be regenerated alone. The work is the SEO domain's
(`marketing_engine.seo`), its warehouse reads and writes `seo.store`'s.
"""

import time
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
    multi_asset_check,
)

from marketing_engine.analytics.recall import writer_memory
from marketing_engine.assets.automation import (
    WAREHOUSE,
    WEEKLY,
    after_upstream,
    calls,
    on_cron,
    owners,
    refuse_unless_publishing,
)
from marketing_engine.assets.common import latest_metadata, markdown_table
from marketing_engine.assets.partitions import keyword_cluster_partitions
from marketing_engine.llm import total_usage
from marketing_engine.provenance import NOT_CONFIGURED, SIMULATOR, SourceReport
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.keyword_ideas import KeywordIdeasResource
from marketing_engine.resources.llm import LLMResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.metrics import MetricsResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.resources.wordpress import PageToPublish, WordPressResource
from marketing_engine.seo import briefs, keywords, pages, quality, serp, site_archive, store
from marketing_engine.seo.intent import intent_rules
from marketing_engine.seo.split_test import apply_titles
from marketing_engine.visibility.store import gap_questions

GROUP = "seo"


def seo_asset(*kinds: str, pool: str | None = None, partitioned: bool = False, **spec: Any):
    """`@asset` with what every SEO asset shares (group, owner, code version, python kind), a provider's
    pool and retry, and the cluster partitions backfilled in one run (one Anthropic batch of pages)."""
    spec |= calls(pool) if pool else {}
    if partitioned:
        spec |= {"partitions_def": keyword_cluster_partitions, "backfill_policy": BackfillPolicy.single_run()}
    return asset(group_name=GROUP, owners=owners(GROUP), code_version="1", kinds={"python", *kinds}, **spec)


@seo_asset(
    WAREHOUSE,
    pool="keyword_ideas",
    deps=["brand_profile"],
    automation_condition=on_cron(WEEKLY) | after_upstream(),
)
def keyword_universe(
    brand: BrandResource, warehouse: WarehouseResource, keyword_ideas: KeywordIdeasResource
) -> MaterializeResult:
    """Every keyword worth targeting, with its intent."""
    profile, started = brand.load(), time.perf_counter()
    ideas = keyword_ideas.ideas(keywords.seeds_of(profile), keywords.expansion_context(profile))
    merged = keywords.merge_duplicates(ideas, profile.language)
    rows = keywords.keyword_rows(merged, intent_rules(profile).classify)
    store.save_keywords(warehouse.get(), profile.slug, rows)
    return MaterializeResult(
        metadata={
            **keywords.universe_summary(len(ideas), rows),
            "source": keyword_ideas.backend,
            "seconds": round(time.perf_counter() - started, 2),
            "preview": markdown_table(rows, ["text", "seed", "intent"], limit=15),
        }
    )


@seo_asset(WAREHOUSE, deps=[keyword_universe], automation_condition=after_upstream())
def keyword_clusters(
    context: AssetExecutionContext, brand: BrandResource, warehouse: WarehouseResource
) -> MaterializeResult:
    """Topical clusters of the universe, one hub each (their pages: the keyword_cluster_pages sensor)."""
    from marketing_engine.seo import clustering

    profile, db, partitions = brand.load(), warehouse.get(), keyword_cluster_partitions.name
    seeds = [keywords.clean(s) for s in keywords.seeds_of(profile)]
    texts = store.keyword_texts(db, profile.slug)
    found = clustering.cluster_universe(texts, seeds, clustering.keyword_cache())
    rows, by_keyword = found.rows()
    store.replace_clusters(db, profile.slug, rows, by_keyword)
    wanted = [row["slug"] for row in rows]
    existing = set(context.instance.get_dynamic_partitions(partitions))
    context.instance.add_dynamic_partitions(partitions, [s for s in wanted if s not in existing])
    for stale in existing - set(wanted):
        context.instance.delete_dynamic_partition(partitions, stale)
    preview = markdown_table(rows, ["hub_keyword", "size", "cohesion"], limit=15)
    return MaterializeResult(metadata={**found.summary(), "preview": preview})


@seo_asset(WAREHOUSE, partitioned=True, deps=[keyword_clusters])
def page_briefs(
    context: AssetExecutionContext, brand: BrandResource, warehouse: WarehouseResource
) -> MaterializeResult:
    """One brief per cluster and page type, with the internal-link plan."""
    from marketing_engine.seo import clustering

    profile, db, cache = brand.load(), warehouse.get(), clustering.keyword_cache()
    clusters, plans = store.clusters(db, profile.slug), []
    for cluster in [briefs.find_cluster(clusters, key) for key in context.partition_keys]:
        members = store.cluster_members(db, profile.slug, cluster.id)
        ordered = clustering.central_first(members, cluster.hub_keyword, cache)
        plans.append((cluster, briefs.plan_cluster(cluster, ordered, clusters, profile)))
    plan = [brief for _, cluster_plan in plans for brief in cluster_plan]
    aimed = briefs.aim_at_gaps(plan, gap_questions(db, profile.slug), profile)
    store.save_briefs(db, profile.slug, plans)
    return MaterializeResult(
        metadata={
            "clusters": list(context.partition_keys),
            "briefs": len(plan),
            "briefs_aimed_at_ai_answer_gaps": aimed,
            "page_types": sorted(b.page_type for b in plan),
            "preview": markdown_table([b.preview() for b in plan], ["page_type", "keyword", "path", "links"]),
        }
    )


@seo_asset(WAREHOUSE, "anthropic", pool="anthropic", partitioned=True, deps=[page_briefs])
def programmatic_pages(
    context: AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    media_store: MediaStoreResource,
    llm: LLMResource,
) -> MaterializeResult:
    """The cluster's pages, written through the LLM resource (batched on Anthropic)."""
    from marketing_engine.seo.composer import PageDraft

    profile, db = brand.load(), warehouse.get()
    rows = store.briefs(db, profile.slug, context.partition_keys)
    started = time.perf_counter()
    requests = [
        pages.page_request(
            profile, row.brief, writer_memory(db, profile.slug, ["site", "search"], row.keyword)
        )
        for row in rows
    ]  # each page's writer reads campaign memory for the site and its keyword
    results = llm.generate_many(requests, schema=PageDraft)
    written, gate = pages.write_drafts(profile, rows, [result.data for result in results], media_store)
    store.save_drafts(db, profile.slug, written, date.today())
    preview = [w.preview() for w in written]
    return MaterializeResult(
        metadata={
            "pages": len(rows),
            "words_total": sum(w.words for w in written),
            "seconds": round(time.perf_counter() - started, 2),
            "llm_backend": llm.backend,
            **gate.metadata(),
            **total_usage(results).as_metadata(),
            "preview": markdown_table(preview, ["page_type", "keyword", "words", "claims", "title"]),
        }
    )


@seo_asset("json", deps=[programmatic_pages], automation_condition=after_upstream())
def page_schema(
    brand: BrandResource, warehouse: WarehouseResource, media_store: MediaStoreResource
) -> MaterializeResult:
    """JSON-LD for every page, validated."""
    profile = brand.load()
    site_pages, _ = store.site_inputs(warehouse.get(), profile.slug, media_store.get_bytes)
    found = pages.json_ld(profile, site_pages)
    stored = media_store.put_bytes(found.manifest_json(), suffix=".json")
    problems = pages.store_json_ld_problems(found.problems, media_store)
    return MaterializeResult(
        metadata={**found.summary(), "manifest_key": stored.key, "problems_key": problems}
    )


@asset_check(
    asset=page_schema,
    blocking=True,
    description="Every JSON-LD block round-trips, has its required properties and is a type Google still "
    "gives a rich result (no FAQPage or HowTo).",
)
def json_ld_is_valid(
    context: AssetCheckExecutionContext, media_store: MediaStoreResource
) -> AssetCheckResult:
    problems = pages.json_ld_problems(
        latest_metadata(context.instance, page_schema.key, "problems_key"), media_store
    )
    examples = dict(list(problems.items())[:5])
    metadata = {"invalid_pages": len(problems), "examples": examples}
    return AssetCheckResult(passed=not problems, severity=AssetCheckSeverity.ERROR, metadata=metadata)


@seo_asset("html", WAREHOUSE, deps=[page_schema], automation_condition=after_upstream())
def static_site(
    context: AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    media_store: MediaStoreResource,
) -> MaterializeResult:
    """The static site: pages, hubs, sitemap, robots.txt, feed."""
    profile, db = brand.load(), warehouse.get()
    site_pages, hubs = store.site_inputs(db, profile.slug, media_store.get_bytes)
    site_pages, title_arms = apply_titles(
        db, profile, site_pages
    )  # the title split test (docs/experiments.md)
    claims = store.claims_reports(db, profile.slug)
    build, site = pages.build_site(profile, site_pages, hubs, pages.held_by_claims(claims))
    archive = site_archive.store_site(site, media_store)  # the site as written, for steps elsewhere
    made, draft_keys = {"asset": "static_site", "run_id": context.run_id}, store.draft_keys(db, profile.slug)
    built, records = pages.store_pages(site_pages, build, site, claims, media_store, made, draft_keys)
    registered = store.save_built_pages(db, profile.slug, built, records)
    queue = pages.write_review_queue(site_pages, build, claims)
    preview = markdown_table(pages.site_preview(site_pages, build), ["path", "type", "title", "words"])
    return MaterializeResult(
        metadata={
            **pages.site_summary(site_pages, hubs, build),
            **registered.as_metadata(),
            "title_test_pages": MetadataValue.json(dict(Counter(title_arms.values()))),
            "review_queue": MetadataValue.path(str(queue)),
            "site": MetadataValue.path(str(site)),
            "site_archive": archive.key,
            "serve": f"python -m http.server -d {site}",
            "failing": markdown_table(pages.failing_pages(build), ["path", "failures"]),
            "preview": preview,
        }
    )


@multi_asset_check(
    specs=[
        AssetCheckSpec(f"site_{name}", asset=static_site, blocking=True, description=text)
        for name, text in quality.SITE_GATES.items()
    ],
    description="Every quality gate, re-run on the site as written (one audit, one result per gate).",
)
def site_quality_gates(
    context: AssetCheckExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    media_store: MediaStoreResource,
):
    profile = brand.load()
    key = latest_metadata(context.instance, static_site.key, "site_archive")
    site = site_archive.site_folder(key, media_store)  # the build static_site stored, on this host
    results = pages.audit_site(profile, store.indexable_pages(warehouse.get(), profile.slug), site)
    for name in quality.SITE_GATES:
        failing = quality.failures_in(results, name)
        examples = dict(list(failing.items())[:5])
        metadata = {"indexable_pages": len(results), "failing": len(failing), "examples": examples}
        yield AssetCheckResult(
            check_name=f"site_{name}",
            asset_key=static_site.key,
            passed=not failing,
            severity=AssetCheckSeverity.ERROR,
            metadata=metadata,
        )


@seo_asset("wordpress", WAREHOUSE, pool="wordpress", deps=[static_site])
def published_pages(
    brand: BrandResource,
    warehouse: WarehouseResource,
    media_store: MediaStoreResource,
    wordpress: WordPressResource,
) -> MaterializeResult:
    """Pages published: the local site folder, or WordPress (run by the publish_site sensor)."""
    refuse_unless_publishing()  # a click in a prod UI publishes nothing either
    profile, db = brand.load(), warehouse.get()
    ready = store.ready_pages(db, profile.slug)
    html = [pages.article_html(media_store.get_bytes(p.html_key)) for p in ready]
    items = [
        PageToPublish(p.slug, p.title, h, p.meta_description, p.canonical_url) for p, h in zip(ready, html)
    ]
    outcomes = wordpress.publish(items)
    sent = [(o.slug, o.url, o.action != "unchanged") for o in outcomes]
    store.mark_published(db, profile.slug, sent, datetime.now(UTC))
    return MaterializeResult(
        metadata={
            "backend": wordpress.backend,
            "published": len(outcomes),
            "actions": dict(Counter(o.action for o in outcomes)),
            "preview": markdown_table([o.__dict__ for o in outcomes], ["slug", "action", "url"]),
        }
    )


def _search_console_rows(day: date, metrics: MetricsResource, keyword_ideas: KeywordIdeasResource):
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


@seo_asset(WAREHOUSE, pool="keyword_ideas", deps=[published_pages], automation_condition=after_upstream())
def serp_positions(
    brand: BrandResource,
    warehouse: WarehouseResource,
    keyword_ideas: KeywordIdeasResource,
    metrics: MetricsResource,
) -> MaterializeResult:
    """Search positions per keyword (Search Console's where the engine measures for real, else the
    simulator's) and snippet opportunities."""
    profile, db, day = brand.load(), warehouse.get(), serp.measurement_day()
    tracked_keywords, tracked_pages = store.tracked(db, profile.slug)
    found, source = _search_console_rows(day, metrics, keyword_ideas)
    sources = SourceReport().add(source, "search_console" if source != SIMULATOR else "serp simulator")
    if source == NOT_CONFIGURED:
        return MaterializeResult(
            metadata={"keywords": len(tracked_keywords), "status": "no data", **sources.metadata()}
        )
    wanted = {k.text for k in tracked_keywords}
    measured = serp.from_search_console(found, wanted) if found is not None else None
    ranking = serp.ranking_inputs(tracked_keywords, tracked_pages)
    rows = serp.serp_rows(ranking, day, profile.language, measured)
    store.save_positions(db, profile.slug, day, source, rows)
    opportunities = markdown_table(serp.opportunities(rows), ["keyword", "position", "add"], limit=15)
    return MaterializeResult(
        metadata={
            **serp.serp_summary(rows),
            "source": source,
            **sources.metadata(),
            "opportunities": opportunities,
        }
    )
