"""The SEO group: keyword universe → clusters → page briefs → pages → JSON-LD → static site →
published pages → search positions, with blocking quality gates before publishing.

Pages are partitioned by keyword cluster (dynamic partitions added by `keyword_clusters`), so one
cluster's briefs and pages can be regenerated alone.
"""

import hashlib
import json
import os
import shutil
import time
from collections import Counter
from datetime import UTC, date, datetime

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
    multi_asset_check,
)
from sqlalchemy import delete, select, update

from marketing_engine.assets.automation import WAREHOUSE, WEEKLY, after_upstream, calls, on_cron, owners
from marketing_engine.assets.common import markdown_table
from marketing_engine.assets.partitions import keyword_cluster_partitions
from marketing_engine.brand import BrandProfile
from marketing_engine.brand import slug as url_slug
from marketing_engine.files import write_text
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.keyword_ideas import KeywordIdeasResource
from marketing_engine.llm import LLMRequest, total_usage
from marketing_engine.resources.llm import LLMResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.resources.wordpress import PageToPublish, WordPressResource
from marketing_engine.seo import briefs as briefing
from marketing_engine.seo import quality, serp
from marketing_engine.seo.intent import IntentRules
from marketing_engine.seo.keywords import ExpansionContext, audience_terms, clean, merge_duplicates
from marketing_engine.settings import home_dir, publishing_blocked
from marketing_engine.warehouse import Warehouse, upsert
from marketing_engine.warehouse.models import (
    ContentCluster,
    Keyword,
    ProgrammaticPage,
    SeoPageBrief,
    SerpResult,
)
from marketing_engine.warehouse.registry import record_content, stored_record

GROUP = "seo"


def intent_rules(profile: BrandProfile) -> IntentRules:
    entities = [profile.name, *(c.name for c in profile.competitors), *(p.name for p in profile.products)]
    return IntentRules(
        entities=entities,
        cities=[loc.city for loc in profile.locations],
        services=[p.name for p in profile.products if p.kind == "service"],
        language=profile.language,
    )


def expansion_context(profile: BrandProfile) -> ExpansionContext:
    """What the offline expansion combines the seeds with, in the brand's language."""
    return ExpansionContext(
        profile.name,
        [(loc.city, loc.region) for loc in profile.locations],
        [c.name for c in profile.competitors],
        audience_terms(profile.audience.personas, profile.language),
        profile.language,
        (profile.babel_locale.split("_")[1:] or [""])[0].lower(),
    )


