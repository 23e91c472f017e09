"""static_site writes every page (its HTML) and its hero image to content_assets with the media key,
sha256 and provenance; rebuilding the same site adds no row, a changed page becomes version 2."""

from __future__ import annotations

import json

from dagster import DagsterInstance, materialize
from sqlalchemy import select

from marketing_engine.assets import seo as seo_assets
from marketing_engine.assets import seo_site
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import ContentAsset, ProgrammaticPage, SeoPageBrief
from seo.test_seo_assets import resources  # noqa: F401 - the fixture, with the fast encoder


def test_each_page_and_its_hero_image_are_content_assets(resources: dict, warehouse_url: str) -> None:  # noqa: F811
    instance = DagsterInstance.ephemeral()
    run = lambda assets, **kw: materialize(assets, resources=resources, instance=instance, **kw)
    assert run([seo_assets.keyword_universe, seo_assets.keyword_clusters]).success
    top = instance.get_dynamic_partitions("keyword_clusters")[:1]
    assert run([seo_assets.page_briefs, seo_assets.programmatic_pages], partition_key=top[0]).success
    assert run([seo_site.page_schema, seo_site.static_site]).success
    warehouse = Warehouse(warehouse_url)
    with warehouse.session() as session:
        pages = {p.slug: p for p in session.scalars(select(ProgrammaticPage))}
        briefs = {b.path: b for b in session.scalars(select(SeoPageBrief))}
        rows = list(session.scalars(select(ContentAsset).order_by(ContentAsset.source_ref)))
    by_kind = {kind: [r for r in rows if r.kind == kind] for kind in ("page", "image")}
    assert len(by_kind["page"]) == len(by_kind["image"]) == len(pages) >= 3
    for row in by_kind["page"]:
        brief = briefs[row.source_ref]
        assert row.media_key == pages[brief.slug].html_key and row.content_type == "text/html"
        assert row.provenance["asset"] == "static_site" and row.provenance["draft_key"] == brief.draft_key
        assert row.provenance["indexable"] == brief.indexable and row.version == 1
        assert resources["media_store"].get_bytes(row.media_key).decode().startswith("<!doctype html>")
    assert {r.source_ref for r in by_kind["image"]} == {f"{p}#hero" for p in briefs}
    assert all(r.content_type == "image/svg+xml" for r in by_kind["image"])

    assert run([seo_site.static_site]).success  # the same site again: the same rows
    with warehouse.session() as session:
        assert len(list(session.scalars(select(ContentAsset)))) == len(rows)
        # a page whose draft changed is a new version of the same page
        brief = session.scalar(select(SeoPageBrief).where(SeoPageBrief.path == by_kind["page"][0].source_ref))
        draft = json.loads(resources["media_store"].get_bytes(brief.draft_key))
        draft["intro"] = [*draft["intro"], draft["intro"][0]]
        brief.draft_key = resources["media_store"].put_bytes(json.dumps(draft).encode(), suffix=".json").key
    assert run([seo_site.static_site]).success
    with warehouse.session() as session:
        versions = session.scalars(
            select(ContentAsset.version).where(
                ContentAsset.kind == "page", ContentAsset.source_ref == brief.path
            )
        ).all()
    warehouse.dispose()
    assert sorted(versions) == [1, 2]
