"""Scale ladder, the site: the static site built (pages rendered, every quality gate, files written)
from the SEO benchmark's 1,000 pages to 10,000, and the sitemap from 10,000 URLs to 100,000 (past
the protocol's 50,000 per file, so a sitemap index with child sitemaps). Also the shared helper of
the ladder's cases (`release_freed_memory`).

The pages are written by the offline composer through the LLM resource (untimed, in `prepare`),
for briefs planned from the benchmark's keyword universe; past its ~7,300 keywords each further
round adds a modifier (then two) to every keyword ("… guide", "… prices"), so every page has its own path.
"""

from __future__ import annotations

import atexit
import ctypes
import gc
import random
import tempfile
from datetime import date, timedelta
from pathlib import Path

from benchmarks._ladder import Case

MODIFIERS = ["", "guide", "prices", "for beginners", "reviews", "checklist", "tips", "near me", "comparison"]
MODIFIERS += ["mistakes", "questions", "cost", "ideas", "buying advice", "how to choose", "explained"]
MODIFIERS += [f"{a} {b}" for a in MODIFIERS[1:] for b in MODIFIERS[1:] if a != b]  # past ~15,000 pages


def release_freed_memory() -> None:
    """Hand the memory `prepare` freed back to the system (glibc keeps freed heap for reuse), so a
    run's RSS growth is its own and not hidden by reusing what building the inputs left behind."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _briefs(size: int):
    from benchmarks.seo import _universe
    from marketing_engine.seo import briefs as briefing
    from marketing_engine.seo.site import SiteHub

    universe, cities = _universe(), ["Portland", "Seattle", "Denver"]
    briefs, hubs, number = [], [], 0
    for modifier in MODIFIERS:
        keywords = [(f"{k} {modifier}".strip(), intent) for k, intent in universe]
        random.Random(3 + number).shuffle(keywords)
        for start in range(0, len(keywords), 40):
            group = keywords[start : start + 40]
            slug = f"topic-{number}"
            plan = briefing.cluster_briefs(
                briefing.ClusterInput(slug, f"Topic {number}", group[0][0], group), cities
            )
            next_hub = briefing.Link(briefing.hub_path(f"topic-{number + 1}"), f"Topic {number + 1}")
            briefing.plan_links(plan, [next_hub])
            briefs += plan
            hubs.append(SiteHub(slug, f"Topic {number}", [k for k, _ in group]))
            number += 1
            if len(briefs) >= size:
                return briefs[:size], hubs
    raise ValueError(f"the keyword universe plans {len(briefs):,} pages, fewer than {size:,}")


def _site(size: int):
    from benchmarks.seo import written_pages
    from marketing_engine.brand import load_brand
    from marketing_engine.seo.site import SiteBuilder
    from marketing_engine.settings import EXAMPLE_BRAND

    brand = load_brand(EXAMPLE_BRAND)
    briefs, hubs = _briefs(size)
    pages = [
        page for start in range(0, size, 1000) for page in written_pages(brand, briefs[start : start + 1000])
    ]
    used = {p.cluster_slug for p in pages}
    out = tempfile.TemporaryDirectory()
    atexit.register(out.cleanup)
    builder = SiteBuilder(brand)
    # Once-per-process costs are no part of the run: compiling the templates, importing datasketch
    # and loading textstat's pronouncing dictionary (about 2 s each, at any number of pages).
    builder.env.get_template("page.html")
    import datasketch  # noqa: F401

    from marketing_engine.seo.quality import reading_ease

    reading_ease("A warm-up sentence for the syllable counter.", brand.language)
    release_freed_memory()
    return builder, pages, [h for h in hubs if h.slug in used], Path(out.name)


def _build(state) -> dict:
    builder, pages, hubs, out = state
    build = builder.build(pages, hubs, out)
    return {
        "noindex": len(build.noindex),
        "sitemap_files": len(build.sitemap_files),
        "seconds_render": build.seconds_render,
        "seconds_check": build.seconds_check,
        "seconds_write": build.seconds_write,
    }


def _urls(size: int):
    import lxml.etree  # noqa: F401 - imports are no part of the run

    import marketing_engine.seo.site  # noqa: F401

    first = date(2026, 1, 1)
    urls = [
        (f"https://www.example.com/guides/page-{n}/", first + timedelta(days=n % 300)) for n in range(size)
    ]
    release_freed_memory()
    return urls


def _sitemap(urls) -> dict:
    import lxml.etree

    from marketing_engine.seo.site import sitemap_files

    files = sitemap_files("https://www.example.com", urls)
    largest = max(len(lxml.etree.fromstring(text.encode()).findall("{*}url")) for text in files.values())
    return {"files": len(files), "most_urls_in_a_file": largest}


CASES = [
    Case("static site: render + every gate + write", "pages", 1_000, _site, _build),
    Case("sitemap (index past 50,000 URLs)", "URLs", 10_000, _urls, _sitemap),
]