def seeds_of(profile: BrandProfile) -> list[str]:
    return [*profile.seed_topics, *(p.name for p in profile.products)]


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", WAREHOUSE},
    code_version="1",
    deps=["brand_profile"],
    automation_condition=on_cron(WEEKLY) | after_upstream(),
    **calls("keyword_ideas"),
    description="Every keyword worth targeting, with its intent.",
)
def keyword_universe(
    context: AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    keyword_ideas: KeywordIdeasResource,
) -> MaterializeResult:
    profile = brand.load()
    started = time.perf_counter()
    ideas = keyword_ideas.ideas(seeds_of(profile), expansion_context(profile))
    merged = merge_duplicates(ideas, profile.language)
    rules = intent_rules(profile)
    slug = profile.slug
    rows = [
        {
            "brand": slug,
            "normalized": m.normalized,
            "text": m.text,
            "seed": m.seed,
            "intent": rules.classify(m.text),
            "source": m.source,
            "volume": m.volume,
        }
        for m in merged
    ]
    with warehouse.get().session() as session:
        upsert(session, Keyword, rows, keys=["brand", "normalized"])
    per_seed = Counter(row["seed"] for row in rows)
    intents = Counter(row["intent"] for row in rows)
    return MaterializeResult(
        metadata={
            "ideas": len(ideas),
            "keywords": len(rows),
            "merged_duplicates": len(ideas) - len(rows),
            "fewest_per_seed": min(per_seed.values()) if per_seed else 0,
            "per_seed": MetadataValue.json(dict(per_seed)),
            "intents": MetadataValue.json(dict(intents)),
            "source": keyword_ideas.backend,
            "seconds": round(time.perf_counter() - started, 2),
            "preview": markdown_table(rows, ["text", "seed", "intent"], limit=15),
        }
    )


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", WAREHOUSE},
    code_version="1",
    deps=[keyword_universe],
    automation_condition=after_upstream(),
    description="Topical clusters of the universe, one hub each (their pages: the keyword_cluster_pages sensor).",
)
def keyword_clusters(
    context: AssetExecutionContext, brand: BrandResource, warehouse: WarehouseResource
) -> MaterializeResult:
    from marketing_engine.seo import clustering

    profile = brand.load()
    slug = profile.slug
    with warehouse.get().session() as session:
        keywords = list(session.scalars(select(Keyword).where(Keyword.brand == slug).order_by(Keyword.text)))
    texts = [k.text for k in keywords]
    started = time.perf_counter()
    cache = clustering.EmbeddingCache(home_dir("cache") / "seo_embeddings.sqlite")
    vectors, stats = clustering.embed_keywords(texts, cache=cache)
    embedded = time.perf_counter()
    labels = clustering.agglomerative_labels(vectors)
    found = clustering.describe_clusters(texts, vectors, labels, seeds=[clean(s) for s in seeds_of(profile)])
    clustered = time.perf_counter()
    rows, by_keyword = [], {}
    for cluster in found:
        cluster_slug = url_slug(cluster.hub) or "topic"
        rows.append(
            {
                "brand": slug,
                "slug": cluster_slug,
                "name": cluster.hub[:1].upper() + cluster.hub[1:],
                "hub_keyword": cluster.hub,
                "size": len(cluster.members),
                "cohesion": round(cluster.cohesion, 4),
            }
        )
        by_keyword.update({member: cluster_slug for member in cluster.members})
    wanted = [row["slug"] for row in rows]
    with warehouse.get().session() as session:
        session.execute(
            delete(ContentCluster).where(ContentCluster.brand == slug, ContentCluster.slug.not_in(wanted))
        )
        upsert(session, ContentCluster, rows, keys=["brand", "slug"])
        ids = dict(
            session.execute(
                select(ContentCluster.slug, ContentCluster.id).where(ContentCluster.brand == slug)
            ).all()
        )
        for keyword in session.scalars(select(Keyword).where(Keyword.brand == slug)):
            keyword.cluster_id = ids.get(by_keyword.get(keyword.text))
    existing = set(context.instance.get_dynamic_partitions(keyword_cluster_partitions.name))
    context.instance.add_dynamic_partitions(
        keyword_cluster_partitions.name, [s for s in wanted if s not in existing]
    )
    for stale in existing - set(wanted):
        context.instance.delete_dynamic_partition(keyword_cluster_partitions.name, stale)
    return MaterializeResult(
        metadata={
            "clusters": len(rows),
            "keywords": len(texts),
            "cohesion": round(clustering.overall_cohesion(found), 4),
            "distance_threshold": clustering.DEFAULT_THRESHOLD,
            "embedded": stats.embedded,
            "from_cache": stats.from_cache,
            "seconds_embedding": round(embedded - started, 2),
            "seconds_clustering": round(clustered - embedded, 2),
            "preview": markdown_table(rows, ["hub_keyword", "size", "cohesion"], limit=15),
        }
    )


def _cluster_members(session, slug: str, cluster: ContentCluster) -> list[tuple[str, str]]:
    """(keyword, intent) of a cluster's members, most central first (cached embeddings)."""
    from marketing_engine.seo import clustering

    members = list(
        session.scalars(select(Keyword).where(Keyword.brand == slug, Keyword.cluster_id == cluster.id))
    )
    if not members:
        return []
    cache = clustering.EmbeddingCache(home_dir("cache") / "seo_embeddings.sqlite")
    vectors, _ = clustering.embed_keywords([k.text for k in members], cache=cache)
    centroid = vectors.mean(axis=0)
    order = sorted(range(len(members)), key=lambda i: (-float(vectors[i] @ centroid), members[i].text))
    hub_first = sorted(order, key=lambda i: members[i].text != cluster.hub_keyword)
    return [(members[i].text, members[i].intent) for i in hub_first]


