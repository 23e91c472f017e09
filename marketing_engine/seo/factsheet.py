"""The brand's facts as the page writer and the site use them: products with their prices, locations
with address, phone and opening hours (in the audience's language and clock), the owner's statements,
guarantees, certifications, sourced figures, FAQs, permitted quotes, cited sources and competitors.

Nothing here adds a fact: every string is the brand file's, formatted for the reader (money, days,
times) through the brand's locale. `relevance` says which facts a page is about, by the words they
share with its keyword; words that most of the brand's topics share (the trade's own noun, on every topic)
tell pages apart poorly and count for little.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from typing import Any

from marketing_engine.brand import BrandProfile, Location
from marketing_engine.seo.keywords import word_set
from marketing_engine.wording import frames

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class ProductFact:
    name: str
    kind: str
    description: str
    features: tuple[str, ...]
    price: str  # "" when the brand file gives none
    url_path: str
    words: frozenset[str]


@dataclass(frozen=True)
class PlaceFact:
    label: str  # the brand and the location name or city, e.g. "Café Atlântico Baixa"
    city: str
    region: str
    country: str
    street: str
    postal_code: str
    phone: str
    hours: tuple[str, ...]  # "Tuesday to Friday from 10:00 AM to 6:00 PM"
    words: frozenset[str]


@dataclass(frozen=True)
class SourceFact:
    title: str
    url: str
    publisher: str
    topics: tuple[str, ...]
    summary: str
    topic_words: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class QA:
    question: str
    answer: str
    words: frozenset[str]


@dataclass
class FactSheet:
    brand: str
    language: str
    products: list[ProductFact] = field(default_factory=list)
    places: list[PlaceFact] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)
    guarantees: list[str] = field(default_factory=list)
    certifications: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)  # "statement (source: …)"
    founded: str = ""
    faqs: list[QA] = field(default_factory=list)
    quotes: list[tuple[str, str]] = field(default_factory=list)  # (text, author), permitted only
    sources: list[SourceFact] = field(default_factory=list)
    competitors: list[tuple[str, str]] = field(default_factory=list)  # (name, domain)
    common: frozenset[str] = frozenset()  # words most of the brand's topics share
    stopwords: frozenset[str] = frozenset()

    def informative(self, text: str) -> set[str]:
        """The words of `text` that tell one of the brand's topics from another."""
        return word_set(text, self.language) - self.common - self.stopwords

    def score(self, page_words: set[str], fact_words: frozenset[str]) -> int:
        return len(page_words & (fact_words - self.common - self.stopwords))

    def relevant_products(self, page_words: set[str], share: float = 0.5) -> list[ProductFact]:
        """Products the page is about, best first: the ones it names, then the ones sharing at least
        `share` of its telling words (1.0: the product covers all of them)."""
        telling = page_words - self.common - self.stopwords
        scored = []
        for index, product in enumerate(self.products):
            name = self.informative(product.name)
            named = bool(name) and name <= page_words
            overlap = self.score(page_words, product.words)
            if named or (telling and overlap >= max(1.0, share * len(telling))):
                scored.append((overlap + (len(name) + 1) * named, -index, product))
        return [p for _, _, p in sorted(scored, key=lambda x: (x[0], x[1]), reverse=True)]

    def places_in(self, text: str) -> list[PlaceFact]:
        words = word_set(text, self.language)
        return [p for p in self.places if word_set(p.city, self.language) <= words]

    def relevant_sources(self, page_words: set[str]) -> list[SourceFact]:
        """Sources whose topic (all its words) the page is about; a source without topics fits every page."""
        return [
            s for s in self.sources if not s.topic_words or any(t and t <= page_words for t in s.topic_words)
        ]

    def relevant_faqs(self, page_words: set[str], least: int = 2) -> list[QA]:
        """The owner's FAQs that share at least `least` telling words with the page."""
        return [q for q in self.faqs if self.score(page_words, q.words) >= least]

    def faq_answering(self, question: str) -> QA | None:
        """The owner's FAQ that asks the same thing: most of its telling words are in the question."""
        asked = self.informative(question)
        for qa in self.faqs:
            own = qa.words - self.common - self.stopwords
            if len(own & asked) >= 2 and len(own & asked) >= 0.6 * len(own):
                return qa
        return None

    def evidence(self) -> list[str]:
        """Every rendered fact, for the claims gate: a price, time or count written here restates the file."""
        found = [p.price for p in self.products if p.price]
        for place in self.places:
            found += [*place.hours, place.street, place.postal_code, place.phone]
        found += self.figures + ([self.founded] if self.founded else [])
        return [text for text in found if text]


