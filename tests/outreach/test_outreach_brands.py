"""Outreach for every example brand (three trades, two languages): journalist queries on its own topics
from neutral outlets, pitches and emails written only from its facts in its language, sample sites
generated from its file, and the claims gate with nothing to hold."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from types import SimpleNamespace

import pytest
from dagster import AssetsDefinition, DagsterInstance, materialize
from sqlalchemy import select
from vocabulary import EXAMPLE_FILES, examples, leaks

from marketing_engine.assets import outreach
from marketing_engine.assets.brand import brand_profile
from marketing_engine.brand import BrandProfile, slug
from marketing_engine.outreach.emails import OutreachGate, partnership_email, prospect_email
from marketing_engine.outreach.pitches import brand_pages, compose_pitch, finalize, pitch_request
from marketing_engine.outreach.sample_sites import write_sample_world
from marketing_engine.outreach.sequences import Identity, build_email
from marketing_engine.outreach.simulator import _queries
from marketing_engine.resources.ad_library import AdLibraryResource
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.crawler import CrawlerResource
from marketing_engine.resources.llm import LLMResource
from marketing_engine.resources.mail import MailResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.social_discovery import SocialDiscoveryResource, simulated_creators
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import OutreachSequence, Pitch

BRANDS = {brand.slug: brand for brand in examples()}
FILES = dict(zip((b.slug for b in examples()), EXAMPLE_FILES, strict=True))
NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)
ENGLISH = re.compile(
    r"\b(Happy to answer|The details are here|Your page|Would you like|Hi,|Not interested)\b"
)


def _pitches(brand: BrandProfile) -> list[tuple[dict, object]]:
    queries = _queries(brand, random.Random(7), NOW)[:4]  # the on-topic ones
    pages = brand_pages(brand)
    made = []
    for n, query in enumerate(queries):
        row = {**query, "query_key": f"k{n}", "requirements": "", "word_limit": query["limit"]}
        request = pitch_request(row, brand, pages)
        draft = compose_pitch(request, random.Random(n))
        cited = [p["url"] for p in request.inputs["pages"]]
        made.append(
            (row, finalize(draft["subject"], draft["body"], row["word_limit"], cited, brand.language))
        )
    return made


@pytest.mark.parametrize("name", sorted(BRANDS))
def test_journalist_queries_are_on_the_brands_topics_from_neutral_outlets(name: str) -> None:
    brand = BRANDS[name]
    queries = _queries(brand, random.Random(1), NOW)
    on_topic = [q for q in queries if any(t in q["topic"] or t in q["details"] for t in brand.seed_topics)]
    assert len(on_topic) == min(4, len(brand.seed_topics)) and len(queries) == len(on_topic) + 2
    for query in queries:
        assert leaks(f"{query['topic']} {query['details']} {query['outlet']}", brand) == {}
        other_names = {w for b in examples() if b is not brand for w in slug(b.name).split("-") if len(w) > 3}
        assert not set(slug(query["outlet"]).split("-")) & other_names
    cities = {location.city for location in brand.locations}
    assert (
        any(city in q["outlet"] for q in queries for city in cities)
        or len({q["outlet"] for q in queries}) > 1
    )


@pytest.mark.parametrize("name", sorted(BRANDS))
def test_offline_pitches_state_only_brand_facts_in_its_language(name: str) -> None:
    brand = BRANDS[name]
    for query, draft in _pitches(brand):
        assert draft.word_count <= query["word_limit"] and draft.cited_urls[0] in draft.body
        evidence = [query["topic"], query["details"], query["outlet"]]
        gate = OutreachGate()
        assert gate.check(query["reply_to"], f"{draft.subject}\n{draft.body}", brand, evidence), gate.reasons
        assert leaks(draft.body, brand) == {}
        assert brand.name in draft.body and (brand.outreach.sender_name in draft.body)
        if brand.language == "pt":
            assert not ENGLISH.search(draft.body) and re.search(
                r"\b(reportagem|detalhes|factos)\b", draft.body
            )


@pytest.mark.parametrize("name", sorted(BRANDS))
def test_prospect_and_partnership_emails_pass_the_gate_in_the_brands_language(name: str) -> None:
    brand = BRANDS[name]
    topic = brand.seed_topics[0]
    page = f"{brand.site_url}/guides/{slug(topic)}"
    broken = SimpleNamespace(
        kind="broken_link",
        site="guide.example",
        page_url="https://guide.example/resources",
        broken_url="https://old.example/x",
        anchor=topic.capitalize(),
        suggested_title=topic.capitalize(),
        suggested_url=page,
        reason="HTTP 410",
    )
    resource = SimpleNamespace(**{**vars(broken), "kind": "resource_page", "broken_url": "", "anchor": ""})
    creator = simulated_creators(brand.seed_topics, 0, brand.language)[0]
    gate = OutreachGate()
    texts = []
    for label, (subject, body), evidence in (
        ("broken", prospect_email(broken, brand), [broken.anchor, broken.site, broken.reason]),
        ("resource", prospect_email(resource, brand), [resource.suggested_title, resource.site]),
        ("partnership", partnership_email(creator, brand), [creator.name, creator.handle]),
    ):
        assert gate.check(label, f"{subject}\n{body}", brand, evidence), gate.reasons
        texts.append(f"{subject}\n{body}")
    assert gate.checked == 3 and gate.held == 0 and sum(gate.findings.values()) == 0
    text = "\n".join(texts)
    assert leaks(text, brand) == {} and page in text and "410" in text
    if brand.language == "pt":
        assert not ENGLISH.search(text) and "ligação" in text


def test_the_gate_holds_an_outreach_email_with_an_invented_figure() -> None:
    brand = BRANDS["tallybird"]
    gate = OutreachGate()
    assert not gate.check("x", "Our customers save 37% of their week with Tallybird.", brand)
    assert gate.held == 1 and gate.findings["numeral"] >= 1 and "37" in gate.reasons[0]


def test_emails_greet_and_offer_the_opt_out_in_the_brands_language() -> None:
    brand = BRANDS["tasca-da-conceicao"]
    out = brand.outreach
    identity = Identity(
        brand.slug, out.sender_name, out.sender_email, out.postal_address, brand.domain, 5, "pt"
    )
    sequence = SimpleNamespace(
        id=1,
        recipient="ana@x.example",
        recipient_name="Ana Ribeiro",
        subject="Olá",
        body="Texto.",
        campaign_slug="c",
    )
    first = build_email(identity, sequence, 0, None, NOW).get_content()
    follow = build_email(identity, sequence, 1, "<a@b>", NOW).get_content()
    assert first.startswith("Olá Ana,") and "Não tem interesse?" in first and "Inês Araújo" in first
    assert "Volto a enviar" in follow
    reply = message_from_bytes(
        b"From: ana@x.example\nTo: ines@x.example\nSubject: cancelar\n\nok\n", policy=policy.default
    )
    from marketing_engine.outreach.sequences import classify

    assert classify(reply, identity).kind == "unsubscribe"


@pytest.mark.parametrize("name", sorted(BRANDS))
def test_sample_sites_are_generated_from_the_brand_file_alone(name: str, tmp_path: Path) -> None:
    brand = BRANDS[name]
    world = write_sample_world(brand, tmp_path)
    assert set(world.sites) >= {c.domain for c in brand.competitors}
    html = "\n".join(p.read_text() for p in world.root.rglob("*.html"))
    assert leaks(html, brand) == {}
    assert f'lang="{brand.language}"' in html and brand.seed_topics[0] in html
    again = write_sample_world(brand, tmp_path)
    assert again.root == world.root and len(list(tmp_path.iterdir())) == 1  # written once per brand file


ASSETS = [brand_profile] + [v for v in vars(outreach).values() if isinstance(v, AssetsDefinition)]
TFIDF = {"config": {"relevance_method": "tfidf"}}
RUN_CONFIG = {"ops": {name: TFIDF for name in ("journalist_queries", "influencers", "communities")}}


@pytest.mark.parametrize("name", sorted(BRANDS))
def test_outreach_group_for_each_brand_sends_only_gated_mail_in_its_language(
    name: str, tmp_path: Path
) -> None:
    brand = BRANDS[name]
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    result = materialize(
        ASSETS,
        resources={
            "brand": BrandResource(path=str(FILES[name])),
            "warehouse": WarehouseResource(url=url),
            "llm": LLMResource(backend="offline"),
            "crawler": CrawlerResource(per_host_rate=50.0),
            "mail": MailResource(inbox_dir=str(tmp_path / "inbox"), outbox_dir=str(tmp_path / "outbox")),
            "ad_library": AdLibraryResource(),
            "social_discovery": SocialDiscoveryResource(),
            "media_store": MediaStoreResource(),  # eeat_audit reads the built site's archive from it
        },
        instance=DagsterInstance.ephemeral(),
        run_config=RUN_CONFIG,
    )
    assert result.success
    pitches = result.asset_materializations_for_node("pitches")[0].metadata
    sequences = result.asset_materializations_for_node("outreach_sequences")[0].metadata
    assert pitches["pitches"].value > 0 and pitches["claims_held"].value == 0
    assert sequences["claims_checked"].value > 0 and sequences["claims_held"].value == 0
    warehouse = Warehouse(url)
    with warehouse.session() as session:
        kinds = {s.kind for s in session.scalars(select(OutreachSequence))}
        assert {p.status for p in session.scalars(select(Pitch))} == {"ready"}
    warehouse.dispose()
    assert {"pitch", "broken_link", "resource_page"} <= kinds
    queries = result.asset_materializations_for_node("journalist_queries")[0].metadata
    assert queries["fresh_queries"].value == 5 and queries["relevant"].value == min(4, len(brand.seed_topics))
    mail = [
        message_from_bytes(p.read_bytes(), policy=policy.default) for p in (tmp_path / "outbox").glob("*.eml")
    ]
    text = "\n".join(f"{m['Subject']}\n{m.get_body(('plain',)).get_content()}" for m in mail)
    assert mail and leaks(text, brand) == {}
    if brand.language == "pt":
        assert not ENGLISH.search(text) and "Olá" in text


def test_relevance_reads_other_languages_with_character_ngrams() -> None:
    from marketing_engine.outreach.relevance import method_for, relevance_scores

    assert method_for("en", "minilm") == "minilm" and method_for("pt", "minilm") == "tfidf"
    brand = BRANDS["tasca-da-conceicao"]
    queries = _queries(brand, random.Random(1), NOW)
    texts = [f"{q['topic']}. {q['details']}" for q in queries]
    scores = relevance_scores(texts, [*brand.seed_topics, brand.description], method_for("pt", "minilm"))
    on_topic = [any(t in x for t in brand.seed_topics) for x in texts]
    assert min(s for s, on in zip(scores, on_topic, strict=True) if on) > 0.25
    assert max(s for s, on in zip(scores, on_topic, strict=True) if not on) < 0.25


def test_a_pitch_carries_only_the_facts_that_bear_on_the_query() -> None:
    brand = BRANDS["tasca-da-conceicao"]
    query = {
        "query_key": "k",
        "topic": "Quanto custa, de facto, bacalhau à brás",
        "details": "Procura-se especialistas em bacalhau à brás.",
        "requirements": "",
        "outlet": "Revista Porto",
        "journalist": "Ana Ribeiro",
        "word_limit": 150,
    }
    inputs = pitch_request(query, brand, brand_pages(brand)).inputs
    assert inputs["product"]["name"] == "Bacalhau à Brás" and inputs["product"]["price"] == brand.money(16)
    assert all("polvo" not in fact.lower() for fact in inputs["facts"])
