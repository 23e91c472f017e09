"""Which trending topics are worth the brand's time: match to its seed topics, rank, explain.

Relevance is TF-IDF cosine similarity (words plus character 3–5-grams, so a hyphenated or plural
spelling still meets its seed) between the topic and each of the brand's seed topics and keyword
clusters, on case-folded text in any script (words are `\\w` runs, accents kept). It is instant for
thousands of topics and needs no model; the MiniLM embedder would add a few seconds of start-up per
run for little gain on 2–5-word topics.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from slugify import slugify

from marketing_engine.trends.signals import LIFECYCLE_RULES

STAGE_BONUS = {
    "emerging": 0.6,
    "breakout": 0.5,
    "growing": 0.4,
    "peaking": 0.2,
    "declining": 0.0,
    "stable": 0.0,
}
MIN_RELEVANCE = 0.15


def fold(text: str) -> str:
    """Case-folded, composed (NFKC) text: `Café Atlântico` and `café atlântico` compare equal."""
    return unicodedata.normalize("NFKC", text).casefold()


def topic_key(topic: str) -> str:
    """The topic's partition key in the `topics` dynamic partitions (a slug: safe in keys and paths)."""
    key = slugify(topic, max_length=120)
    if not key:
        raise ValueError(f"topic {topic!r} has no letters or digits to make a partition key")
    return key


def relevance(topics: Sequence[str], seeds: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Best similarity of each topic to any seed, and the index of that seed."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not seeds:
        raise ValueError("brand matching needs at least one seed topic or keyword cluster")
    corpus = [fold(t) for t in (*seeds, *topics)]
    words = TfidfVectorizer(analyzer="word", token_pattern=r"(?u)\w+", sublinear_tf=True).fit_transform(
        corpus
    )
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(corpus)
    matrix = hstack([words, chars]).tocsr()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1))).ravel()
    matrix = matrix.multiply(1.0 / np.maximum(norms, 1e-12)[:, None]).tocsr()
    similarity = (matrix[len(seeds) :] @ matrix[: len(seeds)].T).toarray()
    return similarity.max(axis=1), similarity.argmax(axis=1)


@dataclass(frozen=True)
class TopicSignalRow:
    topic: str
    spike_score: float | None
    confirmed_score: float | None
    spike_date: date | None
    lifecycle: str
    confirmations: int
    sources: int
    viral_coefficient: float | None
    peak_date: date | None


@dataclass(frozen=True)
class Opportunity:
    topic: str
    topic_key: str
    rank: int
    score: float
    relevance: float
    matched_seed: str
    signal: TopicSignalRow
    reason: str

    def row(self, brand: str, as_of: date) -> dict:
        """The `trend_opportunities` row of this opportunity in the ranking of `as_of`."""
        return {
            "brand": brand,
            "as_of": as_of,
            "topic": self.topic,
            "topic_key": self.topic_key,
            "rank": self.rank,
            "score": self.score,
            "relevance": self.relevance,
            "matched_seed": self.matched_seed,
            "spike_score": self.signal.confirmed_score,
            "spike_date": self.signal.spike_date,
            "lifecycle": self.signal.lifecycle,
            "confirmations": self.signal.confirmations,
            "reason": self.reason,
        }


def _reason(signal: TopicSignalRow, rel: float, seed: str, threshold: float) -> str:
    parts = []
    if signal.lifecycle == "breakout" and signal.spike_date is not None:
        parts.append(
            f"breakout since {signal.spike_date.isoformat()}: interest stepped up then and has held "
            "for three weeks (a lasting level shift, not a spike)"
        )
    elif signal.spike_date is not None:
        score = signal.confirmed_score or 0.0
        parts.append(
            f"spiking since {signal.spike_date.isoformat()} (score {score:.1f}, threshold {threshold:g})"
            if score >= threshold
            else f"last spike {signal.spike_date.isoformat()}; today's score {score:.1f} is under the "
            f"threshold {threshold:g}"
        )
    parts.append(f"{signal.lifecycle}: {LIFECYCLE_RULES[signal.lifecycle]}")
    parts.append(f"{signal.confirmations} of {signal.sources} sources agree")
    if signal.viral_coefficient is not None:
        pace = "accelerating" if signal.viral_coefficient > 1 else "slowing"
        parts.append(f"growth {pace} (viral coefficient {signal.viral_coefficient:.2f})")
    if signal.peak_date is not None:
        parts.append(f"forecast peak {signal.peak_date.isoformat()}")
    parts.append(f"close to the brand's topic “{seed}” (similarity {rel:.2f})")
    return "; ".join(parts) + "."


