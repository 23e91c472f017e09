"""Keyword normalization, near-duplicate merging and the offline keyword expansion.

Two phrasings are the same keyword when they differ only in case, punctuation, plurals or word
order ("Widgets Blue" = "blue widget"). `dedupe_key` gives that identity; it is what the
warehouse stores as `keywords.normalized`. Words keep their letters in any script ("Invisíveis"
stays "invisíveis"). The offline expansion grows each seed with the question words, modifiers,
audiences, locations and competitor comparisons of the brand's language (`data/frames/seo/<lang>.yaml`),
the way autocomplete would.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from marketing_engine.wording import frames

if TYPE_CHECKING:
    from marketing_engine.brand import BrandProfile

_TOKEN = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
# Portuguese: a word ending in a stressed vowel and "s" is singular (país, inglês); else the plural rules.
_PT_STRESSED_S = re.compile(r"[áéíóúâêô]s$")


@lru_cache(maxsize=1)
def _inflect() -> Any:
    import inflect

    return inflect.engine()


@lru_cache(maxsize=65536)
def singular(word: str, language: str = "en") -> str:
    """The singular of a plural noun, good enough to merge keyword plurals (`inflect` for English,
    the regular plural endings for Portuguese, the word itself for other languages)."""
    if len(word) <= 3 or word[-1:] != "s":
        return word
    if language == "en":
        found = _inflect().singular_noun(word)
        return found if isinstance(found, str) and found else word
    if language == "pt":
        if _PT_STRESSED_S.search(word) or word.endswith("ss"):
            return word
        for plural, single in (("ões", "ão"), ("ães", "ão"), ("eis", "el"), ("ais", "al"), ("óis", "ol")):
            if word.endswith(plural):
                return word[: -len(plural)] + single
        if word.endswith(("res", "zes", "ses")):
            return word[:-2]
        return word[:-1]
    return word


@lru_cache(maxsize=4096)
def plural(phrase: str, language: str = "en") -> str:
    """The plural of a noun phrase's last word ("first-time buyer" -> "first-time buyers")."""
    head, _, last = phrase.rpartition(" ")
    if language == "en":
        word = _inflect().plural_noun(last) or last
    elif language == "pt":
        if last.endswith("ão"):
            word = last[:-2] + "ões"
        elif last.endswith(("r", "z", "s")):
            word = last if last.endswith("s") else last + "es"
        elif last.endswith("l"):
            word = last[:-1] + "is"
        else:
            word = last + "s"
    else:
        word = last
    return f"{head} {word}".strip()


def tokens(text: str) -> list[str]:
    """The words of a text, lower case, letters of every script kept (`\\w`, never `[a-z]`)."""
    return _TOKEN.findall(text.casefold().replace("’", "'"))


def clean(text: str) -> str:
    """Lower case, punctuation stripped, single spaces: how a keyword is displayed."""
    return " ".join(tokens(text))


def dedupe_key(text: str, language: str = "en") -> str:
    """The identity of a keyword: singular tokens in sorted order."""
    return " ".join(sorted(singular(t, language) for t in tokens(text)))


def word_set(text: str, language: str = "en") -> set[str]:
    """The singular words of a text, for matching a page against facts and sources."""
    return {singular(t, language) for t in tokens(text)}


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


def merge_duplicates(ideas: Iterable[KeywordIdea], language: str = "en") -> list[MergedKeyword]:
    """Merge ideas with the same dedupe key; the shortest (then alphabetically first) phrasing is kept
    for display, so the result does not depend on the order ideas arrived in."""
    groups: dict[str, list[KeywordIdea]] = {}
    for idea in ideas:
        text = clean(idea.text)
        if not text:
            continue
        groups.setdefault(dedupe_key(text, language), []).append(
            KeywordIdea(text, idea.seed, idea.source, idea.volume)
        )
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


