"""The outreach assets end to end on the offline backends (sample sites on a loopback server, the
simulated mailbox, the outbox), on SQLite and PostgreSQL: rows, files, and re-runs that add nothing."""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from pathlib import Path

from dagster import AssetsDefinition, DagsterInstance, build_asset_check_context, materialize
from sqlalchemy import func, select

from marketing_engine.assets import outreach
from marketing_engine.assets.brand import brand_profile
from marketing_engine.brand import load_brand
from marketing_engine.resources.ad_library import AdLibraryResource
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.crawler import CrawlerResource
from marketing_engine.resources.llm import LLMResource
from marketing_engine.resources.mail import MailResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.social_discovery import SocialDiscoveryResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.settings import EXAMPLE_BRAND
from marketing_engine.warehouse.models import (
    Backlink,
    Community,
    CompetitorPage,
    Influencer,
    JournalistQuery,
    LinkProspect,
    OutreachEmail,
    OutreachSequence,
    Pitch,
)

ASSETS = [brand_profile] + [v for v in vars(outreach).values() if isinstance(v, AssetsDefinition)]
TFIDF = {"config": {"relevance_method": "tfidf"}}
RUN_CONFIG = {"ops": {name: TFIDF for name in ("journalist_queries", "influencers", "communities")}}


def _run(warehouse_url: str, tmp_path: Path, brand_file: Path = EXAMPLE_BRAND):
    resources = {
        "brand": BrandResource(path=str(brand_file)),
        "warehouse": WarehouseResource(url=warehouse_url),
        "llm": LLMResource(backend="offline"),
        "crawler": CrawlerResource(per_host_rate=50.0),
        "mail": MailResource(inbox_dir=str(tmp_path / "inbox"), outbox_dir=str(tmp_path / "outbox")),
        "ad_library": AdLibraryResource(),
        "social_discovery": SocialDiscoveryResource(),
        "media_store": MediaStoreResource(),
    }
    result = materialize(
        ASSETS, resources=resources, instance=DagsterInstance.ephemeral(), run_config=RUN_CONFIG
    )
    assert result.success
    return result


def _count(warehouse, model) -> int:
    with warehouse.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)))


def test_outreach_group_offline_end_to_end(
    warehouse, warehouse_url: str, tmp_path: Path, engine_home
) -> None:
    _run(warehouse_url, tmp_path)
    with warehouse.session() as session:
        prospects = session.scalars(select(LinkProspect)).all()
        pitches = session.scalars(select(Pitch)).all()
        queries = session.scalars(select(JournalistQuery)).all()
        links = session.scalars(select(Backlink)).all()
    assert {p.kind for p in prospects} == {"broken_link", "resource_page"}
    broken = next(p for p in prospects if p.kind == "broken_link")
    assert broken.suggested_url.startswith("https://kestrelcycles.example/") and broken.contact_email
    assert len(queries) == 5 and sum(q.status == "relevant" for q in queries) == 4
    assert pitches and all(p.word_count <= p.word_limit for p in pitches)
    assert all(p.cited_urls and p.cited_urls[0] in p.body for p in pitches)
    assert {(b.rel, b.status) for b in links} == {("nofollow", "live"), ("follow", "live")}
    assert _count(warehouse, Influencer) > 20 and _count(warehouse, Community) >= 6
    brand = load_brand(EXAMPLE_BRAND)
    # The first competitor lists its home, a page per topic after the first and its news in a sitemap
    # (the disallowed checkout is skipped); the others are read from their home page.
    topic_pages = len(brand.seed_topics) - 1
    assert _count(warehouse, CompetitorPage) == (1 + topic_pages + 1) + (len(brand.competitors) - 1)
    outbox = sorted((tmp_path / "outbox").glob("*.eml"))
    with warehouse.session() as session:
        recorded = set(session.scalars(select(OutreachEmail.message_id)))
        kinds = {s.kind for s in session.scalars(select(OutreachSequence))}
    assert kinds == {"pitch", "broken_link", "resource_page", "partnership"}
    assert len(outbox) == len(recorded) == _count(warehouse, OutreachSequence)
    message = message_from_bytes(outbox[0].read_bytes(), policy=policy.default)
    assert message["Message-ID"] in recorded and message["List-Unsubscribe"]
    assert brand.outreach.postal_address in message.get_body(("plain",)).get_content()
    eeat = json.loads((engine_home / "reports" / "outreach" / "eeat_audit.json").read_text())
    assert 0 < eeat["score"] < 100 and eeat["reasons"]
    gaps = json.loads((engine_home / "reports" / "outreach" / "competitor_gaps.json").read_text())["gaps"]
    assert any(gap["title"] == f"{brand.competitors[0].name} news" for gap in gaps)

    # A second run the same day: same rows, no email sent twice, competitor pages now unchanged.
    before = {
        m: _count(warehouse, m)
        for m in (
            LinkProspect,
            Pitch,
            JournalistQuery,
            Backlink,
            Influencer,
            Community,
            OutreachSequence,
            OutreachEmail,
        )
    }
    _run(warehouse_url, tmp_path)
    assert {m: _count(warehouse, m) for m in before} == before
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == len(outbox)
    with warehouse.session() as session:
        assert set(session.scalars(select(CompetitorPage.change))) == {"unchanged"}