def _brief_cluster(session, profile: BrandProfile, slug: str, clusters: list, cluster_slug: str) -> list:
    cluster = next((c for c in clusters if c.slug == cluster_slug), None)
    if cluster is None:
        raise ValueError(f"keyword cluster {cluster_slug!r} is not in the warehouse; re-run keyword_clusters")
    members = _cluster_members(session, slug, cluster)
    index = clusters.index(cluster)
    neighbours = [
        briefing.Link(briefing.hub_path(c.slug), c.name)
        for c in clusters[index + 1 : index + 4] + clusters[max(0, index - 3) : index]
    ]
    plan = briefing.cluster_briefs(
        briefing.ClusterInput(cluster.slug, cluster.name, cluster.hub_keyword, members),
        [loc.city for loc in profile.locations],
        profile.language,
    )
    briefing.plan_links(plan, neighbours)
    upsert(
        session,
        SeoPageBrief,
        [
            {
                "brand": slug,
                "slug": b.slug,
                "path": b.path,
                "cluster_slug": cluster.slug,
                "page_type": b.page_type,
                "keyword": b.keyword,
                "brief": b.as_dict(),
                "indexable": True,
                "gate_report": {},
            }
            for b in plan
        ],
        keys=["brand", "slug"],
        update=["path", "cluster_slug", "page_type", "keyword", "brief"],
    )
    upsert(
        session,
        ProgrammaticPage,
        [
            {
                "brand": slug,
                "slug": b.slug,
                "page_type": b.page_type,
                "keyword": b.keyword,
                "cluster_id": cluster.id,
                "title": b.keyword,
                "status": "brief",
            }
            for b in plan
        ],
        keys=["brand", "slug"],
        update=["page_type", "keyword", "cluster_id"],
    )
    return plan


# A backfill over many clusters runs as one run (single_run), so the Anthropic backend can send all
# of its pages as one Message Batch; `make run` and a single cluster's re-run use one partition.
@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", WAREHOUSE},
    code_version="1",
    deps=[keyword_clusters],
    partitions_def=keyword_cluster_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    description="One brief per cluster and page type, with the internal-link plan.",
)
def page_briefs(
    context: AssetExecutionContext, brand: BrandResource, warehouse: WarehouseResource
) -> MaterializeResult:
    profile = brand.load()
    slug = profile.slug
    plan = []
    with warehouse.get().session() as session:
        clusters = list(
            session.scalars(
                select(ContentCluster)
                .where(ContentCluster.brand == slug)
                .order_by(ContentCluster.size.desc(), ContentCluster.slug)
            )
        )
        for cluster_slug in context.partition_keys:
            plan += _brief_cluster(session, profile, slug, clusters, cluster_slug)
    return MaterializeResult(
        metadata={
            "clusters": MetadataValue.json(list(context.partition_keys)),
            "briefs": len(plan),
            "page_types": MetadataValue.json(sorted(b.page_type for b in plan)),
            "preview": markdown_table(
                [b.as_dict() | {"links": len(b.links)} for b in plan],
                ["page_type", "keyword", "path", "links"],
            ),
        }
    )


def _update_page(session, brand: str, slug: str, **values) -> None:
    session.execute(
        update(ProgrammaticPage)
        .where(ProgrammaticPage.brand == brand, ProgrammaticPage.slug == slug)
        .values(**values)
    )


