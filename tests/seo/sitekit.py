"""SEO test helpers: a small site built from a brand file through the domain code alone."""

from __future__ import annotations

import random
import zlib
from datetime import date

import numpy as np

from marketing_engine.brand import BrandProfile, slug
from marketing_engine.seo import briefs as briefing
from marketing_engine.seo.composer import compose_page
from marketing_engine.seo.intent import intent_rules
from marketing_engine.seo.keywords import expand_seed, expansion_context, merge_duplicates
from marketing_engine.seo.site import SiteHub, SitePage

SEEDS = ("cargo e-bike", "e-bike battery care")


def example_site_inputs(brand: BrandProfile, seeds=SEEDS) -> tuple[list[SitePage], list[SiteHub]]:
    """One cluster per seed (its expansion), every page type the cluster yields, written offline."""
    context, rules = expansion_context(brand), intent_rules(brand)
    cities = [loc.city for loc in brand.locations]
    pages, hubs, plans = [], [], []
    for seed in seeds:
        merged = merge_duplicates(expand_seed(seed, context), brand.language)
        members = [(m.text, rules.classify(m.text)) for m in merged]
        members.sort(key=lambda pair: pair[0] != seed.casefold())
        name = seed[:1].upper() + seed[1:]
        hubs.append(SiteHub(slug(seed), name, [k for k, _ in members]))
        plans.append(
            briefing.cluster_briefs(
                briefing.ClusterInput(slug(seed), name, seed.casefold(), members), cities, brand.language
            )
        )
    hub_links = [briefing.Link(h.path, h.name) for h in hubs]
    for plan in plans:
        briefing.plan_links(plan, hub_links)
        for brief in plan:
            inputs = {**brief.as_dict(), "brand": brand.model_dump(mode="json")}
            draft = compose_page(inputs, random.Random(brief.slug))
            pages.append(
                SitePage(
                    brief.path,
                    brief.slug,
                    brief.page_type,
                    brief.keyword,
                    brief.cluster_slug,
                    brief.cluster_name,
                    draft.model_dump(),
                    date(2026, 11, 1),
                    date(2026, 11, 20),
                )
            )
    return pages, hubs


def hashing_encoder(texts: list[str]) -> np.ndarray:
    """A fast stand-in for MiniLM in asset tests: bag of hashed words (same words -> close vectors)."""
    from marketing_engine.seo.keywords import singular, tokens

    out = np.zeros((len(texts), 384), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in tokens(text):
            out[row, zlib.crc32(singular(word).encode()) % 384] += 1.0
    return out


def seed_keywords(url: str, texts: list[str], brand: str = "kestrel-cycles") -> None:
    """Keywords in the warehouse at `url`, as the keyword universe would have stored them."""
    from marketing_engine.warehouse import Warehouse, upsert
    from marketing_engine.warehouse.models import Keyword

    rows = [
        {
            "brand": brand,
            "text": t,
            "normalized": t,
            "seed": t,
            "intent": "informational",
            "source": "offline",
        }
        for t in texts
    ]
    with Warehouse(url).session() as session:
        upsert(session, Keyword, rows, keys=Keyword.natural_key)