def join(items: list[str], language: str) -> str:
    """`a, b and c` in the language."""
    words = frames("seo", language)["writer"]
    if len(items) <= 1:
        return "".join(items)
    return words["list_sep"].join(items[:-1]) + words["list_and"] + items[-1]


def _runs(days: list[str]) -> list[list[str]]:
    ordered = sorted(set(days), key=DAYS.index)
    runs: list[list[str]] = []
    for day in ordered:
        if runs and DAYS.index(day) == DAYS.index(runs[-1][-1]) + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def opening_hours(profile: BrandProfile, location: Location) -> list[str]:
    """Each opening-hours line in the audience's language: "Tuesday to Friday from 10:00 AM to 6:00 PM"."""
    from babel.dates import format_time, get_day_names

    words = frames("seo", profile.language)["writer"]["location"]
    names = get_day_names("wide", locale=profile.babel_locale)

    def clock(moment: time) -> str:
        # 24-hour in every locale: the claims gate reads times as the brand file writes them
        return format_time(moment, format="HH:mm", locale=profile.babel_locale)

    lines = []
    for hours in location.hours:
        spans = []
        for run in _runs(list(hours.days)):
            first, last = names[DAYS.index(run[0])], names[DAYS.index(run[-1])]
            if len(run) >= 3:
                spans.append(words["day_range"].format(first=first, last=last))
            else:
                spans += [names[DAYS.index(day)] for day in run]
        lines.append(
            words["hours_item"].format(
                days=join(spans, profile.language), opens=clock(hours.opens), closes=clock(hours.closes)
            )
        )
    return lines


def _search_words(language: str) -> frozenset[str]:
    """The words the keyword expansion adds to a seed ("best", "tips", "near me"): they say what a
    searcher wants, not which of the brand's facts a page is about."""
    keywords = frames("seo", language)["keywords"]
    found: set[str] = set()
    for name in ("questions", "modifiers", "audiences", "locations", "comparisons"):
        for frame in keywords[name]:
            found |= word_set(re.sub(r"\{\w+\}", " ", frame), language)
    return frozenset(found)


def _common_words(profile: BrandProfile, language: str, stopwords: frozenset[str]) -> frozenset[str]:
    """The brand's own name and the words in at least half of its topics and product names (and in
    at least two of them)."""
    topics = [*profile.seed_topics, *(p.name for p in profile.products)]
    counts: dict[str, int] = {}
    for topic in topics:
        for word in word_set(topic, language) - stopwords:
            counts[word] = counts.get(word, 0) + 1
    common = {w for w, n in counts.items() if n >= 2 and n * 2 >= len(topics)}
    return frozenset(common | word_set(profile.name, language))