def page_request(profile: BrandProfile, brief: dict) -> LLMRequest:
    links = "; ".join(f"[[{link['anchor']}|{link['url']}]]" for link in brief["links"])
    prompt = (
        f'Write a {brief["page_type"]} page targeting the keyword "{brief["keyword"]}" '
        f'(intent: {brief["intent"]}; topic hub: "{brief["hub_keyword"]}").\n'
        "Build it only from the FACTS: H2 sections (a bulleted `items` list where the facts are a list), "
        "an FAQ of the questions below that the facts answer"
        + (", and a direct answer paragraph first" if brief["page_type"] == "Question" else "")
        + ". A page the facts cannot fill stays short.\nUse the keyword in the title (10–60 characters), the "
        f"H1 and the first 100 words; meta description 50–160 characters. Related searches: "
        f"{', '.join(brief['siblings'][:8])}. Questions people ask: {', '.join(brief['questions']) or 'none'}.\n"
        f"Place each of these internal links once, in a sentence where it fits, written exactly as given: "
        f"{links}.\nReturn the page as the structured output."
    )
    return LLMRequest(
        task="seo_page",
        prompt=prompt,
        system=profile.llm_context("web pages"),
        max_tokens=8000,
        custom_id=brief["slug"][:64],
        inputs={**brief, "brand": profile.model_dump(mode="json")},
    )


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", WAREHOUSE, "anthropic"},
    code_version="1",
    deps=[page_briefs],
    partitions_def=keyword_cluster_partitions,
    **calls("anthropic"),
    backfill_policy=BackfillPolicy.single_run(),
    description="The cluster's pages, written through the LLM resource (batched on Anthropic).",
)
def programmatic_pages(
    context: AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    media_store: MediaStoreResource,
    llm: LLMResource,
) -> MaterializeResult:
    from marketing_engine.seo.composer import PageDraft
    from marketing_engine.seo.review import gate_pages, report_json
    from marketing_engine.wording import count_words

    profile = brand.load()
    slug = profile.slug
    with warehouse.get().session() as session:
        rows = list(
            session.scalars(
                select(SeoPageBrief)
                .where(
                    SeoPageBrief.brand == slug, SeoPageBrief.cluster_slug.in_(list(context.partition_keys))
                )
                .order_by(SeoPageBrief.cluster_slug, SeoPageBrief.slug)
            )
        )
    started = time.perf_counter()
    results = llm.generate_many([page_request(profile, row.brief) for row in rows], schema=PageDraft)
    # The claims gate reads every draft, LLM-written or not; what fails is held for a person.
    gate = gate_pages(profile, [(row.slug, row.brief, result.data) for row, result in zip(rows, results)])
    today = date.today()
    preview = []
    with warehouse.get().session() as session:
        for row, result in zip(rows, results):
            draft = result.data.model_dump()
            claims = gate.reports[row.slug]
            payload = json.dumps(draft, sort_keys=True, ensure_ascii=False).encode()
            digest = hashlib.sha256(payload).hexdigest()
            stored = media_store.put_bytes(payload, suffix=".json")
            brief_row = session.get(SeoPageBrief, row.id)
            if brief_row.draft_sha256 != digest:
                brief_row.modified_on = today  # lastmod moves only when the text changed
            brief_row.draft_key, brief_row.draft_sha256 = stored.key, digest
            brief_row.gate_report = {"claims": report_json(claims)}
            brief_row.indexable = claims.passed
            count = count_words(" ".join(result.data.body_texts()))
            _update_page(
                session,
                slug,
                row.slug,
                title=draft["title"],
                meta_description=draft["meta_description"],
                word_count=count,
                status="written" if claims.passed else "held",
                content_sha256=digest,
            )
            preview.append(
                {
                    "page_type": row.page_type,
                    "keyword": row.keyword,
                    "words": count,
                    "claims": "passed" if claims.passed else claims.summary(1),
                    "title": draft["title"],
                }
            )
    return MaterializeResult(
        metadata={
            "pages": len(rows),
            "words_total": sum(p["words"] for p in preview),
            "seconds": round(time.perf_counter() - started, 2),
            "llm_backend": llm.backend,
            **{k: MetadataValue.json(v) if isinstance(v, dict) else v for k, v in gate.metadata().items()},
            **total_usage(results).as_metadata(),
            "preview": markdown_table(preview, ["page_type", "keyword", "words", "claims", "title"]),
        }
    )