def keyword_rows(merged: Iterable[MergedKeyword], classify: Callable[[str], str]) -> list[dict[str, Any]]:
    """The `keywords` rows of a merged universe (without the brand), each with its intent."""
    return [
        {
            "normalized": m.normalized,
            "text": m.text,
            "seed": m.seed,
            "intent": classify(m.text),
            "source": m.source,
            "volume": m.volume,
        }
        for m in merged
    ]


def universe_summary(ideas: int, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """How the universe came out: ideas in, keywords kept, and their spread over seeds and intents."""
    per_seed = Counter(row["seed"] for row in rows)
    return {
        "ideas": ideas,
        "keywords": len(rows),
        "merged_duplicates": ideas - len(rows),
        "fewest_per_seed": min(per_seed.values()) if per_seed else 0,
        "per_seed": dict(per_seed),
        "intents": dict(Counter(row["intent"] for row in rows)),
    }


# --- offline expansion ------------------------------------------------------------------------


def audience_terms(personas: Sequence[str], language: str = "en", max_words: int = 3) -> list[str]:
    """What each persona is called in a search, in the plural: the first clause of the persona, cut
    before a relative or linking word or a verb form ("Parent hauling kids, …" → "parents";
    "Finance manager who …" → "finance managers"); a head longer than `max_words` keeps its first word."""
    words_of = frames("seo", language)["keywords"]
    cut, endings = set(words_of["persona_cut"]), tuple(words_of.get("persona_cut_endings", ()))
    found = []
    for persona in personas:
        words = tokens(persona.split(",")[0])
        head: list[str] = []
        for word in words:
            if word in cut or (head and len(word) > 5 and word.endswith(endings)):
                break
            head.append(word)
        if len(head) > max_words:
            head = head[:1]
        if head:
            found.append(plural(" ".join(head), language))
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class ExpansionContext:
    """What the offline expansion combines seeds with (from the brand file)."""

    brand: str
    cities: Sequence[tuple[str, str]] = ()
    competitors: Sequence[str] = ()
    audiences: Sequence[str] = ()
    language: str = "en"
    country: str = ""  # the audience's country (ISO 3166), for autocomplete


def expansion_context(profile: BrandProfile) -> ExpansionContext:
    """What the offline expansion combines the seeds with, in the brand's language."""
    return ExpansionContext(
        profile.name,
        [(loc.city, loc.region) for loc in profile.locations],
        [c.name for c in profile.competitors],
        audience_terms(profile.audience.personas, profile.language),
        profile.language,
        (profile.babel_locale.split("_")[1:] or [""])[0].lower(),
    )


def seeds_of(profile: BrandProfile) -> list[str]:
    """What the keyword universe grows from: the brand's seed topics and product names."""
    return [*profile.seed_topics, *(p.name for p in profile.products)]


def expand_seed(seed: str, context: ExpansionContext) -> list[KeywordIdea]:
    """All offline variations of one seed (before merging duplicates)."""
    words = frames("seo", context.language)["keywords"]
    s, brand = clean(seed), clean(context.brand)
    texts = [s]
    texts += [p.format(s=s, brand=brand) for p in words["brand"]]
    texts += [q.format(s=s) for q in words["questions"]]
    texts += [m.format(s=s) for m in words["modifiers"]]
    for audience in context.audiences:
        texts += [p.format(s=s, audience=clean(audience)) for p in words["audiences"]]
    for city, region in context.cities:
        region = "" if clean(region) == clean(city) else clean(region)  # "lisboa, lisboa"
        texts += [p.format(s=s, city=clean(city), region=region) for p in words["locations"]]
    for competitor in context.competitors:
        c = clean(competitor)
        texts += [p.format(s=s, c=c, brand=brand) for p in words["comparisons"]]
    return [KeywordIdea(" ".join(text.split()), seed) for text in texts]


def expand_offline(seeds: Sequence[str], context: ExpansionContext) -> list[KeywordIdea]:
    ideas: list[KeywordIdea] = []
    for seed in seeds:
        ideas += expand_seed(seed, context)
    return ideas
