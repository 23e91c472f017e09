"""Scale ladder: keyword clustering at 10,000 and 100,000 keywords (issue 13's goal: 100,000 in under
3 minutes and 4 GB on 2 cores, ARI >= 0.90 on the labelled set).

The universe: benchmarks/seo.py's 95 seed topics grown by the engine's own offline expansion
(questions, modifiers, comparisons, audiences) and its location templates over as many cities as
the size needs (city names from the time-zone database, so nothing is typed in by hand), shuffled
and cut to size, plus the 90 labelled keywords. Programmatic SEO universes look like this: topics
times places.

Embedding (all-MiniLM-L6-v2, ONNX Runtime int8: the engine's default) happens in prepare, through an
embedding cache kept between runs in the engine's cache folder (`scale_keywords.sqlite`): 100,000
keywords take minutes to encode on the shared cores, and encoding is not what this rung measures.
Its time is reported beside the clustering time as `seconds_embedding`: measured when the keywords
were encoded in this run, else estimated from a 2,000-keyword sample (`embedding: sample`).

The timed run is the bucketed average linkage (`clustering.bucketed_cut` inside
`agglomerative_labels`, with the large-cluster re-cuts) at both sizes, so the growth ratio is one
method's. The engine itself stays exact up to 10,000 keywords: at 10,000 the check after the run
also times the exact clustering and reports the agreement (ARI) of the two.
"""

from __future__ import annotations

import csv
import math
import os
import random
import time
import zoneinfo
from pathlib import Path
from typing import Any

from benchmarks._ladder import Case

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "seo_clusters_labelled.csv"
SAMPLE = 2_000


def _cities() -> list[tuple[str, str]]:
    names = {zone.split("/")[-1].replace("_", " ") for zone in zoneinfo.available_timezones()}
    return [(name, "") for name in sorted(names) if name.isascii() and name[:1].isupper() and len(name) > 3]


def labelled() -> tuple[list[str], list[str]]:
    with LABELLED.open() as handle:
        rows = list(csv.DictReader(handle))
    return [r["keyword"] for r in rows], [r["cluster"] for r in rows]


def universe(size: int) -> list[str]:
    """`size` distinct keywords: the labelled ones plus the expanded seeds, shuffled (seed 13)."""
    from benchmarks.seo import SEEDS
    from marketing_engine.seo.keywords import ExpansionContext, expand_offline, merge_duplicates

    seeds, cities = [s.strip() for s in SEEDS], _cities()
    wanted, _ = labelled()
    per_seed_without_cities, per_city = 85, 4  # the English frames: what one seed grows into
    count = math.ceil(max(0, size / len(seeds) - per_seed_without_cities) / per_city) + 2
    while True:
        context = ExpansionContext(
            "Kestrel Outfitters",
            cities[:count],
            ["VoltRide", "Pedalwise", "Trailhead Supply"],
            ["commuters", "parents"],
        )
        texts = [m.text for m in merge_duplicates(expand_offline(seeds, context))]
        texts = [t for t in texts if t not in set(wanted)]
        if len(texts) + len(wanted) >= size or count >= len(cities):
            break
        count += 2
    random.Random(13).shuffle(texts)
    return wanted + texts[: size - len(wanted)]


def _embed(keywords: list[str]) -> tuple[Any, dict[str, Any]]:
    from marketing_engine.seo import clustering
    from marketing_engine.settings import home_dir

    cache = clustering.EmbeddingCache(home_dir("cache") / "scale_keywords.sqlite")
    encode = clustering.minilm_encoder()
    wall, cpu = time.perf_counter(), time.process_time()
    vectors, stats = clustering.embed_keywords(keywords, encoder=encode, cache=cache)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if stats.embedded >= len(keywords) // 2:
        return vectors, {"seconds_embedding": wall, "seconds_embedding_cpu": cpu, "embedding": "measured"}
    sample = keywords[:: max(1, len(keywords) // SAMPLE)]
    wall, cpu = time.perf_counter(), time.process_time()
    encode(sample)
    scale = len(keywords) / len(sample)
    return vectors, {
        "seconds_embedding": (time.perf_counter() - wall) * scale,
        "seconds_embedding_cpu": (time.process_time() - cpu) * scale,
        "embedding": "sample",
    }


def prepare_clustering(size: int) -> dict[str, Any]:
    keywords = universe(size)
    vectors, figures = _embed(keywords)
    return {"keywords": keywords, "vectors": vectors, "figures": figures}


def run_clustering(state: dict[str, Any]) -> dict[str, Any]:
    from marketing_engine.seo import clustering

    labels = clustering.agglomerative_labels(state["vectors"], exact_limit=clustering.BUCKET_SIZE)
    state["labels"] = labels
    return {"clusters": int(labels.max()) + 1}


def check_clustering(state: dict[str, Any]) -> dict[str, Any]:
    """After the timed run: ARI on the labelled set (alone, through the bucketed path with tiny
    buckets, and inside the universe), and at 10,000 the exact clustering's time and agreement."""
    from sklearn.metrics import adjusted_rand_score

    from marketing_engine.seo import clustering

    keywords, truth = labelled()
    vectors, labels = state["vectors"], state["labels"]
    alone = clustering.agglomerative_labels(vectors[: len(keywords)], exact_limit=0, bucket_size=30)
    figures = {
        "ari": round(adjusted_rand_score(truth, alone), 3),
        "ari_in_universe": round(adjusted_rand_score(truth, labels[: len(keywords)]), 3),
    }
    if len(vectors) <= clustering.EXACT_LIMIT:
        wall, cpu = time.perf_counter(), time.process_time()
        exact = clustering.agglomerative_labels(vectors)
        figures |= {
            "seconds_exact": time.perf_counter() - wall,
            "seconds_exact_cpu": time.process_time() - cpu,
            "ari_vs_exact": round(adjusted_rand_score(exact, labels), 3),
        }
    return {**state["figures"], **figures}


CASES = [
    Case(
        "keyword clustering (MiniLM, bucketed average linkage)",
        "keywords",
        10_000,
        prepare_clustering,
        run_clustering,
        ideal="n log n",
        check=check_clustering,
    )
]