def _site_inputs(warehouse: WarehouseResource, media_store: MediaStoreResource, slug: str):
    """Written pages (with their drafts from the media store) and every cluster as a hub."""
    from marketing_engine.seo.site import SiteHub, SitePage

    with warehouse.get().session() as session:
        rows = list(
            session.scalars(
                select(SeoPageBrief)
                .where(SeoPageBrief.brand == slug, SeoPageBrief.draft_key.is_not(None))
                .order_by(SeoPageBrief.path)
            )
        )
        clusters = list(
            session.scalars(
                select(ContentCluster)
                .where(ContentCluster.brand == slug)
                .order_by(ContentCluster.size.desc(), ContentCluster.slug)
            )
        )
        members: dict[int, list[str]] = {}
        for keyword in session.scalars(select(Keyword).where(Keyword.brand == slug).order_by(Keyword.text)):
            members.setdefault(keyword.cluster_id, []).append(keyword.text)
        created = {
            p.slug: p.created_at.date()
            for p in session.scalars(select(ProgrammaticPage).where(ProgrammaticPage.brand == slug))
        }
    names = {c.slug: c.name for c in clusters}
    pages = [
        SitePage(
            path=row.path,
            slug=row.slug,
            page_type=row.page_type,
            keyword=row.keyword,
            cluster_slug=row.cluster_slug,
            cluster_name=names.get(row.cluster_slug, row.cluster_slug),
            draft=json.loads(media_store.get_bytes(row.draft_key)),
            published=created.get(row.slug, row.modified_on or date.today()),
            modified=row.modified_on or date.today(),
        )
        for row in rows
        if row.cluster_slug in names
    ]
    hubs = [SiteHub(c.slug, c.name, members.get(c.id, [])) for c in clusters]
    return pages, hubs


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", "json"},
    code_version="1",
    deps=[programmatic_pages],
    automation_condition=after_upstream(),
    description="JSON-LD for every page, validated.",
)
def page_schema(
    context: AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    media_store: MediaStoreResource,
) -> MaterializeResult:
    from marketing_engine.seo import schema
    from marketing_engine.seo.site import SiteBuilder

    profile = brand.load()
    pages, _ = _site_inputs(warehouse, media_store, profile.slug)
    builder = SiteBuilder(profile)
    manifest, problems, types = {}, {}, Counter()
    by_page_type: dict[str, Counter] = {}
    for page in pages:
        blocks = builder.json_ld(page)
        manifest[page.path] = blocks
        types.update(b["@type"] for b in blocks)
        by_page_type.setdefault(page.page_type, Counter()).update(b["@type"] for b in blocks)
        if found := schema.validate(blocks):
            problems[page.path] = found
    stored = media_store.put_bytes(json.dumps(manifest, sort_keys=True).encode(), suffix=".json")
    write_text(home_dir("seo") / "json_ld_problems.json", json.dumps(problems, indent=1))
    rich = Counter(t for blocks in manifest.values() for t in schema.rich_result_types(blocks))
    return MaterializeResult(
        metadata={
            "pages": len(pages),
            "types": MetadataValue.json(dict(types)),
            "rich_result_types": MetadataValue.json(dict(rich)),
            "types_by_page_type": MetadataValue.json({k: dict(v) for k, v in sorted(by_page_type.items())}),
            "documentation": MetadataValue.json(schema.RICH_RESULT_DOCS),
            "no_rich_result": MetadataValue.text(
                "No FAQPage or HowTo JSON-LD (the check fails on either): Google shows FAQ rich results only "
                "for well-known government and health sites and no HowTo results since 2023; the questions "
                "stay on the page"
            ),
            "invalid_pages": len(problems),
            "problems": MetadataValue.json(dict(list(problems.items())[:10])),
            "manifest_key": stored.key,
        }
    )


