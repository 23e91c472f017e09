"""JSON-LD for each page: only types Google still shows a rich result (or a search feature) for on
a brand's own site, with the properties its documentation asks for, and a structural validation
(extruct round trip plus required properties). Each builder names its documentation page.

- Article (headline, image, datePublished, dateModified, author) on every content page;
- BreadcrumbList (home → topic hub → page) on content pages and hubs;
- Organization (the publisher's name, url and logo; contact points, address and founding year on
  the about and contact pages);
- WebSite on the home page (the site name Google shows above results);
- LocalBusiness for a location with a street address (name and address are required), with its
  opening hours when the brand file gives them;
- Product with one Offer (price and currency) for a priced product or service a page is about.

No FAQPage and no HowTo: since August 2023 Google shows FAQ rich results only for well-known
government and health sites and no HowTo rich results at all
(https://developers.google.com/search/blog/2023/08/howto-faq-changes). A page's questions stay
visible page content; `validate` reports either type as a problem.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from marketing_engine.brand import slug

DOCS = "https://developers.google.com/search/docs/appearance/structured-data/"
# The types emitted here and the Google documentation each follows (what the page_schema asset reports).
RICH_RESULT_DOCS: dict[str, str] = {
    "Article": DOCS + "article",
    "BreadcrumbList": DOCS + "breadcrumb",
    "Organization": DOCS + "organization",
    "WebSite": "https://developers.google.com/search/docs/appearance/site-names",
    "LocalBusiness": DOCS + "local-business",
    "Product": DOCS + "product-snippet",
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "Article": ("headline", "image", "datePublished", "dateModified", "author"),
    "BreadcrumbList": ("itemListElement",),
    "Organization": ("name", "url"),
    "WebSite": ("name", "url"),
    "LocalBusiness": ("name", "address"),
    "Product": ("name",),
}
NO_RICH_RESULT = frozenset({"FAQPage", "HowTo"})
NO_RICH_RESULT_NOTE = (
    "No FAQPage or HowTo JSON-LD (the check fails on either): Google shows FAQ rich results only "
    "for well-known government and health sites and no HowTo results since 2023; the questions "
    "stay on the page"
)
DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}


@dataclass(frozen=True)
class SchemaContext:
    site_url: str
    brand_name: str
    logo_url: str
    page_url: str
    headline: str
    image_url: str
    published: date
    modified: date
    breadcrumbs: Sequence[tuple[str, str]]  # (name, absolute url)
    author: dict[str, Any] | None = None  # a Person with url, else the brand signs as Organization


def organization(ctx: SchemaContext) -> dict[str, Any]:
    """https://developers.google.com/search/docs/appearance/structured-data/organization (no required
    properties; name, url and logo are the ones its logo and knowledge panel read)."""
    return {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": ctx.brand_name,
        "url": ctx.site_url + "/",
        "logo": ctx.logo_url,
    }


def website(ctx: SchemaContext) -> dict[str, Any]:
    """The home page's WebSite, from which Google takes the site name it shows
    (https://developers.google.com/search/docs/appearance/site-names: name and url)."""
    return {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": ctx.brand_name,
        "url": ctx.site_url + "/",
    }


def article(ctx: SchemaContext) -> dict[str, Any]:
    """https://developers.google.com/search/docs/appearance/structured-data/article (no required
    properties; headline, image, datePublished, dateModified and author with its url recommended)."""
    return {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": ctx.headline[:110],
        "image": [ctx.image_url],
        "datePublished": ctx.published.isoformat(),
        "dateModified": ctx.modified.isoformat(),
        "author": ctx.author or {"@type": "Organization", "name": ctx.brand_name, "url": ctx.site_url + "/"},
        "publisher": {
            "@type": "Organization",
            "name": ctx.brand_name,
            "logo": {"@type": "ImageObject", "url": ctx.logo_url},
        },
        "mainEntityOfPage": ctx.page_url,
    }


def collection_page(ctx: SchemaContext) -> dict[str, Any]:
    """A topic hub: a dated, signed collection of articles."""
    return {
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "name": ctx.headline[:110],
        "url": ctx.page_url,
        "datePublished": ctx.published.isoformat(),
        "dateModified": ctx.modified.isoformat(),
        "author": ctx.author or {"@type": "Organization", "name": ctx.brand_name, "url": ctx.site_url + "/"},
    }


def organization_with_contacts(
    ctx: SchemaContext,
    email: str | None,
    locations: Sequence[dict[str, Any]],
    description: str,
    founded: int | None = None,
) -> dict[str, Any]:
    """Organization with `contactPoint` (telephone/email, contactType) and `foundingDate` when the
    brand file gives the year, as https://developers.google.com/search/docs/appearance/structured-data/organization
    recommends for the organization's knowledge panel."""
    data = organization(ctx) | {"description": description}
    if founded:
        data["foundingDate"] = str(founded)
    points = [
        {
            "@type": "ContactPoint",
            "telephone": loc["phone"],
            "contactType": "customer service",
            "areaServed": loc["region"],
        }
        for loc in locations
        if loc.get("phone")
    ]
    if email:
        points.append({"@type": "ContactPoint", "email": email, "contactType": "customer service"})
    if email:
        data["email"] = email
    if points:
        data["contactPoint"] = points
    return data


def breadcrumbs(ctx: SchemaContext) -> dict[str, Any]:
    """https://developers.google.com/search/docs/appearance/structured-data/breadcrumb (itemListElement
    of ListItem with position, name and item)."""
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": url}
            for i, (name, url) in enumerate(ctx.breadcrumbs, start=1)
        ],
    }


