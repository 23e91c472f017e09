"""Trust signals of the site, all from the brand file and a shipped list of primary sources: who wrote
a page (bylines, author pages), which outside sources back its claims, and the brand's own figures
(its price list and store addresses) shown as tables.

Nothing here invents a claim: a brand without authors signs as itself, a page whose topic matches no
shipped reference cites nothing, a brand without prices or addresses shows no table.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from marketing_engine.brand import Author, BrandProfile
from marketing_engine.seo.keywords import singular, tokens

MAX_SOURCES = 4
MAX_PRICE_ROWS = 4


@dataclass(frozen=True)
class Reference:
    title: str
    publisher: str
    url: str
    match: tuple[str, ...]
    regions: tuple[str, ...] = ()


class ReferenceFileError(ValueError):
    """The shipped references file is malformed (names the entry and the field)."""


@cache
def load_references() -> tuple[Reference, ...]:
    text = resources.files("marketing_engine").joinpath("data/seo/references.yaml").read_text("utf-8")
    return parse_references(text)


def parse_references(text: str) -> tuple[Reference, ...]:
    entries = (yaml.safe_load(text) or {}).get("references", [])
    out = []
    for number, entry in enumerate(entries):
        missing = [k for k in ("title", "publisher", "url", "match") if not entry.get(k)]
        if missing or not str(entry["url"]).startswith("https://"):
            raise ReferenceFileError(f"references.yaml entry {number}: missing or bad {missing or ['url']}")
        out.append(
            Reference(
                entry["title"],
                entry["publisher"],
                entry["url"],
                tuple(entry["match"]),
                tuple(entry.get("regions", ())),
            )
        )
    return tuple(out)


def _words(text: str) -> set[str]:
    return {singular(t) for t in tokens(text)}


def references_for(
    brand: BrandProfile, *texts: str, refs: tuple[Reference, ...] | None = None
) -> list[Reference]:
    """The shipped references whose match phrase is wholly inside the page's keyword/topic texts. A page
    about one of the brand's products (its whole name in the keyword) is also about what the brand file
    says the product is: "Kestrel Cargo" is a cargo e-bike."""
    words = set().union(*(_words(t) for t in texts)) if texts else set()
    for product in brand.products:
        if _words(product.name) <= words:
            words |= _words(product.name + " " + product.description)
    regions = {loc.region.upper() for loc in brand.locations}
    found = []
    for ref in load_references() if refs is None else refs:
        if ref.regions and not regions & {r.upper() for r in ref.regions}:
            continue
        if any(_words(phrase) and _words(phrase) <= words for phrase in ref.match):
            found.append(ref)
    return found[:MAX_SOURCES]


def author_for(brand: BrandProfile, *texts: str) -> Author | None:
    """The author whose expertise shares most words with the page; ties spread by the topic's hash.
    None: the brand has no people on file and signs the page itself."""
    authors = brand.site_authors
    if not authors:
        return None
    words = set().union(*(_words(t) for t in texts)) if texts else set()
    overlap = [len(words & _words(" ".join(a.expertise))) for a in authors]
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
    """The brand's priced products that share a word with the page, closest first."""
    words = set().union(*(_words(t) for t in texts)) if texts else set()
    scored = [
        (len(words & _words(p.name + " " + p.description)), index, p)
        for index, p in enumerate(brand.products)
        if p.price is not None
    ]
    chosen = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1]))[:MAX_PRICE_ROWS]
    return [
        {"name": p.name, "kind": p.kind, "price": money(p.price, p.currency), "path": p.url_path or ""}
        for _, _, p in sorted(chosen, key=lambda s: s[1])
    ]


def money(amount: float, currency: str) -> str:
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency.upper())
    figure = f"{amount:,.0f}" if amount == int(amount) else f"{amount:,.2f}"
    return f"{symbol}{figure}" if symbol else f"{figure} {currency.upper()}"


def location_rows(brand: BrandProfile, *texts: str, every: bool = False) -> list[dict[str, str]]:
    """Stores with a street address: every one (about/contact), else the ones the page names."""
    words = set().union(*(_words(t) for t in texts)) if texts else set()
    rows = []
    for loc in brand.locations:
        if not loc.address or not (every or _words(loc.city) <= words):
            continue
        rows.append(
            {
                "name": f"{brand.name} {loc.city}",
                "street": loc.address.street,
                "city": loc.city,
                "region": loc.region,
                "postal_code": loc.address.postal_code,
                "country": loc.country,
                "phone": loc.phone or "",
            }
        )
    return rows