def test_eeat_check_warns_on_the_sample_site(tmp_path: Path) -> None:
    context = build_asset_check_context(instance=DagsterInstance.ephemeral())
    result = outreach.eeat_score_is_healthy(
        context, BrandResource(path=str(EXAMPLE_BRAND)), MediaStoreResource()
    )
    assert result.passed is False and result.metadata["site_score"].value < outreach.EEAT_WARN_BELOW


def test_eeat_check_on_another_host_audits_the_site_static_site_stored(tmp_path, monkeypatch) -> None:
    """static_site ran on host A; the check runs on host B, whose home has no site: it audits the
    stored build, not the brand's generated sample site."""
    from dagster import AssetMaterialization

    from marketing_engine.outreach.folders import audit_brand_site
    from marketing_engine.seo.site_archive import store_site

    profile, media = load_brand(EXAMPLE_BRAND), MediaStoreResource(root=str(tmp_path / "shared media"))
    monkeypatch.setenv("MARKETING_ENGINE_HOME", str(tmp_path / "host a"))
    site = tmp_path / "host a" / "site"
    (site / "about").mkdir(parents=True)
    (site / "index.html").write_text(
        f"<html><head><title>{profile.name}</title></head><body><article><h1>{profile.name}</h1>"
        '<p><a href="/about/">About</a></p></article></body></html>',
        encoding="utf-8",
    )
    (site / "about" / "index.html").write_text("<html><body><h1>About</h1></body></html>", encoding="utf-8")
    _, on_a = audit_brand_site(profile, site)
    instance = DagsterInstance.ephemeral()
    stored = store_site(site, media)
    instance.report_runless_asset_event(
        AssetMaterialization("static_site", metadata={"site_archive": stored.key})
    )

    monkeypatch.setenv("MARKETING_ENGINE_HOME", str(tmp_path / "host b"))
    _, sample = audit_brand_site(profile)  # host B alone would audit the generated sample site
    context = build_asset_check_context(instance=instance)
    result = outreach.eeat_score_is_healthy(context, BrandResource(path=str(EXAMPLE_BRAND)), media)
    assert result.metadata["site_score"].value == on_a.score != sample.score


def test_prod_never_audits_or_cites_the_generated_sample_site(tmp_path, monkeypatch) -> None:
    """Locally, a home without a built site stands in the brand's generated sample site; in prod that
    would audit and cite pages the business does not have: the audit names the missing build, and
    there are no site pages to cite (the brand file's home and products remain)."""
    import pytest

    from marketing_engine.outreach import folders
    from marketing_engine.outreach.pitches import brand_pages

    profile = load_brand(EXAMPLE_BRAND)
    monkeypatch.setenv("MARKETING_ENGINE_HOME", str(tmp_path / "home"))
    assert folders.site_pages(profile)  # locally: the sample site's pages
    monkeypatch.setenv("MARKETING_ENGINE_ENV", "prod")
    with pytest.raises(folders.NoBuiltSite, match="materialize static_site first"):
        folders.audit_brand_site(profile)
    assert folders.site_pages(profile) == []
    cited = {page.url for page in brand_pages(profile, [], folders.site_pages(profile))}
    assert cited == {profile.site_url + "/"} | {
        profile.site_url + p.url_path for p in profile.products if p.url_path
    }


def test_outreach_needs_the_brand_outreach_section(tmp_path: Path, warehouse_url: str) -> None:
    import yaml

    data = yaml.safe_load(EXAMPLE_BRAND.read_text())
    data.pop("outreach")
    brand_file = tmp_path / "brand.yaml"
    brand_file.write_text(yaml.safe_dump(data))
    result = materialize(
        [outreach.outreach_sequences],
        resources={
            "brand": BrandResource(path=str(brand_file)),
            "warehouse": WarehouseResource(url=warehouse_url),
            "mail": MailResource(outbox_dir=str(tmp_path / "outbox")),
        },
        instance=DagsterInstance.ephemeral(),
    )
    metadata = result.asset_materializations_for_node("outreach_sequences")[0].metadata
    assert "no `outreach` section" in metadata["skipped"].value
    assert not (tmp_path / "outbox").exists()


def test_prod_stores_nothing_from_the_offline_world(tmp_path: Path, warehouse_url: str, monkeypatch) -> None:
    """Without an IMAP mailbox or prospect sites, prod reads an empty inbox and crawls no prospect:
    the simulated digests and sample sites are local only."""
    from marketing_engine.resources.crawler import crawler_from_env

    monkeypatch.setenv("MARKETING_ENGINE_ENV", "prod")
    result = materialize(
        [outreach.journalist_queries, outreach.link_prospects],
        resources={
            "brand": BrandResource(path=str(EXAMPLE_BRAND)),
            "warehouse": WarehouseResource(url=warehouse_url),
            "mail": MailResource(inbox_dir=str(tmp_path / "inbox")),
            "crawler": crawler_from_env({}),
        },
        instance=DagsterInstance.ephemeral(),
        run_config={"ops": {"journalist_queries": TFIDF}},
    )
    assert result.success
    warehouse = WarehouseResource(url=warehouse_url).get()
    assert _count(warehouse, JournalistQuery) == 0 and _count(warehouse, LinkProspect) == 0
    assert not list((tmp_path / "inbox").glob("**/*.eml"))
