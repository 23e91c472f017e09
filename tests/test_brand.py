from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from marketing_engine.brand import BrandFileError, load_brand
from marketing_engine.settings import EXAMPLE_BRAND


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "brand.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def _example() -> dict:
    return yaml.safe_load(EXAMPLE_BRAND.read_text())


def test_example_brand_loads_with_everything_the_engine_needs():
    brand = load_brand(EXAMPLE_BRAND)
    assert brand.name == "Kestrel Cycles"
    assert len(brand.products) >= 2 and len(brand.locations) >= 2
    assert len(brand.competitors) >= 2 and len(brand.enabled_channels) >= 5
    assert brand.site_url == "https://kestrelcycles.example"
    assert brand.windows_for("linkedin")[0].days == ["tue", "wed", "thu"]
    assert brand.windows_for("x") == brand.posting_windows


@pytest.mark.parametrize(
    ("mutate", "field", "problem"),
    [
        (lambda d: d.pop("name"), "name", "is required but missing"),
        (lambda d: d.update(domain="https://x.com"), "domain", "is not a domain name"),
        (
            lambda d: d["visual_identity"]["palette"].update(primary="teal"),
            "visual_identity.palette.primary",
            "is not a colour",
        ),
        (lambda d: d["audience"].update(timezone="Mars/Olympus"), "audience.timezone", "unknown time zone"),
        (lambda d: d["channels"].update(myspace={"handle": "x"}), "channels.myspace", ""),
        (lambda d: d["channels"]["x"].update(handle=""), "channels.x.handle", "at least 1 character"),
        (lambda d: d["products"][0].update(price=-5), "products[0].price", "greater than or equal to 0"),
        (lambda d: d.update(seed_topics=["a", "A "]), "seed_topics", "listed twice"),
        (
            lambda d: d["posting_windows"][0].update(start="10:00", end="09:00"),
            "posting_windows[0]",
            "overnight window of 23.0 hours",
        ),
        (lambda d: d.update(colour="red"), "colour", "not a known field"),
    ],
)
def test_broken_brand_file_names_file_field_and_problem(tmp_path, mutate, field, problem):
    data = _example()
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(BrandFileError) as raised:
        load_brand(path)
    assert raised.value.path == str(path)
    assert raised.value.field.startswith(field)
    assert problem in raised.value.problem
    assert str(path) in str(raised.value)


def test_missing_file_and_bad_yaml_are_named(tmp_path):
    with pytest.raises(BrandFileError, match="file not found"):
        load_brand(tmp_path / "nope.yaml")
    with pytest.raises(BrandFileError, match="not valid YAML: line 2"):
        load_brand(_write(tmp_path, "name: x\n  bad: [unclosed\n"))
    with pytest.raises(BrandFileError, match="expected a mapping"):
        load_brand(_write(tmp_path, "- a list\n"))


def test_every_example_brand_loads_with_its_locale_currency_and_voice():
    from datetime import date

    from marketing_engine.brand import load_brand
    from marketing_engine.settings import PROJECT_ROOT

    tasca = load_brand(PROJECT_ROOT / "examples" / "tasca-da-conceicao.yaml")
    assert tasca.slug == "tasca-da-conceicao" and tasca.language == "pt"
    assert tasca.currency_code == "EUR" and tasca.voice_language == "pt-pt"
    assert tasca.price_of(tasca.products[0]) == "21,50\xa0€"
    assert tasca.date(date(2026, 11, 30)) == "30 de novembro de 2026"
    assert [author.slug for author in tasca.authors] == ["ines-araujo", "joao-goncalves"]
    tally = load_brand(PROJECT_ROOT / "examples" / "tallybird.yaml")
    assert tally.currency_code == "GBP" and tally.price_of(tally.products[0]) == "£9 per user per month"
    assert tally.voice_language == "en-gb" and tally.facts.publishable_quotes


def test_slugs_transliterate_and_never_come_out_empty():
    from marketing_engine.brand import parse_brand, slug

    assert slug("Alinhadores Invisíveis") == "alinhadores-invisiveis"
    assert slug("Inês") == "ines" and slug("Atlântico") == "atlantico"
    data = yaml.safe_load((Path(__file__).parent.parent / "brand.example.yaml").read_text())
    data["name"] = "🐙🐙"
    assert parse_brand(data).slug == "kestrelcycles-example"


def test_an_unknown_currency_or_locale_names_the_field():
    from marketing_engine.brand import BrandFileError, parse_brand

    data = yaml.safe_load((Path(__file__).parent.parent / "brand.example.yaml").read_text())
    with pytest.raises(BrandFileError, match="currency: 'EURO' is not an ISO 4217"):
        parse_brand({**data, "currency": "EURO"})
    with pytest.raises(BrandFileError, match="audience.locale"):
        parse_brand({**data, "audience": {**data["audience"], "locale": "xx-YY-zzzzzzzzzzz"}})
