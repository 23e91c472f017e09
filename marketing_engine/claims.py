"""The claims gate: every numeral, first-person claim and testimonial in a draft must trace to the
brand file or to evidence the writer cites (the keyword, a cited source's summary, a fetched item).

It checks text from any writer, offline or LLM, the same way. What fails is held for a person; the
findings say which sentence, which word and why. The language's pronouns, number words and generic
invitation verbs come from `data/claims/<language>.yaml` (English where a language has no file).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import yaml

if TYPE_CHECKING:
    from marketing_engine.brand import BrandProfile

Kind = Literal["numeral", "first_person", "testimonial"]
_TIME = re.compile(r"(?<![\w:])(\d{1,2})[:h](\d{2})(?::\d{2})?(?![\w:])")
_NUMBER = re.compile(r"(?<![^\W\d_])\d+(?:[-.,\u00a0\u202f ]\d+)*")
# What follows a number: a percent sign or the next word (its unit or what it counts).
_AFTER = re.compile(r"\s*(%|[^\W\d_]+(?:['’-][^\W\d_]+)*)?")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
_QUOTED = re.compile(r"[“\"«„]([^”\"»“]{12,})[”\"»“]")
# A first-person sentence restates a fact when this share of its content words is in the facts.
SUPPORT = 0.6


@dataclass(frozen=True)
class ClaimFinding:
    kind: Kind
    sentence: str
    span: str
    reason: str


@dataclass
class ClaimsReport:
    findings: list[ClaimFinding] = field(default_factory=list)
    sentences: int = 0

    @property
    def passed(self) -> bool:
        return not self.findings

    def counts(self) -> dict[str, int]:
        counted = Counter(finding.kind for finding in self.findings)
        return {kind: counted.get(kind, 0) for kind in ("numeral", "first_person", "testimonial")}

    def summary(self, limit: int = 3) -> str:
        if self.passed:
            return f"claims gate: {self.sentences} sentences, no untraceable claim"
        shown = "; ".join(
            f"{f.kind} {f.span!r} in {f.sentence[:80]!r}: {f.reason}" for f in self.findings[:limit]
        )
        more = f" (and {len(self.findings) - limit} more)" if len(self.findings) > limit else ""
        return f"claims gate: {len(self.findings)} untraceable claim(s): {shown}{more}"


@lru_cache(maxsize=8)
def _lexicon(language: str) -> dict[str, Any]:
    root = resources.files("marketing_engine").joinpath("data", "claims")
    english = yaml.safe_load(root.joinpath("en.yaml").read_text("utf-8"))
    own = root.joinpath(f"{language}.yaml")
    data = yaml.safe_load(own.read_text("utf-8")) if own.is_file() else {}
    lexicon = {**english, **data}
    for key in ("first_person", "generic", "stopwords", "first_person_not", "percent_words"):
        lexicon[key] = frozenset(str(word).lower() for word in lexicon.get(key, []))
    lexicon["number_words"] = {str(k).lower(): v for k, v in (lexicon.get("number_words") or {}).items()}
    return lexicon


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


# The brand file's sections that hold facts; palette, cadence and settings hold numbers that are not.
FACT_SECTIONS = (
    "name",
    "tagline",
    "description",
    "audience",
    "seed_topics",
    "products",
    "locations",
    "competitors",
    "facts",
    "authors",
)


def _values(token: str, decimal: str) -> set[Decimal]:
    """What a number stands for: `4,000` is 4000 where the decimal mark is `.`; `21,50` is 21.5 where
    it is `,`. A range (`25-45`) stands for itself and for both ends; a phone number only for itself."""
    pieces = token.split("-")
    found: set[Decimal] = set()
    for piece in [token.replace("-", ""), *(pieces if len(pieces) == 2 else [])]:
        whole, mark, fraction = piece.rpartition(decimal) if decimal in piece else (piece, "", "")
        digits = re.sub(r"[^\d]", "", whole)
        try:
            found.add(Decimal(f"{digits}.{fraction}" if mark and fraction.isdigit() else digits))
        except InvalidOperation:
            continue
    return {value.normalize() for value in found}


def _stem(word: str) -> str:
    return word[:5]


def _numbers(text: str, lexicon: dict[str, Any]) -> Iterable[tuple[str, str | None]]:
    """Each number with what it counts: the stem of the next word (None for a stopword or punctuation)."""
    for match in _NUMBER.finditer(text):
        after = _AFTER.match(text, match.end())
        unit = _fold(after.group(1)) if after and after.group(1) else None
        if unit in lexicon["percent_words"]:
            unit = "%"
        if unit and unit != "%" and (unit in lexicon["stopwords"] or len(unit) < 2):
            unit = None
        yield match.group(0), (_stem(unit) if unit else None)


class Evidence:
    """The brand file's text and numbers plus the writer's cited evidence, ready to check drafts against."""

    def __init__(self, profile: BrandProfile, extra: Iterable[str] = ()):
        from babel.dates import get_day_names
        from babel.numbers import get_decimal_symbol

        self.language = profile.language
        self.lexicon = _lexicon(self.language)
        self.decimal = get_decimal_symbol(profile.babel_locale)
        self.numbers: set[Decimal] = set()
        self.counted: set[tuple[Decimal, str]] = set()
        self.times: set[tuple[int, int]] = set()
        self.words: set[str] = set()
        self.stems: set[str] = set()
        self.prefixes: set[str] = set()
        dumped = profile.model_dump(mode="json")
        for key in FACT_SECTIONS:
            for text in _strings(dumped.get(key)):
                self._learn(text, ".")
        days = get_day_names("wide", locale=profile.babel_locale)
        order = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        for location in profile.locations:
            for hours in location.hours:
                self._learn(" ".join(days[order.index(day)] for day in hours.days), self.decimal)
            if (
                location.address
            ):  # printed as one line: "1220 SE Hawthorne Blvd, Portland, OR 97214", "1100-544 Lisboa"
                street, code = location.address.street, location.address.postal_code
                for line in (
                    f"{street}, {code} {location.city}",
                    f"{street}, {location.city}, {location.region} {code}",
                ):
                    self._learn(line, ".")
        for product in profile.products:
            if product.price is not None:
                self._learn(profile.price_of(product), self.decimal)
        for text in extra:
            self._learn(text, self.decimal)
        self.quotes = [_fold(quote.text) for quote in profile.facts.publishable_quotes]

    def _learn(self, text: str, decimal: str) -> None:
        for hour, minute in _TIME.findall(text):
            self.times.add((int(hour), int(minute)))
        for token, unit in _numbers(_TIME.sub(" ", text), self.lexicon):
            values = _values(token, decimal) | (
                _values(token, self.decimal) if decimal != self.decimal else set()
            )
            self.numbers |= values
            if unit:
                self.counted |= {(value, unit) for value in values}
        for word in _WORD.findall(_fold(text)):
            self.words.add(word)
            self.stems.add(_stem(word))
            self.prefixes.add(word[:4])
            if word in self.lexicon["number_words"]:
                self.numbers.add(Decimal(self.lexicon["number_words"][word]).normalize())

    def with_extra(self, extra: Iterable[str]) -> Evidence:
        clone = object.__new__(Evidence)
        clone.__dict__.update(
            {
                **self.__dict__,
                "numbers": set(self.numbers),
                "counted": set(self.counted),
                "times": set(self.times),
                "words": set(self.words),
                "stems": set(self.stems),
                "prefixes": set(self.prefixes),
            }
        )
        for text in extra:
            clone._learn(text, self.decimal)
        return clone


def _strings(node: Any) -> Iterable[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield str(node)
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _strings(value)


def _is_first_person(words: list[str], lexicon: dict[str, Any]) -> str | None:
    for word in words:
        if word in lexicon["first_person"]:
            return word
        endings = lexicon.get("first_person_endings") or ()
        if (
            endings
            and len(word) >= 5
            and word.endswith(tuple(endings))
            and word.isascii()
            and word not in lexicon["first_person_not"]
            and word not in lexicon["generic"]
        ):
            return word
    return None


def _supported(word: str, evidence: Evidence) -> bool:
    """The word, or a form of it (`sell`/`sells`, `service`/`services`), is in the evidence."""
    if word in evidence.words or _stem(word) in evidence.stems:
        return True
    return len(word) == 4 and word in evidence.prefixes


def _check_sentence(sentence: str, evidence: Evidence) -> list[ClaimFinding]:
    lexicon = evidence.lexicon
    found: list[ClaimFinding] = []
    for match in _TIME.finditer(sentence):
        if (int(match.group(1)), int(match.group(2))) not in evidence.times:
            found.append(
                ClaimFinding("numeral", sentence, match.group(0), "a time the brand's hours do not hold")
            )
    for token, unit in _numbers(_TIME.sub(" ", sentence), lexicon):
        values = _values(token, evidence.decimal)
        if not values & evidence.numbers:
            found.append(
                ClaimFinding(
                    "numeral", sentence, token, "the brand file and the cited sources hold no such number"
                )
            )
        elif unit and not {(value, unit) for value in values} & evidence.counted:
            found.append(
                ClaimFinding(
                    "numeral",
                    sentence,
                    f"{token} {unit}",
                    "the brand file holds this number, but not of this",
                )
            )
    words = _WORD.findall(_fold(sentence))
    for word in words:
        value = lexicon["number_words"].get(word)
        if (
            value is not None
            and Decimal(value).normalize() not in evidence.numbers
            and word not in evidence.words
        ):
            found.append(
                ClaimFinding("numeral", sentence, word, "a count or share the brand file does not state")
            )
    pronoun = _is_first_person(words, lexicon)
    if pronoun:
        content = [
            w
            for w in words
            if len(w) > 2
            and w not in lexicon["stopwords"]
            and w not in lexicon["first_person"]
            and w not in lexicon["generic"]
            and w != pronoun
        ]
        supported = [w for w in content if _supported(w, evidence)]
        if content and len(supported) / len(content) < SUPPORT:
            missing = [w for w in content if w not in supported]
            found.append(
                ClaimFinding(
                    "first_person",
                    sentence,
                    pronoun,
                    f"a first-person claim no brand fact states (unsupported: {', '.join(missing[:5])})",
                )
            )
    return found


def check_claims(text: str, profile: BrandProfile, evidence: Iterable[str] | Evidence = ()) -> ClaimsReport:
    """Every untraceable numeral, first-person claim and quoted testimonial in `text`."""
    facts = evidence if isinstance(evidence, Evidence) else Evidence(profile, evidence)
    report = ClaimsReport()
    for match in _QUOTED.finditer(text):
        quoted = _fold(match.group(1)).strip()
        if len(quoted.split()) >= 4 and not any(quoted in quote or quote in quoted for quote in facts.quotes):
            report.findings.append(
                ClaimFinding(
                    "testimonial", match.group(0), match.group(1)[:60], "not a quote the brand file permits"
                )
            )
    quoted_spans = [match.span() for match in _QUOTED.finditer(text)]
    unquoted = "".join(text[start:end] for start, end in _gaps(quoted_spans, len(text)))
    for sentence in _SENTENCE.split(unquoted):
        sentence = sentence.strip()
        if not sentence:
            continue
        report.sentences += 1
        report.findings.extend(_check_sentence(sentence, facts))
    return report


def _gaps(spans: list[tuple[int, int]], length: int) -> Iterable[tuple[int, int]]:
    cursor = 0
    for start, end in spans:
        yield cursor, start
        cursor = end
    yield cursor, length