@asset_check(
    asset=page_schema,
    blocking=True,
    description="Every JSON-LD block round-trips, has its required properties and is a type Google still "
    "gives a rich result (no FAQPage or HowTo).",
)
def json_ld_is_valid() -> AssetCheckResult:
    path = home_dir("seo") / "json_ld_problems.json"
    problems = json.loads(path.read_text()) if path.is_file() else {"<none>": ["page_schema has not run"]}
    return AssetCheckResult(
        passed=not problems,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "invalid_pages": len(problems),
            "examples": MetadataValue.json(dict(list(problems.items())[:5])),
        },
    )


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", "html", WAREHOUSE},
    code_version="1",
    deps=[page_schema],
    automation_condition=after_upstream(),
    description="The static site: pages, hubs, sitemap, robots.txt, feed.",
)
def static_site(
    context: AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    media_store: MediaStoreResource,
) -> MaterializeResult:
    from marketing_engine.seo.review import review_queue
    from marketing_engine.seo.site import SiteBuilder

    profile = brand.load()
    slug = profile.slug
    pages, hubs = _site_inputs(warehouse, media_store, slug)
    with warehouse.get().session() as session:
        claims = {
            path: report["claims"]
            for path, report in session.execute(
                select(SeoPageBrief.path, SeoPageBrief.gate_report).where(SeoPageBrief.brand == slug)
            ).all()
            if (report or {}).get("claims")
        }
    held = {path: c["summary"] for path, c in claims.items() if not c["passed"]}
    site = home_dir("site")
    staging = site.with_name("site.building")
    shutil.rmtree(staging, ignore_errors=True)
    build = SiteBuilder(profile).build(pages, hubs, staging, held=held)
    shutil.rmtree(site, ignore_errors=True)
    staging.rename(site)  # swap in whole: a reader never sees half a site
    records = []
    with warehouse.get().session() as session:
        for page in pages:
            gate = build.gates[page.path]
            stored = media_store.put_bytes(build.html[page.path].encode(), suffix=".html")
            brief = session.scalar(
                select(SeoPageBrief).where(SeoPageBrief.brand == slug, SeoPageBrief.slug == page.slug)
            )
            made = {"asset": "static_site", "run_id": context.run_id, "draft_key": brief.draft_key}
            records.append(stored_record("page", page.path, stored, made | {"indexable": gate.passed}))
            hero = site / "assets" / "hero" / f"{page.slug}.svg"
            if hero.is_file():
                records.append(stored_record("image", f"{page.path}#hero", media_store.put_file(hero), made))
            brief.indexable = gate.passed
            brief.gate_report = gate.as_dict() | (
                {"claims": claims[page.path]} if page.path in claims else {}
            )
            _update_page(
                session,
                slug,
                page.slug,
                status="ready" if gate.passed else "held" if page.path in build.held else "noindex",
                html_key=stored.key,
                canonical_url=build.base_url + page.path,
                quality_score=round(1 - len(gate.failures) / 10, 2),
            )
        registered = record_content(session, slug, records)
    queue = home_dir("reports") / "page_review_queue.md"
    write_text(
        queue,
        review_queue(
            [
                {"path": p.path, "keyword": p.keyword, "claims": claims[p.path]}
                for p in pages
                if p.path in build.held
            ]
        ),
        encoding="utf-8",
    )
    failing = [{"path": p, "failures": "; ".join(build.gates[p].failures)} for p in build.noindex]
    kinds = Counter(p.page_type for p in pages)
    indexed = Counter(p.page_type for p in pages if p.path not in build.noindex)
    return MaterializeResult(
        metadata={
            "indexed": len(pages) - len(build.noindex),
            **registered.as_metadata(),
            "held_by_claims": len(build.held),
            "review_queue": MetadataValue.path(str(queue)),
            "faq_answers_given_once": build.answers_dropped,
            "pages_per_type": MetadataValue.json(
                {k: [indexed.get(k, 0), n] for k, n in sorted(kinds.items())}
            ),
            "site": MetadataValue.path(str(site)),
            "serve": MetadataValue.text(f"python -m http.server -d {site}"),
            "pages": len(pages),
            "hubs": len(hubs),
            "noindex": len(build.noindex),
            "sitemap_urls": build.sitemap_urls,
            "sitemap_files": MetadataValue.json(build.sitemap_files),
            "files": build.files_written,
            "seconds_render": round(build.seconds_render, 3),
            "seconds_check": round(build.seconds_check, 3),
            "seconds_write": round(build.seconds_write, 3),
            "failing": markdown_table(failing, ["path", "failures"]),
            "preview": markdown_table(
                [
                    {
                        "path": p.path,
                        "type": p.page_type,
                        "title": p.draft["title"],
                        "words": build.gates[p.path].content_words,
                    }
                    for p in pages
                ],
                ["path", "type", "title", "words"],
            ),
        }
    )


