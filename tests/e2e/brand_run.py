"""Every example brand end to end: `marketing-engine run` on the whole graph, then what a business
owner reads back — no word of another brand's trade, no untraceable claim on a published page,
little sentence reuse, the video on one of the brand's own topics, names that keep their letters.

The checks live here; each brand has a test file of its own (`test_e2e_brand_<brand>.py`) that takes
them with `brand_run(<slug>)`, so `make test`'s two workers (`--dist loadfile`) run the brands' whole
graphs side by side instead of one after another on one worker."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from vocabulary import EXAMPLE_FILES, examples, leaks

from marketing_engine.audit import Audit, audit_home
from marketing_engine.brand import BrandProfile, slug

__all__ = [  # what each brand's test file takes with `from e2e.brand_run import *`
    "brand_run",
    "test_names_keep_their_letters_in_paths_and_text",
    "test_no_output_carries_another_brands_trade",
    "test_published_pages_make_no_untraceable_claim",
    "test_published_pages_reuse_few_sentences",
    "test_the_run_makes_pages_posts_and_a_video",
    "test_the_video_is_on_one_of_the_brands_topics",
]
BRANDS = dict(
    zip((profile.slug for profile in examples()), zip(EXAMPLE_FILES, examples(), strict=True), strict=True)
)


@dataclass
class Finished:
    profile: BrandProfile
    home: Path
    output: str
    seconds: float
    audit: Audit


def brand_run(brand: str):
    """The module-scoped `finished` fixture of one example brand's whole run."""
    if brand not in BRANDS:
        raise ValueError(f"no example brand {brand!r}: expected one of {', '.join(sorted(BRANDS))}")

    @pytest.fixture(scope="module")
    def finished(tmp_path_factory) -> Finished:
        return _run(brand, tmp_path_factory)

    return finished


def _run(brand: str, tmp_path_factory) -> Finished:
    file, profile = BRANDS[brand]
    home = tmp_path_factory.mktemp(brand)
    env = {**os.environ, "MARKETING_ENGINE_HOME": str(home), "MARKETING_ENGINE_ENV": "local"}
    env.pop("MARKETING_ENGINE_WAREHOUSE_URL", None)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "marketing_engine.cli", "run", "--brand", str(file)],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds = time.perf_counter() - started
    assert done.returncode == 0, (
        f"{profile.name}: make run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return Finished(profile, home, done.stdout, seconds, audit_home(home, profile))


def test_the_run_makes_pages_posts_and_a_video(finished):
    audit = finished.audit
    assert len(audit.published) >= 5, audit.words_by_kind()
    assert audit.posts and audit.captions, (len(audit.posts), len(audit.captions))


def test_no_output_carries_another_brands_trade(finished):
    found = {
        where: counts for where, text in finished.audit.texts() if (counts := leaks(text, finished.profile))
    }
    assert not found, (
        f"{finished.profile.name}: foreign words in {len(found)} outputs: {dict(list(found.items())[:5])}"
    )


def test_published_pages_make_no_untraceable_claim(finished):
    audit = finished.audit
    shown = [f"{path}: {f.kind} {f.span!r} in {f.sentence[:100]!r}" for path, f in audit.findings[:5]]
    assert audit.claim_counts() == {"numeral": 0, "first_person": 0, "testimonial": 0}, shown


def test_published_pages_reuse_few_sentences(finished):
    assert finished.audit.sentence_reuse() <= 0.10


def test_the_video_is_on_one_of_the_brands_topics(finished):
    with sqlite3.connect(finished.home / "warehouse.sqlite") as db:
        topics = {row[0] for row in db.execute("select distinct topic from video_assets")}
    own = {
        slug(text) for text in [*finished.profile.seed_topics, *(p.name for p in finished.profile.products)]
    }
    assert topics and all(any(mine in topic for mine in own) for topic in topics), (topics, own)


def test_names_keep_their_letters_in_paths_and_text(finished):
    paths = [page.path for page in finished.audit.pages]
    assert all(re.fullmatch(r"[a-z0-9/-]+", path) for path in paths), [
        p for p in paths if not re.fullmatch(r"[a-z0-9/-]+", p)
    ]
    # a transliterated slug never splits a word where an accented letter was ("invis-veis")
    for name in [finished.profile.name, *(product.name for product in finished.profile.products)]:
        broken = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        if broken != slug(name):
            assert not any(broken in path for path in paths), (name, broken)
    text = "\n".join(body for _, body in finished.audit.texts())
    assert finished.profile.name in text
    accented = [p.name for p in finished.profile.products if not p.name.isascii()]
    assert all(name in text for name in accented), [name for name in accented if name not in text]
