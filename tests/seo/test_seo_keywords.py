"""Keyword expansion, near-duplicate merging and the intent rules (with their labelled accuracy)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketing_engine.seo.intent import INTENTS, IntentRules, accuracy
from marketing_engine.seo.keywords import (
    ExpansionContext,
    KeywordIdea,
    dedupe_key,
    expand_offline,
    expand_seed,
    merge_duplicates,
    singular,
)

DATA = Path(__file__).resolve().parents[1] / "data"


def _context(brand) -> ExpansionContext:
    return ExpansionContext(
        brand.name, [(loc.city, loc.region) for loc in brand.locations], [c.name for c in brand.competitors]
    )


def _rules(brand) -> IntentRules:
    return IntentRules(
        entities=[brand.name, *(c.name for c in brand.competitors), *(p.name for p in brand.products)],
        cities=[loc.city for loc in brand.locations],
    )


def test_case_plural_and_word_order_variants_merge_into_one_keyword() -> None:
    ideas = [
        KeywordIdea(t, "cargo e-bike")
        for t in ["Cargo E-Bikes", "cargo e-bike", "e-bike cargo", "cargo  e-bike!", "Cargo e-bikes for kids"]
    ]
    merged = merge_duplicates(ideas)
    assert [m.text for m in merged] == ["cargo e-bike", "cargo e-bikes for kids"]
    assert merged[0].variants == ["cargo e-bike", "cargo e-bikes", "e-bike cargo"]
    assert singular("batteries") == "battery" and singular("gas") == "gas" and singular("class") == "class"


def test_merging_does_not_depend_on_arrival_order() -> None:
    ideas = [KeywordIdea(t, "s") for t in ["best e-bikes", "E-bike best", "best e-bike"]]
    assert [m.text for m in merge_duplicates(ideas)] == [m.text for m in merge_duplicates(ideas[::-1])]


@given(
    st.lists(
        st.sampled_from(["cargo", "bikes", "bike", "Best", "for", "kids", "near", "me"]),
        min_size=1,
        max_size=5,
    )
)
def test_dedupe_key_ignores_order_case_and_plurals(words: list[str]) -> None:
    assert dedupe_key(" ".join(words)) == dedupe_key(" ".join(reversed(words)).upper())


def test_every_seed_of_the_example_brand_gets_at_least_100_distinct_variations(example_brand) -> None:
    context = _context(example_brand)
    seeds = [*example_brand.seed_topics, *(p.name for p in example_brand.products)]
    for seed in seeds:
        merged = merge_duplicates(expand_seed(seed, context))
        assert len(merged) >= 100, seed
        assert len({m.normalized for m in merged}) == len(merged)
    universe = merge_duplicates(expand_offline(seeds, context))
    assert len(universe) >= 100 * len(seeds) * 0.95  # a few brand-level comparisons are shared by seeds
    texts = {m.text for m in universe}
    assert "kestrel cycles vs voltride" in texts and "cargo e-bike portland" in texts
    assert "how much does cargo e-bike cost" in texts


def test_intent_rules_reach_90_percent_on_the_labelled_set(example_brand) -> None:
    with (DATA / "seo_intent_labelled.csv").open() as handle:
        labelled = [(row["keyword"], row["intent"]) for row in csv.DictReader(handle)]
    assert len(labelled) >= 200
    assert {label for _, label in labelled} == set(INTENTS)
    score, misses = accuracy(_rules(example_brand), labelled)
    assert score >= 0.90, misses
    print(f"intent accuracy {score:.3f} on {len(labelled)} keywords; misses: {misses}")


@pytest.mark.parametrize(
    ("keyword", "intent", "rule"),
    [
        ("kestrel cycles portland", "navigational", "only a site or brand name"),
        ("voltride customer service", "navigational", "login/official-site phrase"),
        ("voltride vs kestrel cycles", "commercial", "comparison or evaluation word"),
        ("how much does a cargo e-bike cost", "informational", "question"),
        ("where to buy a cargo e-bike", "transactional", "buying or booking word"),
        ("e-bike repair seattle", "transactional", "local service in a brand city"),
        ("e-bike classes explained", "informational", "explainer word"),
        ("cargo e-bike tips", "informational", "default: a topic"),
    ],
)
def test_each_rule_explains_its_decision(example_brand, keyword: str, intent: str, rule: str) -> None:
    assert _rules(example_brand).explain(keyword) == (intent, rule)


def test_a_keyword_without_words_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'!!!'"):
        IntentRules().classify("!!!")
