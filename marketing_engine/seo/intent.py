"""Search intent from rules a marketer can read and argue with.

The rules run in this order; the first that fires decides:
1. navigational — a login/sign-in/official-site/customer-service phrase, or the query is only a
   known site or brand name (the brand's own, its competitors', or a well-known web property),
   optionally with a place and a word like "hours", "store", "app", "menu", "support", "contact";
2. informational — the query explains something ("explained", "meaning", "definition", "average ...");
3. commercial — the searcher is comparing before buying: vs, compare, review, alternatives, best, top,
   worth it, pros and cons, brands;
4. informational — the query starts with a question word (how, what, why, can, is ...), unless it
   asks where to buy;
5. transactional — a buying or booking word: buy, order, price, cost, deals, coupon, near me, rent,
   hire, book, quote, free trial, subscribe ..., or a local service (a generic service word or a word
   of one of the brand's own services) named with one of the brand's cities;
6. informational — everything else (topics, tips, guides, checklists).

The words of each rule are the language's (`data/frames/seo/<lang>.yaml`, section `intent`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from marketing_engine.seo.keywords import tokens
from marketing_engine.wording import frames

if TYPE_CHECKING:
    from marketing_engine.brand import BrandProfile

INTENTS = ("informational", "commercial", "transactional", "navigational")

# Well-known web properties: a query that is only one of these names is navigational.
WELL_KNOWN_SITES = (
    "google",
    "gmail",
    "youtube",
    "facebook",
    "instagram",
    "twitter",
    "tiktok",
    "reddit",
    "linkedin",
    "amazon",
    "ebay",
    "walmart",
    "target",
    "costco",
    "ikea",
    "home depot",
    "netflix",
    "spotify",
    "apple",
    "microsoft",
    "outlook",
    "github",
    "stack overflow",
    "wikipedia",
    "nytimes",
    "starbucks",
    "nike",
    "adidas",
    "chase",
    "vanguard",
    "fidelity",
    "paypal",
    "asana",
    "notion",
    "hubspot",
    "shopify",
    "slack",
    "zoom",
    "dropbox",
    "bose",
    "sony",
    "samsung",
)


def words_of(language: str) -> dict[str, Any]:
    """The intent rules' word lists in `language` (English where it has none)."""
    return frames("seo", language)["intent"]


def question_starts(language: str = "en") -> tuple[str, ...]:
    return tuple(words_of(language)["question_starts"])


def is_question(keyword: str, language: str = "en") -> bool:
    """Whether the keyword starts with one of the language's question words or phrases."""
    padded = " ".join(tokens(keyword)) + " "
    return any(padded.startswith(start + " ") for start in question_starts(language))


def _has(words: list[str], phrases: Iterable[str]) -> bool:
    padded = " " + " ".join(words) + " "
    return any(f" {phrase} " in padded for phrase in phrases)


def _strip_phrases(words: list[str], phrases: Iterable[str]) -> tuple[list[str], bool]:
    """Remove every occurrence of the phrases; say whether any was found."""
    text, found = " " + " ".join(words) + " ", False
    for phrase in sorted(phrases, key=len, reverse=True):
        if f" {phrase} " in text:
            text, found = text.replace(f" {phrase} ", " "), True
    return text.split(), found


@dataclass(frozen=True)
class IntentRules:
    """The brand-specific part of the rules: names that make a query navigational, the cities, the
    words of the brand's own services, and the language whose rule words apply."""

    entities: Sequence[str] = ()
    cities: Sequence[str] = ()
    known_sites: Sequence[str] = WELL_KNOWN_SITES
    services: Sequence[str] = ()
    language: str = "en"
    _entities: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        names = {" ".join(tokens(name)) for name in (*self.entities, *self.known_sites)}
        object.__setattr__(self, "_entities", tuple(n for n in names if n))

    def classify(self, keyword: str) -> str:
        return self.explain(keyword)[0]

    def explain(self, keyword: str) -> tuple[str, str]:
        """(intent, the rule that decided it)."""
        words = tokens(keyword)
        if not words:
            raise ValueError(f"keyword {keyword!r} has no words to classify")
        rule = words_of(self.language)
        if _has(words, rule["strong_navigational"]):
            return "navigational", "login/official-site phrase"
        cities = [" ".join(tokens(c)) for c in self.cities]
        rest, named = _strip_phrases(words, self._entities)
        rest, _ = _strip_phrases(rest, cities)
        if named and set(rest) <= set(rule["navigational_nouns"]):
            return "navigational", "only a site or brand name"
        if _has(words, rule["explainers"]):
            return "informational", "explainer word"
        if _has(words, rule["commercial"]):
            return "commercial", "comparison or evaluation word"
        if is_question(keyword, self.language) and not _has(words, rule["where_to_buy"]):
            return "informational", "question"
        if _has(words, rule["transactional"]):
            return "transactional", "buying or booking word"
        services = set(rule["local_services"]) | {w for s in self.services for w in tokens(s)}
        if _has(words, cities) and services & set(words):
            return "transactional", "local service in a brand city"
        return "informational", "default: a topic"


def intent_rules(profile: BrandProfile) -> IntentRules:
    """The rules with the brand's own names, cities and services, in its language."""
    entities = [profile.name, *(c.name for c in profile.competitors), *(p.name for p in profile.products)]
    return IntentRules(
        entities=entities,
        cities=[loc.city for loc in profile.locations],
        services=[p.name for p in profile.products if p.kind == "service"],
        language=profile.language,
    )


def accuracy(
    rules: IntentRules, labelled: Sequence[tuple[str, str]]
) -> tuple[float, list[tuple[str, str, str]]]:
    """Share of keywords classified as labelled, and the misses as (keyword, label, predicted)."""
    misses = []
    for keyword, label in labelled:
        predicted = rules.classify(keyword)
        if predicted != label:
            misses.append((keyword, label, predicted))
    return 1 - len(misses) / max(1, len(labelled)), misses
