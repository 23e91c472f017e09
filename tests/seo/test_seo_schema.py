"""The JSON-LD of the whole built site against the types Google still rewards on a brand's site:
Organization, WebSite, LocalBusiness (with opening hours), Product with an Offer, Article and
BreadcrumbList — and no FAQPage or HowTo anywhere, while the FAQ stays on the page."""

from __future__ import annotations

from collections import Counter
from datetime import date, time
from pathlib import Path

import extruct
import lxml.html
import pytest

from marketing_engine.brand import BrandProfile, parse_brand
from marketing_engine.seo import schema
from marketing_engine.seo.site import SiteBuilder

WEEK = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@pytest.fixture(scope="module")
def built_site(example_brand, site_inputs, tmp_path_factory):
    pages, hubs = site_inputs
    out = tmp_path_factory.mktemp("schema-site")
    build = SiteBuilder(example_brand).build(pages, hubs, out)
    return build, pages, hubs


def _blocks(out: Path, path: str) -> list[dict]:
    html = (out / path.strip("/") / "index.html").read_text(encoding="utf-8")
    return extruct.extract(html, syntaxes=["json-ld"], uniform=False)["json-ld"]


def _types(blocks: list[dict]) -> list[str]:
    return [b["@type"] for b in blocks]


def test_no_page_of_the_site_carries_faq_or_howto_json_ld_and_every_block_is_valid(
    built_site, example_brand
) -> None:
    build, pages, hubs = built_site
    files = sorted(build.out_dir.rglob("index.html"))
    trust_pages = len(SiteBuilder(example_brand).trust_paths())
    assert len(files) == len(pages) + len(hubs) + trust_pages + 2  # + home and the topics index
    seen: Counter = Counter()
    for file in files:
        path = "/" + str(file.parent.relative_to(build.out_dir)).strip(".") + "/"
        blocks = _blocks(build.out_dir, path.replace("//", "/"))
        seen.update(_types(blocks))
        assert not {"FAQPage", "HowTo"} & set(_types(blocks)), file
        assert schema.validate(blocks) == [], file
    assert seen["FAQPage"] == seen["HowTo"] == 0
    assert {"Article", "BreadcrumbList", "Organization", "WebSite", "LocalBusiness", "Product"} <= set(seen)


def test_content_pages_carry_article_breadcrumbs_organization_and_keep_their_faq_visible(
    built_site, example_brand
) -> None:
    build, pages, _ = built_site
    heading = SiteBuilder(example_brand).t["faq"]
    shown = 0
    for page in pages:
        blocks = _blocks(build.out_dir, page.path)
        assert _types(blocks)[:3] == ["Article", "BreadcrumbList", "Organization"], page.path
        article = blocks[0]
        assert article["datePublished"] == page.published.isoformat()
        assert article["author"]["url"].startswith("https://")
        crumbs = blocks[1]["itemListElement"]
        assert [c["position"] for c in crumbs] == [1, 2, 3] and crumbs[-1]["item"].endswith(page.path)
        tree = lxml.html.fromstring(build.html[page.path])
        for section in tree.xpath(f"//section[h2={_xpath_literal(heading)}]"):
            questions = section.xpath("./h3")
            answers = section.xpath("./p")
            assert questions and len(answers) == len(questions)  # each question answered, on the page
            shown += len(questions)
    assert shown > 0


def _xpath_literal(text: str) -> str:
    return f'"{text}"' if '"' not in text else f"'{text}'"


def test_location_pages_name_the_store_with_its_address_phone_and_opening_hours(
    built_site, example_brand: BrandProfile
) -> None:
    build, pages, _ = built_site
    stores = {loc.city: loc for loc in example_brand.locations}
    found = 0
    for page in (p for p in pages if p.page_type == "Location"):
        for block in (b for b in _blocks(build.out_dir, page.path) if b["@type"] == "LocalBusiness"):
            location = stores[block["address"]["addressLocality"]]
            assert block["address"]["streetAddress"] == location.address.street
            assert block["telephone"] == location.phone
            assert block["@id"].startswith(f"https://{example_brand.domain}/contact/#")
            expected = [
                {
                    "@type": "OpeningHoursSpecification",
                    "dayOfWeek": [
                        WEEK[["mon", "tue", "wed", "thu", "fri", "sat", "sun"].index(d)] for d in h.days
                    ],
                    "opens": h.opens.strftime("%H:%M"),
                    "closes": h.closes.strftime("%H:%M"),
                }
                for h in location.hours
            ]
            assert expected and block["openingHoursSpecification"] == expected
            found += 1
    assert found > 0
    portland = schema.opening_hours(stores["Portland"].hours)
    assert portland[0] == {
        "@type": "OpeningHoursSpecification",
        "dayOfWeek": ["Tuesday", "Wednesday", "Thursday", "Friday"],
        "opens": "10:00",
        "closes": "18:00",
    }


