"""Trust pages and signals: about, contact and author pages, bylines that resolve, dates that match the
JSON-LD, sources only where one of the brand's cited sources is on the page's topic, the owner's facts
beside the page, and the E-E-A-T audit of the built site."""

from __future__ import annotations

import json
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from marketing_engine.brand import BrandFileError, parse_brand
from marketing_engine.outreach.eeat import audit_site, site_files
from marketing_engine.seo import schema, trust
from marketing_engine.seo.site import SiteBuilder


@pytest.fixture(scope="module")
def site(example_brand, site_inputs, tmp_path_factory):
    pages, hubs = site_inputs
    out = tmp_path_factory.mktemp("trust-site")
    return SiteBuilder(example_brand).build(pages, hubs, out), pages, hubs


def _tree(out: Path, path: str):
    return lxml.html.fromstring((out / path.strip("/") / "index.html").read_text(encoding="utf-8"))


def _json_ld(tree) -> list[dict]:
    return [json.loads(s.text) for s in tree.xpath("//script[@type='application/ld+json']")]


def _brand_without(example_brand, **changes):
    data = example_brand.model_dump(mode="json")
    data.update(changes)
    return parse_brand({k: v for k, v in data.items() if v is not None})


def test_about_contact_and_author_pages_exist_are_linked_from_every_page_and_in_the_sitemap(
    site, example_brand
) -> None:
    build, pages, hubs = site
    out = build.out_dir
    authors = [f"/authors/{a.slug}/" for a in example_brand.authors]
    assert authors == ["/authors/dana-okafor/", "/authors/theo-marsh/"]
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = set(etree.parse(str(out / "sitemap.xml")).getroot().xpath("//s:loc/text()", namespaces=ns))
    for path in ["/about/", "/contact/", *authors]:
        assert (out / path.strip("/") / "index.html").is_file(), path
        assert f"https://{example_brand.domain}{path}" in locs
    for path in [p.path for p in pages] + [h.path for h in hubs] + ["/", "/topics/"]:
        footer = _tree(out, path).xpath("//footer//a/@href")
        assert "/about/" in footer and "/contact/" in footer, path
    about = _tree(out, "/about/")
    assert example_brand.description[:60] in about.text_content()
    assert set(about.xpath("//main//a/@href")) >= set(authors)
    assert "Kestrel Cargo" in about.text_content() and "$3,899" in about.text_content()


def test_contact_page_has_name_address_phone_email_and_contact_points(site, example_brand) -> None:
    build, _, _ = site
    contact = _tree(build.out_dir, "/contact/")
    text = " ".join(" ".join(a.itertext()) for a in contact.xpath("//address"))
    text = " ".join(text.split())
    for loc in example_brand.locations:
        assert f"{loc.address.street} {loc.city}, {loc.region} {loc.address.postal_code}" in text
        assert f"tel:{loc.phone}" in contact.xpath("//main//a/@href")
    assert "mailto:maya@kestrelcycles.example" in contact.xpath("//main//a/@href")
    blocks = _json_ld(contact)
    assert [b["@type"] for b in blocks] == ["Organization", "Organization", "LocalBusiness", "LocalBusiness"]
    assert schema.validate(blocks) == []
    points = blocks[1]["contactPoint"]
    assert {p.get("telephone") for p in points} >= {"+1-503-555-0142", "+1-206-555-0178"}
    assert {"email": "maya@kestrelcycles.example"}.items() <= points[-1].items()
    assert {b["address"]["postalCode"] for b in blocks[2:]} == {"97214", "98105"}


def test_every_byline_links_to_a_built_author_page_named_in_the_article_json_ld(site, example_brand) -> None:
    build, pages, _ = site
    out, signed = build.out_dir, set()
    for page in pages:
        tree = _tree(out, page.path)
        href = tree.xpath("//p[contains(@class, 'byline')]/a[@rel='author']/@href")
        assert len(href) == 1 and (out / href[0].strip("/") / "index.html").is_file(), page.path
        article = next(b for b in _json_ld(tree) if b["@type"] == "Article")
        assert article["author"]["@type"] == "Person"
        assert article["author"]["url"] == f"https://{example_brand.domain}{href[0]}"
        assert _tree(out, href[0]).xpath("//h1/text()") == [article["author"]["name"]]
        author_page = _tree(out, href[0]).xpath("//main//a/@href")
        if page.path not in build.noindex:
            assert page.path in author_page  # the author page lists what they signed and published
        signed.add(href[0])
    # the example clusters (cargo, battery care) are the head mechanic's expertise; commuting is the editor's
    assert signed == {"/authors/dana-okafor/"}
    assert trust.author_for(example_brand, "electric bike commuting in the rain").name == "Theo Marsh"


def test_visible_dates_match_the_json_ld_and_hubs_date_from_their_newest_article(site) -> None:
    build, pages, hubs = site
    out = build.out_dir
    for page in pages:
        tree = _tree(out, page.path)
        shown = tree.xpath("//p[contains(@class, 'byline')]/time/@datetime")
        article = next(b for b in _json_ld(tree) if b["@type"] == "Article")
        assert shown == [article["datePublished"], article["dateModified"]]
        assert shown == [page.published.isoformat(), page.modified.isoformat()]
    for hub in hubs:
        members = [p for p in pages if p.cluster_slug == hub.slug]
        tree = _tree(out, hub.path)
        collection = next(b for b in _json_ld(tree) if b["@type"] == "CollectionPage")
        shown = tree.xpath("//p[contains(@class, 'byline')]/time/@datetime")
        assert shown == [collection["datePublished"], collection["dateModified"]]
        assert collection["dateModified"] == max(p.modified for p in members).isoformat()
        assert collection["author"]["@type"] == "Person"
        assert members[0].draft["title"] in tree.xpath("//main/p[not(@class)]")[0].text_content()


