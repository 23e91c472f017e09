"""The SEO asset graph on the offline backends, on SQLite and PostgreSQL: rows, files, checks,
partitions, and re-runs that never duplicate."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import DagsterInstance, materialize
from sqlalchemy import func, select

from marketing_engine.assets import seo as seo_assets
from marketing_engine.assets import seo_site
from marketing_engine.resources import KeywordIdeasResource, WordPressResource
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.llm import LLMResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.metrics import MetricsResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.seo import clustering
from marketing_engine.settings import EXAMPLE_BRAND
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import (
    ContentCluster,
    Keyword,
    ProgrammaticPage,
    SeoPageBrief,
    SerpResult,
)
from seo.sitekit import hashing_encoder


@pytest.fixture
def resources(warehouse_url: str, monkeypatch: pytest.MonkeyPatch) -> dict:
    # MiniLM itself is tested in test_seo_clustering; here a hashing encoder keeps the graph test fast.
    monkeypatch.setattr(clustering, "minilm_encoder", lambda cache_dir=None: hashing_encoder)
    return {
        "brand": BrandResource(path=str(EXAMPLE_BRAND)),
        "warehouse": WarehouseResource(url=warehouse_url),
        "media_store": MediaStoreResource(),
        "llm": LLMResource(backend="offline"),
        "keyword_ideas": KeywordIdeasResource(),
        "wordpress": WordPressResource(),
        "metrics": MetricsResource(),  # offline: the simulator's search positions
    }


def _count(url: str, model, **where) -> int:
    warehouse = Warehouse(url)
    with warehouse.session() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int(session.scalar(query))


def test_keywords_to_published_site_on_the_offline_backends(
    resources: dict, warehouse_url: str, engine_home: Path
) -> None:
    instance = DagsterInstance.ephemeral()
    run = lambda assets, **kw: materialize(assets, resources=resources, instance=instance, **kw)
    first = run([seo_assets.keyword_universe, seo_assets.keyword_clusters])
    assert first.success
    keywords = _count(warehouse_url, Keyword)
    assert keywords >= 9 * 80 * 0.95
    meta = first.asset_materializations_for_node("keyword_universe")[0].metadata
    assert meta["fewest_per_seed"].value >= 70
    clusters = instance.get_dynamic_partitions("keyword_clusters")
    assert len(clusters) == _count(warehouse_url, ContentCluster) >= 5
    top = clusters[:1]
    written = run([seo_assets.page_briefs, seo_assets.programmatic_pages], partition_key=top[0])
    assert written.success
    pages = _count(warehouse_url, ProgrammaticPage, status="written")
    assert 3 <= pages <= 6
    gate = written.asset_materializations_for_node("programmatic_pages")[0].metadata
    assert gate["claims_pages_checked"].value == pages and gate["claims_pages_held"].value == 0
    assert gate["claims_findings"].value == {"numeral": 0, "first_person": 0, "testimonial": 0}
    site = run(
        [
            seo_site.page_schema,
            seo_site.json_ld_is_valid,
            seo_site.static_site,
            seo_site.site_quality_gates,
            seo_site.published_pages,
            seo_assets.serp_positions,
        ]
    )
    assert site.success
    checks = site.get_asset_check_evaluations()
    assert len(checks) == 9 and all(c.passed for c in checks), [(c.check_name, c.metadata) for c in checks]
    assert "site_claims" in {c.check_name for c in checks}
    built = site.asset_materializations_for_node("static_site")[0].metadata
    published = _count(warehouse_url, ProgrammaticPage, status="published")
    assert published == built["indexed"].value >= 1 and built["held_by_claims"].value == 0
    assert published + _count(warehouse_url, ProgrammaticPage, status="noindex") == pages
    assert _count(warehouse_url, SerpResult) == keywords
    assert (engine_home / "site" / "sitemap.xml").is_file() and (
        engine_home / "site" / "index.html"
    ).is_file()
    trust_pages = {"about/index.html", "contact/index.html", "authors/dana-okafor/index.html"}
    built = {
        p.relative_to(engine_home / "site").as_posix() for p in (engine_home / "site").rglob("index.html")
    }
    assert trust_pages <= built  # + one page per author of the example brand
    assert len(built) == pages + len(clusters) + 2 + 2 + 2
    # re-running never duplicates, and an unchanged page keeps its lastmod
    before = {r.slug: r.modified_on for r in _rows(warehouse_url)}
    assert run([seo_assets.keyword_universe]).success
    assert run([seo_assets.page_briefs, seo_assets.programmatic_pages], partition_key=top[0]).success
    assert _count(warehouse_url, Keyword) == keywords
    assert _count(warehouse_url, ProgrammaticPage) == pages == _count(warehouse_url, SeoPageBrief)
    assert {r.slug: r.modified_on for r in _rows(warehouse_url)} == before


def _rows(url: str) -> list[SeoPageBrief]:
    with Warehouse(url).session() as session:
        return list(session.scalars(select(SeoPageBrief)))


def test_a_cluster_that_is_gone_is_refused_by_name(resources: dict) -> None:
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("keyword_clusters", ["no-such-cluster"])
    result = materialize(
        [seo_assets.page_briefs],
        resources=resources,
        instance=instance,
        partition_key="no-such-cluster",
        raise_on_error=False,
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    error = failure.event_specific_data.error
    assert "'no-such-cluster' is not in the warehouse" in (error.cause or error).message


def test_a_backfill_of_several_clusters_writes_all_their_pages_in_one_generate_many(
    resources: dict, warehouse_url: str
) -> None:
    instance = DagsterInstance.ephemeral()
    assert materialize(
        [seo_assets.keyword_universe, seo_assets.keyword_clusters], resources=resources, instance=instance
    ).success
    first, second = instance.get_dynamic_partitions("keyword_clusters")[:2]
    result = materialize(
        [seo_assets.page_briefs, seo_assets.programmatic_pages],
        resources=resources,
        instance=instance,
        tags={"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": second},
    )
    assert result.success
    meta = result.asset_materializations_for_node("programmatic_pages")[0].metadata
    written = _count(warehouse_url, ProgrammaticPage, status="written")
    assert meta["llm_requests"].value == meta["pages"].value == written >= 6
    with Warehouse(warehouse_url).session() as session:
        clusters = set(session.scalars(select(SeoPageBrief.cluster_slug)))
    assert clusters == {first, second}