def build(profile: BrandProfile) -> FactSheet:
    language = profile.language
    words = frames("seo", language)
    writer = words["writer"]
    stopwords = frozenset(words["keywords"]["stopwords"]) | _search_words(language)
    sheet = FactSheet(profile.name, language, stopwords=stopwords)
    sheet.common = _common_words(profile, language, stopwords)
    for product in profile.products:
        sheet.products.append(
            ProductFact(
                product.name,
                product.kind,
                product.description,
                tuple(product.features),
                profile.price_of(product),
                product.url_path or "",
                frozenset(word_set(f"{product.name} {product.description}", language)),
            )
        )
    for location in profile.locations:
        label = f"{profile.name} {location.name or location.city}"
        sheet.places.append(
            PlaceFact(
                label,
                location.city,
                location.region,
                location.country,
                location.address.street if location.address else "",
                location.address.postal_code if location.address else "",
                location.phone or "",
                tuple(opening_hours(profile, location)),
                frozenset(word_set(f"{location.city} {location.name}", language)),
            )
        )
    facts = profile.facts
    sheet.statements = list(facts.statements)
    sheet.guarantees = list(facts.guarantees)
    sheet.certifications = list(facts.certifications)
    sheet.figures = [
        writer["facts"]["figure"].format(statement=f.statement, source=f.source) for f in facts.figures
    ]
    if facts.founded:
        sheet.founded = writer["facts"]["founded"].format(brand=profile.name, year=facts.founded)
    sheet.faqs = [QA(f.question, f.answer, frozenset(word_set(f.question, language))) for f in facts.faqs]
    sheet.quotes = [(q.text, q.author) for q in facts.publishable_quotes]
    sheet.sources = [
        SourceFact(
            s.title,
            s.url,
            s.publisher,
            tuple(s.topics),
            s.summary,
            tuple(frozenset(word_set(t, language)) for t in s.topics),
        )
        for s in facts.sources
    ]
    sheet.competitors = [(c.name, c.domain) for c in profile.competitors]
    return sheet


@lru_cache(maxsize=16)
def _cached(dumped: str) -> FactSheet:
    return build(BrandProfile.model_validate(json.loads(dumped)))


def sheet_for(brand: dict[str, Any] | BrandProfile) -> tuple[BrandProfile, FactSheet]:
    """The profile and its fact sheet, from a profile or its JSON dump (what page requests carry)."""
    profile = brand if isinstance(brand, BrandProfile) else BrandProfile.model_validate(brand)
    return profile, _cached(profile.model_dump_json())


CLAIMS_RULE = (
    "State no number, test, customer count, testimonial or first-person experience that the facts do "
    "not hold. Every number you write must appear in the facts or in the keyword; use first person "
    "(we, our, us) only to restate a fact; quote only the permitted customer quotes, word for word; "
    "say nothing about a competitor beyond its name and domain. Where the facts do not answer "
    "something, leave it out rather than fill the page."
)


def facts_block(profile: BrandProfile) -> str:
    """Everything a writer may state about the business, as plain lines for an LLM prompt."""
    _, sheet = sheet_for(profile)
    lines = ["FACTS (the only things you may state about the business):"]
    for product in sheet.products:
        price = f", {product.price}" if product.price else ", no price published"
        lines.append(f"- {product.kind} {product.name}{price}: {product.description}")
        lines += [f"  - {feature}" for feature in product.features]
    for place in sheet.places:
        address = f"{place.street}, {place.city}, {place.postal_code}" if place.street else place.city
        phone = f", phone {place.phone}" if place.phone else ""
        hours = f"; open {'; '.join(place.hours)}" if place.hours else ""
        lines.append(f"- location {place.label}: {address}{phone}{hours}")
    lines += [f"- {text}" for text in [*sheet.statements, *sheet.guarantees, *sheet.figures]]
    lines += [f"- certification: {text}" for text in sheet.certifications]
    if sheet.founded:
        lines.append(f"- {sheet.founded}")
    lines += [f"- FAQ: {qa.question} — {qa.answer}" for qa in sheet.faqs]
    lines += [f"- permitted customer quote: “{text}” — {author}" for text, author in sheet.quotes]
    for source in sheet.sources:
        topics = f" (on {', '.join(source.topics)})" if source.topics else ""
        lines.append(f"- source{topics}: {source.title}, {source.publisher}, {source.url}: {source.summary}")
    lines += [
        f"- competitor: {name} ({domain}); nothing else is known about it"
        for name, domain in sheet.competitors
    ]
    return "\n".join(lines)
