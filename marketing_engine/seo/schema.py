"""JSON-LD for each page, following what Google documents for rich results today, and a structural
validation (extruct round trip plus required properties).

- Article (headline, image, datePublished, dateModified, author) on every content page;
- BreadcrumbList (home → topic hub → page);
- Organization (the publisher);
- LocalBusiness on Location pages, only when the city has a street address (name and address are
  required);
- Product on Service pages, only with `offers` (a product without offers, rating or reviews gets no
  rich result, so it is not emitted);
- FAQPage is emitted as vocabulary for other consumers but reported as giving no rich result (Google
  retired FAQ rich results for most sites in 2023; HowTo too).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

REQUIRED: dict[str, tuple[str, ...]] = {
    "Article": ("headline", "image", "datePublished", "dateModified", "author"),
    "BreadcrumbList": ("itemListElement",),
    "Organization": ("name", "url"),
    "LocalBusiness": ("name", "address"),
    "Product": ("name",),
    "FAQPage": ("mainEntity",),
}
NO_RICH_RESULT = frozenset({"FAQPage", "HowTo"})


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
    return {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": ctx.brand_name,
        "url": ctx.site_url + "/",
        "logo": ctx.logo_url,
    }


def article(ctx: SchemaContext) -> dict[str, Any]:
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
    ctx: SchemaContext, email: str | None, locations: Sequence[dict[str, Any]], description: str
) -> dict[str, Any]:
    """Organization with `contactPoint` (telephone/email, contactType), as Google documents for the
    organization's logo and knowledge panel, and its postal address when it has one store."""
    data = organization(ctx) | {"description": description}
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
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": url}
            for i, (name, url) in enumerate(ctx.breadcrumbs, start=1)
        ],
    }


def local_business(ctx: SchemaContext, location: dict[str, Any]) -> dict[str, Any] | None:
    address = location.get("address")
    if not address:
        return None
    data = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "name": f"{ctx.brand_name} {location['city']}",
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
    return data


def product(ctx: SchemaContext, item: dict[str, Any]) -> dict[str, Any] | None:
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
            "availability": "https://schema.org/InStock",
            "url": ctx.site_url + (item.get("url_path") or "/"),
        },
    }


def faq_page(questions: Sequence[tuple[str, str]]) -> dict[str, Any] | None:
    if not questions:
        return None
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {"@type": "Question", "name": q, "acceptedAnswer": {"@type": "Answer", "text": a}}
            for q, a in questions
        ],
    }


def script_json(block: dict[str, Any]) -> str:
    """JSON for a <script> element: `<`, `>` and `&` as \\u escapes (what Jinja's tojson does), so
    brand text such as `</script>` cannot end the element early."""
    return json.dumps(block).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def validate(blocks: Sequence[dict[str, Any]]) -> list[str]:
    """Problems with the JSON-LD blocks: each must survive an HTML round trip through extruct
    unchanged and carry its type's required properties (Product also needs offers, rating or review)."""
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
    return problems


def rich_result_types(blocks: Sequence[dict[str, Any]]) -> list[str]:
    return [b["@type"] for b in blocks if b.get("@type") not in NO_RICH_RESULT]
