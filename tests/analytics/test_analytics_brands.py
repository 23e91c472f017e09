"""The hook variants the bandit picks from are in each brand's language, from its own facts only."""

from __future__ import annotations

import pytest
from vocabulary import examples, leaks

from marketing_engine.publishing.copy import Pitch, brand_sources, pitch_requests
from marketing_engine.resources.llm_offline import OfflineComposer

BRANDS = {brand.slug: brand for brand in examples()}


@pytest.mark.parametrize("name", sorted(BRANDS))
def test_hook_variants_speak_the_brands_language_from_its_facts(name: str) -> None:
    brand = BRANDS[name]
    sources = brand_sources(brand, [], [])[:2]
    for request in pitch_requests(sources, brand):
        variants = OfflineComposer().generate(request, Pitch).data.hook_variants
        assert {"question", "how_to", "bold_claim"} <= set(variants) and "story" not in variants
        assert "?" in variants["question"]
        for text in variants.values():
            assert leaks(text, brand) == {}
        if "statistic" in variants:
            assert any(ch.isdigit() for ch in variants["statistic"])
    expected = {"en": "how it works", "pt": "como funciona"}[brand.language]
    assert expected in variants["how_to"]
