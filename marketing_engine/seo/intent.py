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
   hire, book, quote, free trial, subscribe ..., or a local service (repair, rental, plumber ...)
   named with one of the brand's cities;
6. informational — everything else (topics, tips, guides, checklists).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from marketing_engine.seo.keywords import tokens

INTENTS = ("informational", "commercial", "transactional", "navigational")

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
    "rei",
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
    "trek",
    "specialized",
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
STRONG_NAVIGATIONAL = (
    "login",
    "log in",
    "sign in",
    "signin",
    "official site",
    "official website",
    "customer service",
    "customer support",
    "phone number",
    "help center",
)
NAVIGATIONAL_NOUNS = frozenset(
    {
        "hours",
        "store",
        "app",
        "menu",
        "support",
        "contact",
        "website",
        "site",
        "near",
        "me",
        "web",
        "player",
        "account",
        "location",
        "locations",
        "address",
    }
)
EXPLAINERS = ("explained", "meaning", "definition", "average", "history of", "statistics")
COMMERCIAL = (
    "vs",
    "versus",
    "compare",
    "compared",
    "comparison",
    "review",
    "reviews",
    "alternative",
    "alternatives",
    "best",
    "top",
    "top rated",
    "worth it",
    "pros and cons",
    "brands",
    "which is better",
)
QUESTION_STARTS = frozenset(
    {
        "how",
        "what",
        "why",
        "when",
        "where",
        "who",
        "which",
        "can",
        "do",
        "does",
        "is",
        "are",
        "should",
        "will",
        "could",
        "would",
    }
)
TRANSACTIONAL = (
    "buy",
    "order",
    "for sale",
    "sale",
    "deal",
    "deals",
    "coupon",
    "promo code",
    "discount",
    "cheap",
    "near me",
    "price",
    "pricing",
    "cost",
    "rent",
    "rental",
    "hire",
    "book",
    "quote",
    "financing",
    "free trial",
    "download",
    "subscribe",
    "subscription",
    "sign up",
    "apply for",
    "schedule",
    "appointment",
    "delivery",
    "membership",
    "used",
    "open",
    "shop",
)
LOCAL_SERVICES = frozenset(
    {
        "repair",
        "tune",
        "service",
        "servicing",
        "plumber",
        "rental",
        "hotel",
        "hotels",
        "installation",
        "mechanic",
        "shop",
        "fitting",
    }
)


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
    """The brand-specific part of the rules: names that make a query navigational, and cities."""

    entities: Sequence[str] = ()
    cities: Sequence[str] = ()
    known_sites: Sequence[str] = WELL_KNOWN_SITES
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
        if _has(words, STRONG_NAVIGATIONAL):
            return "navigational", "login/official-site phrase"
        rest, named = _strip_phrases(words, self._entities)
        rest, _ = _strip_phrases(rest, [" ".join(tokens(c)) for c in self.cities])
        if named and set(rest) <= NAVIGATIONAL_NOUNS:
            return "navigational", "only a site or brand name"
        if _has(words, EXPLAINERS):
            return "informational", "explainer word"
        if _has(words, COMMERCIAL):
            return "commercial", "comparison or evaluation word"
        if words[0] in QUESTION_STARTS and not _has(words, ("where to buy", "where can i buy")):
            return "informational", "question"
        if _has(words, TRANSACTIONAL):
            return "transactional", "buying or booking word"
        city_named = _has(words, [" ".join(tokens(c)) for c in self.cities])
        if city_named and LOCAL_SERVICES & set(words):
            return "transactional", "local service in a brand city"
        return "informational", "default: a topic"


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