def _audit(brand: BrandResource, warehouse: WarehouseResource) -> dict:
    profile = brand.load()
    with warehouse.get().session() as session:
        rows = session.execute(
            select(SeoPageBrief.path, SeoPageBrief.keyword, SeoPageBrief.page_type).where(
                SeoPageBrief.brand == profile.slug,
                SeoPageBrief.indexable.is_(True),
                SeoPageBrief.draft_key.is_not(None),
            )
        ).all()
    band = (profile.tone.reading_ease.min, profile.tone.reading_ease.max)
    return quality.audit_built_site(
        home_dir("site"),
        {path: keyword for path, keyword, _ in rows},
        band,
        page_types={path: page_type for path, _, page_type in rows},
        profile=profile,
    )


SITE_GATES = {
    "uniqueness": "No two indexable pages above the MinHash/Jaccard similarity threshold.",
    "thin": "Every indexable page has the non-template words its page type needs (quality.THIN_WORDS).",
    "readability": "Flesch reading ease inside the brand file's band.",
    "keyword_placement": "Keyword in the title, H1 and first 100 words.",
    "internal_links": "No internal link points at a path the site does not serve.",
    "reachability": "Every indexable page is reachable from a topic hub.",
    "head_tags": "Title 10–60, meta description 50–160, one H1, alt text on images.",
    "claims": "No indexable page states a number, first-person claim or quote the brand file does not hold.",
}


