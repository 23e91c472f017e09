"""The copy analytics makes for its experiments is in each brand's language, from its own products."""

from __future__ import annotations

import pytest
from vocabulary import examples, leaks

from marketing_engine.analytics.loop import _experiment_subjects
from marketing_engine.warehouse import Warehouse

BRANDS = {brand.slug: brand for brand in examples()}


@pytest.mark.parametrize("name", sorted(BRANDS))
def test_call_to_action_variants_name_the_brands_products_in_its_language(name: str, tmp_path) -> None:
    brand = BRANDS[name]
    warehouse = Warehouse(f"sqlite:///{tmp_path / 'w.sqlite'}")
    subjects = _experiment_subjects(warehouse, brand.slug, brand)
    warehouse.dispose()
    assert [s[0] for s in subjects] == [f"cta:{p.slug}" for p in brand.products[:3]]
    for _, product, plain, named in subjects:
        assert product in named and leaks(f"{plain} {named}", brand) == {}
    expected = {"en": "Learn more", "pt": "Saiba mais"}[brand.language]
    assert {s[2] for s in subjects} == {expected}