def test_service_pages_offer_the_product_the_page_is_about_at_the_brands_price(
    built_site, example_brand: BrandProfile
) -> None:
    build, pages, _ = built_site
    prices = {p.name: p.price for p in example_brand.products}
    offered = 0
    for page in (p for p in pages if p.page_type == "Service"):
        for block in (b for b in _blocks(build.out_dir, page.path) if b["@type"] == "Product"):
            offer = block["offers"]
            assert float(offer["price"]) == prices[block["name"]]
            assert offer["priceCurrency"] == "USD" and "availability" not in offer
            assert block["name"].split()[-1].lower() in page.keyword.lower() or any(
                word in page.keyword.lower() for word in block["description"].lower().split() if len(word) > 4
            )
            offered += 1
    assert offered > 0


def test_hubs_home_and_contact_pages(built_site, example_brand: BrandProfile) -> None:
    build, _, hubs = built_site
    out = build.out_dir
    hub = hubs[0]
    blocks = _blocks(out, hub.path)
    assert _types(blocks) == ["Organization", "CollectionPage", "BreadcrumbList"]
    trail = blocks[2]["itemListElement"]
    assert [c["item"] for c in trail] == [
        f"https://{example_brand.domain}/",
        f"https://{example_brand.domain}/topics/",
        f"https://{example_brand.domain}{hub.path}",
    ]
    home = _blocks(out, "/")
    assert _types(home) == ["Organization", "WebSite"]
    assert home[1]["name"] == example_brand.name and home[1]["url"] == f"https://{example_brand.domain}/"
    contact = _blocks(out, "/contact/")
    assert _types(contact) == ["Organization", "Organization", "LocalBusiness", "LocalBusiness"]
    assert contact[1]["foundingDate"] == str(example_brand.facts.founded)
    assert all(b["openingHoursSpecification"] for b in contact[2:])
    assert len({b["@id"] for b in contact[2:]}) == 2


def test_validation_refuses_faq_howto_and_an_offer_without_price() -> None:
    faq = {"@context": "https://schema.org", "@type": "FAQPage", "mainEntity": [{"@type": "Question"}]}
    assert schema.validate([faq]) == [
        "FAQPage: Google shows no rich result for it on this site; keep the content on the page"
    ]
    howto = {"@context": "https://schema.org", "@type": "HowTo", "name": "x"}
    assert schema.validate([howto])[0].startswith("HowTo: Google shows no rich result")
    product = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": "P",
        "offers": {"@type": "Offer", "price": "10.00"},
    }
    assert schema.validate([product]) == ["Product: the Offer needs price and priceCurrency"]
    assert schema.rich_result_types([faq, howto, {"@type": "CollectionPage"}, {"@type": "Article"}]) == [
        "Article"
    ]
    assert all(
        url.startswith("https://developers.google.com/search/") for url in schema.RICH_RESULT_DOCS.values()
    )


def test_a_store_without_hours_or_address_says_only_what_the_brand_file_holds(example_brand) -> None:
    ctx = schema.SchemaContext(
        "https://b.example",
        "B",
        "https://b.example/logo.svg",
        "https://b.example/p/",
        "P",
        "https://b.example/i.svg",
        date(2026, 1, 1),
        date(2026, 1, 2),
        [],
    )
    bare = {"city": "Lisboa", "region": "Lisboa", "address": {"street": "Rua A 1", "postal_code": "1100-001"}}
    block = schema.local_business(ctx, bare)
    assert block and "openingHoursSpecification" not in block and "telephone" not in block
    assert schema.local_business(ctx, {"city": "Porto", "region": "Porto"}) is None
    hours = [{"days": ["sat"], "opens": time(9, 30), "closes": time(13, 0)}]
    assert schema.local_business(ctx, bare | {"hours": hours})["openingHoursSpecification"] == [
        {"@type": "OpeningHoursSpecification", "dayOfWeek": ["Saturday"], "opens": "09:30", "closes": "13:00"}
    ]
    data = example_brand.model_dump(mode="json")
    data["locations"] = [{k: v for k, v in loc.items() if k != "hours"} for loc in data["locations"]]
    plain = parse_brand({k: v for k, v in data.items() if v is not None})
    builder = SiteBuilder(plain)
    assert all(
        "openingHoursSpecification" not in schema.local_business(ctx, loc.model_dump())
        for loc in builder.brand.locations
    )