def test_sources_appear_only_where_a_cited_source_is_on_the_topic(site, example_brand) -> None:
    build, pages, _ = site
    battery = next(p for p in pages if "battery" in p.keyword)
    cited = _tree(build.out_dir, battery.path).xpath("//section[contains(@class, 'sources')]//a/@href")
    assert "https://www.cpsc.gov/node/65775" in cited
    assert all(href.startswith("https://") for href in cited)
    assert trust.references_for(example_brand, "sourdough starter", "bakery near me") == []
    commuting = [r.url for r in trust.references_for(example_brand, "electric bike commuting portland")]
    assert "https://oregon.public.law/statutes/ors_801.258" in commuting
    cargo = {r.url for r in trust.references_for(example_brand, "kestrel cargo review")}
    assert (
        "https://www.ecfr.gov/current/title-16/chapter-II/subchapter-B/part-1512" in cargo
    )  # a cargo e-bike
    assert trust.references_for(example_brand, "mobile repair van deals") == []  # flats and brakes: no source
    assert [r.title for r in trust.references_for(example_brand, "e-bike tax credit")] == [
        "H.R.1019 — E-BIKE Act, as introduced (117th Congress)",
        "H.R.1685 — E-BIKE Act, as introduced (118th Congress)",
    ]
    no_sources = _brand_without(
        example_brand, facts={**example_brand.facts.model_dump(mode="json"), "sources": []}
    )
    assert trust.references_for(no_sources, "e-bike battery care") == []


def test_the_owner_facts_stand_beside_the_page_and_quotes_only_with_permission(site, example_brand) -> None:
    build, pages, _ = site
    location = next(p for p in pages if p.page_type == "Location")
    box = _tree(build.out_dir, location.path).xpath("//section[contains(@class, 'facts')]")[0]
    text = " ".join(box.text_content().split())
    assert "30-day return window on new e-bikes" in text and "Bosch certified service center" in text
    assert "Test rides are free and need no booking at either store." in text  # statements on location pages
    assert (
        "More than 4,000 e-bikes serviced since 2015 (source: Kestrel Cycles workshop records, 2025)." in text
    )
    assert "The van fixed my flat" in text and "Jordan P., Seattle commuter" in text
    facts = example_brand.facts.model_dump(mode="json")
    facts["quotes"][0]["permission"] = False
    unsigned = _brand_without(example_brand, facts=facts)
    assert trust.fact_box(unsigned, "Location", "cargo e-bike portland")["quote"] is None


def test_a_page_no_reference_or_price_matches_shows_no_sources_and_no_table(
    example_brand, site_inputs
) -> None:
    pages, _ = site_inputs
    page = pages[0]
    bakery = _brand_without(
        example_brand,
        products=[{"name": "Rye loaf", "description": "Sourdough rye, baked daily."}],
        locations=[],
    )
    stranger = type(page)(**{**page.__dict__, "keyword": "sourdough rye", "cluster_name": "Bread"})
    html = SiteBuilder(bakery).render_page(stranger, True, set())
    tree = lxml.html.fromstring(html)
    assert not tree.xpath("//section[contains(@class, 'sources')]") and not tree.xpath("//table")


def test_authors_fall_back_to_the_outreach_sender_then_to_the_brand(example_brand, tmp_path) -> None:
    no_staff = _brand_without(example_brand, authors=[])
    assert [(a.name, a.role) for a in no_staff.site_authors] == [("Maya Chen", "Editor")]
    anonymous = _brand_without(example_brand, authors=[], outreach=None)
    assert anonymous.site_authors == []
    by = trust.byline(anonymous, trust.author_for(anonymous, "cargo e-bike"))
    assert by["path"] == "/about/" and by["json_ld"]["@type"] == "Organization"
    assert SiteBuilder(anonymous).trust_paths() == ["/about/", "/contact/"]


def test_an_author_without_a_name_names_the_field(example_brand) -> None:
    data = example_brand.model_dump(mode="json")
    data["authors"] = [{"role": "Mechanic"}]
    with pytest.raises(BrandFileError, match=r"authors\[0\]\.name: is required"):
        parse_brand(data)


def test_a_cited_source_without_an_http_url_is_refused_by_name(example_brand) -> None:
    facts = example_brand.facts.model_dump(mode="json")
    facts["sources"] = [{"title": "T", "url": "ftp://x.example/a"}]
    with pytest.raises(
        BrandFileError, match=r"facts\.sources\[0\]\.url: 'ftp://x.example/a' is not an http\(s\) URL"
    ):
        _brand_without(example_brand, facts=facts)


def test_the_eeat_audit_of_the_built_site_finds_every_site_signal(site, example_brand) -> None:
    build, pages, _ = site
    audit = audit_site(site_files(build.out_dir, example_brand.site_url))
    assert audit.site_signals == {"about": True, "contact": True, "authors": True}
    articles = [p for p in audit.pages if "/topics/" not in p.url]
    assert len(articles) == len(pages)  # noindex pages too: their bylines, dates and authors are there
    assert all(p.signals["byline"] and p.signals["author_page"] and p.signals["date"] for p in audit.pages)
    # eeat's "original data" signal looks for first-person phrasing ("our records"); the pages state the
    # owner's figures with their source instead, so that is the one signal they may miss
    missed = {reason for p in articles for reason in p.reasons}
    assert missed <= {"no original data (figures the brand measured)"}, missed
    assert all(p.signals["citations"] or p.url.rstrip("/").split("/")[-2] != "guides" for p in articles)
