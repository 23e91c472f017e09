"""Indexing, in the SEO group: announce published and changed pages to IndexNow and submit the
sitemap to Search Console once the site is published, then read each page's index state daily.

The work is `seo.indexing`'s, the rows `seo.store`'s, the calls `resources.indexing`'s
(offline by default: the outbox and the pages' own facts).
"""

from datetime import UTC, date, datetime

from dagster import AssetExecutionContext, AssetKey, MaterializeResult

from marketing_engine.assets.automation import WAREHOUSE, after_upstream, on_cron, refuse_unless_publishing
from marketing_engine.assets.common import latest_metadata, markdown_table
from marketing_engine.assets.seo import seo_asset
from marketing_engine.provenance import NOT_CONFIGURED
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.indexing import IndexingResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.seo import site_archive, store
from marketing_engine.seo.indexing import index_summary, ping_rows, sitemap_urls, to_announce

DAILY = "0 7 * * *"  # 07:00 UTC, after the night's publishing and the search engines' crawl


@seo_asset(
    WAREHOUSE, "indexnow", pool="indexing", deps=["published_pages"], automation_condition=after_upstream()
)
def indexnow_pings(
    brand: BrandResource, warehouse: WarehouseResource, indexing: IndexingResource
) -> MaterializeResult:
    """New and changed published pages announced to IndexNow (≤10,000 URLs a POST); the sitemap
    submitted to Search Console."""
    refuse_unless_publishing()  # announcing is publishing: in prod only with the switch on
    profile, db = brand.load(), warehouse.get()
    pages = store.page_facts(db, profile.slug)
    last = {url: sha for url, (sha, _) in store.last_pings(db, profile.slug).items()}
    due, site = to_announce(pages, last), profile.site_url.rstrip("/")
    rows, backend, batches, location = [], NOT_CONFIGURED, 0, "INDEXNOW_KEY not set"
    if indexing.announces:  # live without INDEXNOW_KEY: not configured, nothing announced (nor stored)
        key = indexing.key_for(profile.slug)
        location = f"{site}/{key}.txt"
        announced = indexing.announce(profile.slug, key, location, [p.url for p in due])
        rows = ping_rows(due, announced.sent, announced.backend, datetime.now(UTC))
        store.save_pings(db, profile.slug, rows)
        backend, batches = announced.backend, len(announced.sent)
    sitemap = indexing.submit_sitemap(profile.slug, f"{site}/sitemap.xml")
    published = sum(1 for p in pages if p.status == "published")
    return MaterializeResult(
        metadata={
            "backend": backend,
            "not_configured": [] if indexing.announces else ["indexnow (INDEXNOW_KEY)"],
            "urls_pinged": len(rows),
            "batches": batches,
            "unchanged": published - len(due),
            "key_location": location,
            "sitemap": sitemap,
            "preview": markdown_table(rows, ["url", "batch", "http_status"]),
        }
    )


@seo_asset(WAREHOUSE, "google", pool="indexing", deps=[indexnow_pings], automation_condition=on_cron(DAILY))
def index_status(
    context: AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    indexing: IndexingResource,
    media_store: MediaStoreResource,
) -> MaterializeResult:
    """Each page's index state and last crawl (URL Inspection API, or offline what its facts imply)."""
    profile, db, day = brand.load(), warehouse.get(), date.today()
    pages = store.page_facts(db, profile.slug)
    pinged = {url: at for url, (_, at) in store.last_pings(db, profile.slug).items()}
    built = latest_metadata(context.instance, AssetKey("static_site"), "site_archive")
    in_sitemap = sitemap_urls(site_archive.site_folder(built, media_store))  # the sitemap as built
    rows, source = indexing.index_states(pages, in_sitemap, pinged, day)
    store.save_status(db, profile.slug, rows)
    summary = index_summary(rows)
    return MaterializeResult(
        metadata={
            "source": source,
            "not_configured": ["search_console"] if source == NOT_CONFIGURED else [],
            "pages": len(rows),
            "indexed": summary["indexed"],
            "not_indexed": summary["not_indexed"],
            "reasons": markdown_table(summary["reasons"], ["reason", "pages"]),
            "not_indexed_pages": markdown_table(
                [r for r in rows if not r["indexed"]], ["url", "coverage_state", "reason"], limit=15
            ),
        }
    )