def rank_opportunities(
    signals: Sequence[TopicSignalRow],
    seeds: Sequence[str],
    threshold: float,
    min_relevance: float = MIN_RELEVANCE,
) -> list[Opportunity]:
    """Spiking, breaking-out or emerging/growing topics that relate to the brand, best first.

    score = relevance × (spike strength + stage bonus) × (½ + ½ · share of sources agreeing), where
    spike strength is the confirmed spike score over the brand's threshold (1 = just at it).
    """
    candidates = [
        s for s in signals if s.spike_date is not None or s.lifecycle in ("emerging", "breakout", "growing")
    ]
    if not candidates:
        return []
    rel, best = relevance([s.topic for s in candidates], seeds)
    scored = []
    for signal, r, b in zip(candidates, rel, best, strict=True):
        if r < min_relevance:
            continue
        strength = max(signal.confirmed_score or 0.0, 0.0) / threshold
        agreement = 0.5 + 0.5 * signal.confirmations / max(signal.sources, 1)
        score = float(r) * (strength + STAGE_BONUS[signal.lifecycle]) * agreement
        scored.append((score, signal, float(r), seeds[int(b)]))
    scored.sort(key=lambda item: (-item[0], item[1].topic))
    return [
        Opportunity(
            topic=signal.topic,
            topic_key=topic_key(signal.topic),
            rank=rank,
            score=round(score, 4),
            relevance=round(r, 4),
            matched_seed=seed,
            signal=signal,
            reason=_reason(signal, r, seed, threshold),
        )
        for rank, (score, signal, r, seed) in enumerate(scored, start=1)
    ]


def _event_line(opportunity: dict) -> str:
    """The brief's line on what happened: a breakout (a lasting step) is named as one, not as a spike."""
    date_ = opportunity.get("spike_date") or "none"
    if opportunity["lifecycle"] == "breakout":
        return (
            f"- lifecycle: breakout; breakout date: {date_} (interest stepped up then and has stayed up: "
            "a new, higher baseline to write for, not a passing spike)"
        )
    return f"- lifecycle: {opportunity['lifecycle']}; spike date: {date_}"


BRIEF_SOURCES = ("news", "google_trends", "reddit")  # the sources whose raw answers a brief quotes


def brief_material(raw: Mapping[str, Mapping]) -> dict[str, list]:
    """What a brief quotes from the raw answers about its topic (source → that source's answer):
    the news headlines, Google's rising searches and the community threads."""
    return {
        "headlines": raw.get("news", {}).get("headlines", []),
        "rising": raw.get("google_trends", {}).get("rising", []),
        "posts": raw.get("reddit", {}).get("posts", []),
    }


def compose_brief(
    opportunity: dict,
    brand_name: str,
    headlines: Sequence[dict] = (),
    rising: Sequence[dict] = (),
    posts: Sequence[dict] = (),
) -> str:
    """A one-page markdown brief a writer or the video engine can start from: why now, the angle,
    the numbers, and what the sources said (headlines, rising searches, community threads)."""
    lines = [
        f"# Topic brief: {opportunity['topic']}",
        "",
        f"Brand: {brand_name}  ",
        f"Why now: {opportunity['reason']}",
        "",
        "## Angle",
        (
            f"Connect “{opportunity['topic']}” to the brand's topic “{opportunity.get('matched_seed') or ''}”: "
            "answer the question people are searching for this week, then show the brand's practical take."
        ),
        "",
        "## Numbers",
        f"- rank {opportunity['rank']}, score {opportunity['score']:.2f}, relevance {opportunity['relevance']:.2f}",
        _event_line(opportunity),
    ]
    if headlines:
        lines += ["", "## In the news"] + [f"- [{h['title']}]({h['link']})" for h in headlines[:5]]
    if rising:
        lines += ["", "## Rising searches"] + [
            f"- {q['query']} (+{q.get('growth') or '?'} %)" for q in rising[:5]
        ]
    if posts:
        lines += ["", "## In the communities"] + [
            f"- r/{p['subreddit']}: {p['title']} ({p['comments']} comments)" for p in posts[:5]
        ]
    return "\n".join(lines) + "\n"
