"""The SEO group: keyword universe → clusters → page briefs → pages → JSON-LD → static site →
published pages → search positions, with blocking quality gates before publishing.

Pages are partitioned by keyword cluster (dynamic partitions added by `keyword_clusters`), so one
cluster's briefs and pages can be regenerated alone. JSON-LD, the static site, its gates and the
published pages are `assets.seo_site`'s. The work is the SEO domain's (`marketing_engine.seo`), its
warehouse reads and writes `seo.store`'s.
"""

import time
from datetime import date
from typing import Any

from dagster import (
    AssetExecutionContext,
    BackfillPolicy,
    MaterializeResult,
    asset,
)

from marketing_engine.analytics.recall import writer_memory
from marketing_engine.assets.automation import (
    WAREHOUSE,
    WEEKLY,
    after_upstream,
    calls,
    on_cron,
    owners,
)
from marketing_engine.assets.common import markdown_table
from marketing_engine.assets.partitions import keyword_cluster_partitions
from marketing_engine.llm import total_usage
from marketing_engine.provenance import NOT_CONFIGURED, SIMULATOR, SourceReport
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.keyword_ideas import KeywordIdeasResource
from marketing_engine.resources.llm import LLMResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.metrics import MetricsResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.seo import briefs, keywords, pages, serp, store
from marketing_engine.seo.intent import intent_rules
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


@seo_asset(WAREHOUSE, pool="keyword_ideas", deps=["published_pages"], automation_condition=after_upstream())
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
    found, source = serp.measured_rows(day, metrics, keyword_ideas)
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
