"""Keyword normalization, near-duplicate merging and the offline keyword expansion.

Two phrasings are the same keyword when they differ only in case, punctuation, plurals or word
order ("E-Bikes Cargo" = "cargo e-bike"). `dedupe_key` gives that identity; it is what the
warehouse stores as `keywords.normalized`. The offline expansion grows each seed with question
words, modifiers, audiences, locations and competitor comparisons, the way autocomplete would.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

_TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
# Words ending in "s" that are not plurals ("gps", "bus", "class").
_NOT_PLURAL = frozenset(
    {
        "gps",
        "bus",
        "gas",
        "class",
        "glass",
        "less",
        "plus",
        "us",
        "vs",
        "tennis",
        "news",
        "pros",
        "cons",
        "always",
        "is",
        "was",
        "has",
        "does",
        "this",
        "its",
        "yes",
        "series",
        "species",
        "ios",
        "lbs",
        "kms",
        "mph",
        "thus",
        "versus",
        "across",
        "boss",
        "miss",
        "pass",
        "mass",
        "cross",
        "express",
        "access",
        "process",
        "business",
        "fitness",
        "wireless",
        "stainless",
        "dress",
        "press",
        "chess",
        "seattles",
        "analysis",
        "basis",
        "diagnosis",
        "bonus",
        "status",
        "campus",
        "virus",
        "focus",
    }
)


def singular(word: str) -> str:
    """A light English singularizer, good enough to merge keyword plurals (no dictionary)."""
    if len(word) <= 3 or word in _NOT_PLURAL or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "zes", "sses")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("’", "'"))


def clean(text: str) -> str:
    """Lower case, punctuation stripped, single spaces: how a keyword is displayed."""
    return " ".join(tokens(text))


def dedupe_key(text: str) -> str:
    """The identity of a keyword: singular tokens in sorted order."""
    return " ".join(sorted(singular(t) for t in tokens(text)))


@dataclass(frozen=True)
class KeywordIdea:
    text: str
    seed: str
    source: str = "offline"
    volume: int | None = None


@dataclass
class MergedKeyword:
    text: str
    normalized: str
    seed: str
    source: str
    volume: int | None = None
    variants: list[str] = field(default_factory=list)


def merge_duplicates(ideas: Iterable[KeywordIdea]) -> list[MergedKeyword]:
    """Merge ideas with the same dedupe key; the shortest (then alphabetically first) phrasing is kept
    for display, so the result does not depend on the order ideas arrived in."""
    groups: dict[str, list[KeywordIdea]] = {}
    for idea in ideas:
        text = clean(idea.text)
        if not text:
            continue
        groups.setdefault(dedupe_key(text), []).append(KeywordIdea(text, idea.seed, idea.source, idea.volume))
    merged = []
    for key, members in groups.items():
        best = min(members, key=lambda m: (len(m.text), m.text))
        volumes = [m.volume for m in members if m.volume is not None]
        merged.append(
            MergedKeyword(
                text=best.text,
                normalized=key,
                seed=best.seed,
                source=best.source,
                volume=max(volumes) if volumes else None,
                variants=sorted({m.text for m in members}),
            )
        )
    merged.sort(key=lambda m: (m.seed, m.text))
    return merged


# --- offline expansion ------------------------------------------------------------------------

QUESTIONS = [
    "what is {s}",
    "how does {s} work",
    "how to start {s}",
    "how much does {s} cost",
    "is {s} worth it",
    "why choose {s}",
    "when to get {s}",
    "where to find {s}",
    "who needs {s}",
    "can you do {s} yourself",
    "how long does {s} take",
    "what to know about {s}",
    "how to choose {s}",
    "common {s} mistakes",
    "{s} for beginners",
    "{s} explained",
    "which {s} is best",
    "should i try {s}",
    "what are the risks of {s}",
    "how to save money on {s}",
]
MODIFIERS = [
    "best {s}",
    "top {s}",
    "cheap {s}",
    "affordable {s}",
    "{s} guide",
    "{s} tips",
    "{s} checklist",
    "{s} ideas",
    "{s} benefits",
    "{s} pros and cons",
    "{s} reviews",
    "{s} comparison",
    "{s} cost",
    "{s} price",
    "{s} deals",
    "buy {s}",
    "{s} for sale",
    "{s} near me",
    "{s} brands",
    "{s} alternatives",
    "{s} in winter",
    "{s} in the rain",
    "{s} on a budget",
    "{s} faq",
    "{s} step by step",
    "{s} at home",
    "{s} service",
    "{s} discount",
    "{s} 2025",
    "{s} rules",
    "{s} safety",
    "{s} calculator",
    "{s} statistics",
    "{s} for hills",
    "{s} problems",
    "{s} accessories",
    "{s} warranty",
    "{s} insurance",
    "{s} myths",
    "{s} upgrades",
    "{s} options",
    "{s} examples",
    "{s} questions",
    "{s} trends",
    "{s} coupon",
    "{s} quote",
    "order {s} online",
    "{s} appointment",
    "{s} for commuting",
    "used {s}",
]
AUDIENCES = ["commuters", "families", "kids", "seniors", "women", "students", "heavy riders", "beginners"]
LOCATION_PATTERNS = ["{s} {city}", "{s} in {city} {region}", "best {s} {city}", "{s} near {city}"]
COMPETITOR_PATTERNS = [
    "{brand} vs {c} {s}",
    "{brand} vs {c}",
    "{c} {s}",
    "{c} alternatives",
    "{c} vs {brand} {s}",
    "{c} review",
]


@dataclass(frozen=True)
class ExpansionContext:
    """What the offline expansion combines seeds with (from the brand file)."""

    brand: str
    cities: Sequence[tuple[str, str]] = ()
    competitors: Sequence[str] = ()
    audiences: Sequence[str] = tuple(AUDIENCES)


def expand_seed(seed: str, context: ExpansionContext) -> list[KeywordIdea]:
    """All offline variations of one seed (before merging duplicates)."""
    s = clean(seed)
    texts = [s, f"{clean(context.brand)} {s}"]
    texts += [q.format(s=s) for q in QUESTIONS]
    texts += [m.format(s=s) for m in MODIFIERS]
    texts += [f"{s} for {audience}" for audience in context.audiences]
    texts += [f"best {s} for {audience}" for audience in context.audiences]
    for city, region in context.cities:
        texts += [p.format(s=s, city=city.lower(), region=region.lower()) for p in LOCATION_PATTERNS]
    for competitor in context.competitors:
        c = clean(competitor)
        texts += [p.format(s=s, c=c, brand=clean(context.brand)) for p in COMPETITOR_PATTERNS]
    return [KeywordIdea(text, seed) for text in texts]


def expand_offline(seeds: Sequence[str], context: ExpansionContext) -> list[KeywordIdea]:
    ideas: list[KeywordIdea] = []
    for seed in seeds:
        ideas += expand_seed(seed, context)
    return ideas
