"""Any business, any language: the offline keyword and page writers for every example brand, read back
the way `marketing-engine audit` reads a site; and an LLM page that invents a statistic is held."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from dagster import DagsterInstance, materialize
from llm.conftest import BASE_URL, anthropic_api, message_body, tool_use  # noqa: F401 - a fixture
from sqlalchemy import select
from vocabulary import EXAMPLE_FILES, examples, leaks

from marketing_engine.assets import seo as seo_assets
from marketing_engine.assets import seo_site
from marketing_engine.audit import audit_home
from marketing_engine.brand import BrandProfile
from marketing_engine.resources import KeywordIdeasResource, WordPressResource
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.llm import LLMResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.seo import clustering
from marketing_engine.seo.keywords import expand_offline, expansion_context, merge_duplicates, seeds_of
from marketing_engine.seo.review import gate_pages
from marketing_engine.seo.site import SiteBuilder
from marketing_engine.settings import EXAMPLE_BRAND
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import ProgrammaticPage, SeoPageBrief
from seo.sitekit import example_site_inputs, hashing_encoder

SLUG_PATH = re.compile(r"^/([a-z0-9-]+/){0,2}$")
CURRENCY = {"Kestrel Cycles": "$", "Tallybird": "£", "Tasca da Conceição": "€"}


@pytest.fixture(scope="module", params=range(len(EXAMPLE_FILES)), ids=[p.stem for p in EXAMPLE_FILES])
def brand_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    profile = examples()[request.param]
    home = tmp_path_factory.mktemp(profile.slug)
    pages, hubs = example_site_inputs(profile, seeds_of(profile))  # the seeds make run expands
    build = SiteBuilder(profile).build(pages, hubs, home / "site")
    return profile, pages, build, audit_home(home, profile)


def test_published_pages_state_only_the_brand_facts_without_reuse(brand_site) -> None:
    _, pages, build, audit = brand_site
    indexed = [p for p in pages if p.path not in build.noindex]
    # a quarter or more of the pages are filled from the facts alone; the rest wait, short and noindex
    assert len(indexed) >= len(pages) / 4, (len(indexed), len(pages))
    assert {p.page_type for p in indexed} >= {"Location", "Comparison", "Service"}
    assert audit.claim_counts() == {"numeral": 0, "first_person": 0, "testimonial": 0}, audit.findings[:3]
    assert audit.sentence_reuse() <= 0.10
    # what is not indexed was not padded: it is short, hard to read or too like another page
    reasons = {f.split(" ")[0] for path in build.noindex for f in build.gates[path].failures}
    assert reasons <= {"thin:", "reading", "near-duplicate"}, reasons


def test_no_page_carries_another_brand_trade_words(brand_site) -> None:
    profile, _, _, audit = brand_site
    found = {where: leaks(text, profile) for where, text in audit.texts()}
    assert {where: words for where, words in found.items() if words} == {}


def test_the_keyword_universe_is_the_brand_own(brand_site) -> None:
    profile = brand_site[0]
    universe = merge_duplicates(
        expand_offline(seeds_of(profile), expansion_context(profile)), profile.language
    )
    assert len(universe) >= 80 * len(profile.seed_topics)
    assert leaks("\n".join(k.text for k in universe), profile) == {}


def test_paths_transliterate_names_keep_their_letters_and_money_is_the_brand_currency(brand_site) -> None:
    profile, _, _, audit = brand_site
    assert all(SLUG_PATH.match(p.path) for p in audit.pages), [p.path for p in audit.pages]
    text = "\n".join(page.text for page in audit.pages)
    assert profile.name in text  # accents and all
    mine, others = CURRENCY[profile.name], set(CURRENCY.values()) - {CURRENCY[profile.name]}
    assert mine in text and not any(symbol in text for symbol in others)
    for product in profile.products:
        if product.price is not None:
            assert " ".join(profile.price_of(product).split()) in text, product.name  # reader spacing


def test_a_portuguese_brand_gets_portuguese_pages() -> None:
    tasca = next(b for b in examples() if b.language == "pt")
    pages, hubs = example_site_inputs(tasca, tasca.seed_topics[:2])
    build = SiteBuilder(tasca).build(pages, hubs, Path("/unused"), write=False)
    page = next(p for p in pages if p.page_type == "Location" and p.path not in build.noindex)
    html = build.html[page.path]
    assert '<html lang="pt">' in html and 'content="pt_PT"' in html
    assert "Perguntas frequentes" in html or "Horário" in html
    assert (
        page.path.startswith("/locais/")
        and "Terça-feira a sábado, das 12:00 às 15:00".lower() in html.lower()
    )
    assert any("polvo-a-lagareiro" in p.path for p in pages)  # "Polvo à Lagareiro", transliterated
    assert not re.search(r"\b(the|and|with|from)\b", " ".join(page.draft["intro"]))


INVENTED = {
    "title": "Cargo e-bike deals | Kestrel Cycles",
    "meta_description": "Cargo e-bike deals: what riders save with Kestrel Cycles, from our own records.",
    "h1": "Cargo e-bike deals",
    "direct_answer": None,
    "intro": [
        (
            "Cargo e-bike deals at Kestrel Cycles: 73% of our customers save 40 minutes a day, "
            "and we tested every cargo e-bike for 1,200 km."
        )
    ],
    "sections": [{"heading": "Why riders switch", "paragraphs": ["Most families never drive again."]}],
    "faq": [],
    "image_alt": "Cargo e-bike deals",
}


def test_an_llm_page_inventing_a_statistic_is_held_for_review(
    anthropic_api,  # noqa: F811 - the respx router for the SDK
    warehouse_url: str,
    engine_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(clustering, "minilm_encoder", lambda cache_dir=None: hashing_encoder)
    route = anthropic_api.post("/v1/messages").mock(
        return_value=httpx.Response(200, json=message_body(tool_use(INVENTED), stop_reason="tool_use"))
    )
    resources = {
        "brand": BrandResource(path=str(EXAMPLE_BRAND)),
        "warehouse": WarehouseResource(url=warehouse_url),
        "media_store": MediaStoreResource(),
        "llm": LLMResource(backend="anthropic", api_key="sk-ant-test", base_url=BASE_URL, max_retries=0),
        "keyword_ideas": KeywordIdeasResource(),
        "wordpress": WordPressResource(),
    }
    instance = DagsterInstance.ephemeral()
    run = lambda assets, **kw: materialize(assets, resources=resources, instance=instance, **kw)
    assert run([seo_assets.keyword_universe, seo_assets.keyword_clusters]).success
    cluster = instance.get_dynamic_partitions("keyword_clusters")[0]
    written = run([seo_assets.page_briefs, seo_assets.programmatic_pages], partition_key=cluster)
    assert written.success
    sent = json.loads(route.calls[0].request.content)
    system = sent["system"][0]["text"]
    assert "FACTS (the only things you may state about the business):" in system
    assert "Kestrel Cargo, $3,899" in system and "State no number, test, customer count" in system
    meta = written.asset_materializations_for_node("programmatic_pages")[0].metadata
    pages = meta["pages"].value
    assert meta["claims_pages_checked"].value == meta["claims_pages_held"].value == pages >= 3
    assert meta["claims_findings"].value["numeral"] >= 3 * pages
    assert meta["claims_findings"].value["first_person"] >= pages
    site = run([seo_site.page_schema, seo_site.static_site, seo_site.published_pages])
    assert site.success
    with Warehouse(warehouse_url).session() as session:
        statuses = set(session.scalars(select(ProgrammaticPage.status)))
        reports = list(session.scalars(select(SeoPageBrief.gate_report)))
    assert statuses == {"held"}  # none published
    assert all(r["claims"]["passed"] is False and "73" in r["claims"]["summary"] for r in reports)
    built = site.asset_materializations_for_node("static_site")[0].metadata
    assert built["held_by_claims"].value == pages and built["indexed"].value == 0
    queue = (engine_home / "reports" / "page_review_queue.md").read_text()
    assert queue.count("| /") == pages and "numeral '73'" in queue
    html = next((engine_home / "site").glob("services/*/index.html")).read_text()
    assert '<meta name="robots" content="noindex, follow">' in html
    assert "cargo-e-bike-deals" not in (engine_home / "site" / "sitemap.xml").read_text()


def test_an_llm_page_that_restates_facts_passes_the_same_gate(example_brand: BrandProfile) -> None:
    honest = {
        **INVENTED,
        "meta_description": "Cargo e-bike deals: Kestrel Cargo and its price at Kestrel Cycles, with test rides.",
        "intro": [
            (
                "Cargo e-bike deals at Kestrel Cycles: Kestrel Cargo costs $3,899 and carries two kids "
                "or 80 kg of groceries. Test rides are free and need no booking at either store."
            )
        ],
        "sections": [
            {"heading": "Kestrel Cargo", "paragraphs": ["We offer a 30-day return window on new e-bikes."]}
        ],
    }
    brief = {"keyword": "cargo e-bike deals", "hub_keyword": "cargo e-bike", "links": []}
    gate = gate_pages(example_brand, [("ok", brief, honest), ("invented", brief, INVENTED)])
    assert list(gate.held) == ["invented"]
    assert gate.metadata()["claims_pages_checked"] == 2