def _clock(value: Any) -> str:
    return value.strftime("%H:%M") if isinstance(value, time) else str(value)[:5]


def opening_hours(hours: Sequence[Any]) -> list[dict[str, Any]]:
    """`openingHoursSpecification` from the brand file's hours (days, opens, closes), as the local
    business documentation writes standard hours
    (https://developers.google.com/search/docs/appearance/structured-data/local-business)."""
    specs = []
    for entry in hours:
        item = entry if isinstance(entry, dict) else entry.model_dump()
        days = [DAY_NAMES.get(str(day).lower()[:3], str(day)) for day in item.get("days") or []]
        if days and item.get("opens") is not None and item.get("closes") is not None:
            specs.append(
                {
                    "@type": "OpeningHoursSpecification",
                    "dayOfWeek": days,
                    "opens": _clock(item["opens"]),
                    "closes": _clock(item["closes"]),
                }
            )
    return specs


def local_business(ctx: SchemaContext, location: dict[str, Any]) -> dict[str, Any] | None:
    """https://developers.google.com/search/docs/appearance/structured-data/local-business: name and
    address required; url, telephone and openingHoursSpecification recommended; `@id` unique and stable
    per location. Without a street address nothing is emitted."""
    address = location.get("address")
    if not address:
        return None
    place = location.get("name") or location["city"]
    data = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "@id": f"{ctx.site_url}/contact/#{_fragment(location)}",
        "name": f"{ctx.brand_name} {place}",
        "url": ctx.page_url,
        "image": ctx.image_url,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": address["street"],
            "addressLocality": location["city"],
            "addressRegion": location["region"],
            "postalCode": address["postal_code"],
            "addressCountry": location.get("country", "US"),
        },
    }
    if location.get("phone"):
        data["telephone"] = location["phone"]
    if hours := opening_hours(location.get("hours") or []):
        data["openingHoursSpecification"] = hours
    return data


def _fragment(location: dict[str, Any]) -> str:
    return slug(" ".join(str(location.get(k) or "") for k in ("city", "name", "region")))


def product(ctx: SchemaContext, item: dict[str, Any]) -> dict[str, Any] | None:
    """https://developers.google.com/search/docs/appearance/structured-data/product-snippet: name plus
    one of offers, review or aggregateRating; the Offer carries price and priceCurrency. Availability
    is only recommended and the brand file does not state it, so it is left out."""
    if item.get("price") is None:
        return None  # no offers, no rating: Google shows nothing, so say nothing
    return {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": item["name"],
        "description": item["description"],
        "image": ctx.image_url,
        "brand": {"@type": "Brand", "name": ctx.brand_name},
        "offers": {
            "@type": "Offer",
            "price": f"{item['price']:.2f}",
            "priceCurrency": item.get("currency", "USD"),
            "url": ctx.site_url + (item.get("url_path") or "/"),
        },
    }


def script_json(block: dict[str, Any]) -> str:
    """JSON for a <script> element: `<`, `>` and `&` as \\u escapes (what Jinja's tojson does), so
    brand text such as `</script>` cannot end the element early."""
    return json.dumps(block).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def validate(blocks: Sequence[dict[str, Any]]) -> list[str]:
    """Problems with the JSON-LD blocks: each must survive an HTML round trip through extruct
    unchanged and carry its type's required properties (Product also needs offers, rating or review,
    an Offer its price and currency); FAQPage and HowTo are problems (no rich result, see above)."""
    import extruct

    html = (
        "<html><head>"
        + "".join(f'<script type="application/ld+json">{script_json(b)}</script>' for b in blocks)
        + "</head><body></body></html>"
    )
    extracted = extruct.extract(html, syntaxes=["json-ld"], uniform=False)["json-ld"]
    problems = []
    if extracted != list(blocks):
        problems.append("JSON-LD did not survive the extruct round trip unchanged")
    for block in extracted:
        kind = block.get("@type", "?")
        if block.get("@context") != "https://schema.org":
            problems.append(f"{kind}: @context is not https://schema.org")
        for name in REQUIRED.get(kind, ()):
            if block.get(name) in (None, "", [], {}):
                problems.append(f"{kind}: required property {name!r} is missing")
        if kind == "Product" and not any(block.get(k) for k in ("offers", "aggregateRating", "review")):
            problems.append("Product: needs offers, aggregateRating or review")
        if kind == "LocalBusiness" and not (block.get("address") or {}).get("streetAddress"):
            problems.append("LocalBusiness: address has no streetAddress")
        offer = block.get("offers") if kind == "Product" else None
        if isinstance(offer, dict) and not (offer.get("price") and offer.get("priceCurrency")):
            problems.append("Product: the Offer needs price and priceCurrency")
        if kind in NO_RICH_RESULT:
            problems.append(
                f"{kind}: Google shows no rich result for it on this site; keep the content on the page"
            )
    return problems


def rich_result_types(blocks: Sequence[dict[str, Any]]) -> list[str]:
    """The blocks' types that Google documents a rich result or search feature for (RICH_RESULT_DOCS)."""
    return [b["@type"] for b in blocks if b.get("@type") in RICH_RESULT_DOCS]
