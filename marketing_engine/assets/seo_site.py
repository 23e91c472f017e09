"""The SEO group's site half: JSON-LD → static site → published pages, with the blocking quality
gates (JSON-LD validity, every site gate re-run on the site as written) before publishing.

The assets share `assets.seo`'s decorator (group, owner, code version); the work is the SEO domain's
(`marketing_engine.seo`), its warehouse reads and writes `seo.store`'s.
"""

from collections import Counter
from datetime import UTC, datetime

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
    asset_check,
    multi_asset_check,
)

from marketing_engine.assets.automation import WAREHOUSE, after_upstream, refuse_unless_publishing
from marketing_engine.assets.common import latest_metadata, markdown_table
from marketing_engine.assets.seo import programmatic_pages, seo_asset
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.resources.wordpress import PageToPublish, WordPressResource
from marketing_engine.seo import pages, quality, site_archive, store
from marketing_engine.seo.split_test import apply_titles


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