@multi_asset_check(
    specs=[
        AssetCheckSpec(f"site_{name}", asset=static_site, blocking=True, description=text)
        for name, text in SITE_GATES.items()
    ],
    description="Every quality gate, re-run on the site as written (one audit, one result per gate).",
)
def site_quality_gates(brand: BrandResource, warehouse: WarehouseResource):
    results = _audit(brand, warehouse)
    for name in SITE_GATES:
        failing = quality.failures_in(results, name)
        yield AssetCheckResult(
            check_name=f"site_{name}",
            asset_key=static_site.key,
            passed=not failing,
            severity=AssetCheckSeverity.ERROR,
            metadata={
                "indexable_pages": len(results),
                "failing": len(failing),
                "examples": MetadataValue.json(dict(list(failing.items())[:5])),
            },
        )


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", "wordpress", WAREHOUSE},
    code_version="1",
    deps=[static_site],
    **calls("wordpress"),
    description="Pages published: the local site folder, or WordPress (run by the publish_site sensor).",
)
def published_pages(
    context: AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    media_store: MediaStoreResource,
    wordpress: WordPressResource,
) -> MaterializeResult:
    import lxml.html

    if blocked := publishing_blocked():  # a click in a prod UI publishes nothing either
        raise Failure(description=blocked, allow_retries=False)
    profile = brand.load()
    slug = profile.slug
    with warehouse.get().session() as session:
        ready = list(
            session.scalars(
                select(ProgrammaticPage)
                .where(ProgrammaticPage.brand == slug, ProgrammaticPage.status.in_(["ready", "published"]))
                .order_by(ProgrammaticPage.slug)
            )
        )
    items = []
    for page in ready:
        tree = lxml.html.fromstring(media_store.get_bytes(page.html_key))
        article = tree.xpath("//article")[0]
        items.append(
            PageToPublish(
                page.slug,
                page.title,
                lxml.html.tostring(article, encoding="unicode"),
                page.meta_description,
                page.canonical_url,
            )
        )
    outcomes = wordpress.publish(items)
    now = datetime.now(UTC)
    with warehouse.get().session() as session:
        for page, outcome in zip(ready, outcomes):
            row = session.get(ProgrammaticPage, page.id)
            row.status, row.published_url = "published", outcome.url
            if outcome.action != "unchanged":
                row.published_at = now
    actions = Counter(o.action for o in outcomes)
    return MaterializeResult(
        metadata={
            "backend": wordpress.backend,
            "published": len(outcomes),
            "actions": MetadataValue.json(dict(actions)),
            "preview": markdown_table([o.__dict__ for o in outcomes], ["slug", "action", "url"]),
        }
    )


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", WAREHOUSE},
    code_version="1",
    deps=[published_pages],
    automation_condition=after_upstream(),
    **calls("keyword_ideas"),
    description="Search positions per keyword and snippet opportunities.",
)
def serp_positions(
    context: AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    keyword_ideas: KeywordIdeasResource,
) -> MaterializeResult:
    profile = brand.load()
    slug = profile.slug
    day = date.fromisoformat(os.environ.get("MARKETING_ENGINE_TODAY", date.today().isoformat()))
    with warehouse.get().session() as session:
        keywords = list(session.scalars(select(Keyword).where(Keyword.brand == slug)))
        pages = {
            p.keyword: p
            for p in session.scalars(select(ProgrammaticPage).where(ProgrammaticPage.brand == slug))
        }
        per_cluster = Counter(p.cluster_id for p in pages.values() if p.status == "published")
        hub_pages = {}
        for page in pages.values():
            if page.status == "published" and page.cluster_id is not None:
                hub_pages.setdefault(page.cluster_id, page)
    source = "search_console" if keyword_ideas.backend == "search_console" else "simulator"
    measured = {}
    if source == "search_console":  # the real positions of the day, for every tracked keyword
        from marketing_engine.resources.keyword_ideas import search_console_rows

        measured = serp.from_search_console(
            search_console_rows(
                keyword_ideas.search_console_service(),
                keyword_ideas.site_url,
                day,
                day,
                dimensions=("query", "page"),
            ),
            {k.text for k in keywords},
        )
    rows, opportunities = [], []
    for keyword in keywords:
        page = pages.get(keyword.text) or hub_pages.get(keyword.cluster_id)
        own = page is not None and page.keyword == keyword.text
        item = serp.RankingInput(
            keyword.text,
            page.published_url if page else None,
            page is not None and page.status == "published" and own,
            page.word_count if page else 0,
            per_cluster.get(keyword.cluster_id, 0),
        )
        if source == "search_console":
            position = measured.get(keyword.text, serp.Position(keyword.text, None, None, 0, 0))
        else:
            position = serp.simulate_position(item, day)
        snippet = serp.snippet_opportunity(position, profile.language)
        rows.append(
            {
                "brand": slug,
                "keyword": keyword.text,
                "day": day,
                "source": source,
                "position": position.position,
                "url": position.url,
                "clicks": position.clicks,
                "impressions": position.impressions,
                "snippet_format": snippet,
            }
        )
        if snippet:
            opportunities.append({"keyword": keyword.text, "position": position.position, "add": snippet})
    with warehouse.get().session() as session:
        upsert(session, SerpResult, rows, keys=["brand", "keyword", "day", "source"])
    ranked = [r["position"] for r in rows if r["position"] is not None]
    return MaterializeResult(
        metadata={
            "keywords": len(rows),
            "ranked": len(ranked),
            "top_10": sum(1 for p in ranked if p <= 10),
            "snippet_opportunities": len(opportunities),
            "source": source,
            "opportunities": markdown_table(
                sorted(opportunities, key=lambda o: o["position"]), ["keyword", "position", "add"], limit=15
            ),
        }
    )


def cluster_limit() -> int:
    """How many of the largest clusters get pages (MARKETING_ENGINE_SEO_CLUSTERS, default 8):
    writing every cluster of a universe is a backfill, not a demo."""
    value = os.environ.get("MARKETING_ENGINE_SEO_CLUSTERS", "8")
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if limit < 1:
        raise ValueError(f"MARKETING_ENGINE_SEO_CLUSTERS={value!r}: expected a whole number of at least 1")
    return limit


def clusters_by_size(warehouse: Warehouse, brand: str) -> list[str]:
    """Every keyword cluster of the brand, largest first: the order their pages are written in."""
    with warehouse.session() as session:
        return list(
            session.scalars(
                select(ContentCluster.slug)
                .where(ContentCluster.brand == brand)
                .order_by(ContentCluster.size.desc(), ContentCluster.slug)
            )
        )
