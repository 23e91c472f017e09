"""Trust signals of the site, all from the brand file: who wrote a page (bylines, author pages), which
outside sources back it (`facts.sources`, by topic), and the brand's own figures (its price list,
addresses, phones and opening hours) shown as tables.

Nothing here invents a claim: a brand without authors signs as itself, a page whose topic matches no
cited source cites nothing, a brand without prices or addresses shows no table.
"""

from __future__ import annotations

import zlib
from typing import Any

from marketing_engine.brand import Author, BrandProfile, CitedSource
from marketing_engine.seo.factsheet import sheet_for
from marketing_engine.seo.keywords import word_set

MAX_SOURCES = 4
MAX_PRICE_ROWS = 4


def _words(brand: BrandProfile, *texts: str) -> set[str]:
    return set().union(*(word_set(t, brand.language) for t in texts)) if texts else set()


def references_for(brand: BrandProfile, *texts: str) -> list[CitedSource]:
    """The brand's cited sources whose topic is wholly inside the page's keyword/topic texts (a source
    without topics fits every page). A page about one of the brand's products (its whole name in the
    keyword) is also about what the brand file says the product is: a product's description names what it is."""
    words = _words(brand, *texts)
    for product in brand.products:
        if word_set(product.name, brand.language) <= words:
            words |= word_set(f"{product.name} {product.description}", brand.language)
    found = []
    for source in brand.facts.sources:
        topics = [word_set(topic, brand.language) for topic in source.topics]
        if not topics or any(topic and topic <= words for topic in topics):
            found.append(source)
    return found[:MAX_SOURCES]


def author_for(brand: BrandProfile, *texts: str) -> Author | None:
    """The author whose expertise shares most words with the page; ties spread by the topic's hash.
    None: the brand has no people on file and signs the page itself."""
    authors = brand.site_authors
    if not authors:
        return None
    words = _words(brand, *texts)
    overlap = [len(words & _words(brand, " ".join(a.expertise))) for a in authors]
    best = [a for a, n in zip(authors, overlap) if n == max(overlap)]
    return best[zlib.crc32(" ".join(texts).encode()) % len(best)]


def byline(brand: BrandProfile, author: Author | None) -> dict[str, Any]:
    """What the byline shows and links to, and the JSON-LD `author` behind it."""
    site = brand.site_url
    if author is None:
        return {
            "name": brand.name,
            "role": "",
            "path": "/about/",
            "json_ld": {"@type": "Organization", "name": brand.name, "url": f"{site}/about/"},
        }
    path = f"/authors/{author.slug}/"
    return {
        "name": author.name,
        "role": author.role,
        "path": path,
        "json_ld": {"@type": "Person", "name": author.name, "url": site + path, "jobTitle": author.role},
    }


def price_rows(brand: BrandProfile, *texts: str) -> list[dict[str, str]]:
    """The brand's priced products that share a telling word with the page, closest first, in the
    brand's currency and number format."""
    _, sheet = sheet_for(brand)
    words = _words(brand, *texts) - sheet.common - sheet.stopwords
    scored = [
        (len(words & (word_set(f"{p.name} {p.description}", brand.language) - sheet.common)), index, p)
        for index, p in enumerate(brand.products)
        if p.price is not None
    ]
    chosen = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1]))[:MAX_PRICE_ROWS]
    return [
        {"name": p.name, "kind": p.kind, "price": brand.price_of(p), "path": p.url_path or ""}
        for _, _, p in sorted(chosen, key=lambda s: s[1])
    ]


def location_rows(brand: BrandProfile, *texts: str, every: bool = False) -> list[dict[str, str]]:
    """Locations with a street address: every one (about/contact), else the ones the page names; each
    with its phone and opening hours in the audience's language."""
    _, sheet = sheet_for(brand)
    words = _words(brand, *texts)
    rows = []
    for loc, place in zip(brand.locations, sheet.places):
        if not loc.address or not (every or word_set(loc.city, brand.language) <= words):
            continue
        rows.append(
            {
                "name": place.label,
                "street": loc.address.street,
                "city": loc.city,
                "region": loc.region,
                "postal_code": loc.address.postal_code,
                "country": loc.country,
                "phone": loc.phone or "",
                "hours": "; ".join(place.hours),
            }
        )
    return rows


def fact_box(brand: BrandProfile, page_type: str, *texts: str) -> dict[str, Any]:
    """What the owner vouches for, shown beside a page: guarantees, certifications, sourced figures and
    the founding year on every page; the owner's statements on location pages, elsewhere the ones
    that share a telling word with the page; a permitted customer quote on product and location pages."""
    profile, sheet = sheet_for(brand)
    words = _words(profile, *texts) - sheet.common - sheet.stopwords
    statements = [s for s in sheet.statements if page_type == "Location" or words & sheet.informative(s)]
    items = [*sheet.guarantees, *sheet.certifications, *statements, *sheet.figures]
    if sheet.founded:
        items.append(sheet.founded)
    quote = None
    if sheet.quotes and page_type in ("Service", "Location"):
        text, author = sheet.quotes[zlib.crc32(" ".join(texts).encode()) % len(sheet.quotes)]
        quote = {"text": text, "author": author}
    return {"items": items, "quote": quote}
