"""The example brands and each one's trade vocabulary, for tests that no output of one brand 
another's words (a vocabulary-leak test)."""

from __future__ import annotations

import re
from functools import lru_cache

from marketing_engine.brand import BrandProfile, load_brand
from marketing_engine.settings import PROJECT_ROOT

EXAMPLE_FILES = (
    PROJECT_ROOT / "brand.example.yaml",
    PROJECT_ROOT / "examples" / "tallybird.yaml",
    PROJECT_ROOT / "examples" / "tasca-da-conceicao.yaml",
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Words too common in any trade's copy to say which trade a text is about.
_COMMON = frozenset(
    """about after also and any are around as at be best book by can care day days each every for from
    full get guide has have help home how in into is it its more most near new not of on one or our out
    over plan plans price prices service services team than that the their this to two up with without
    you your what when where which who why will work year years per month team free extra menu long
    longer check comes front online option options office mobile multi health draft family  
    carries charges approved approval alerts alert budget budgets live half whole real time times simple
    include includes included  need needs setup sets both first last small large light other open
    rules turns running weekly rated rates class  remote  credit  children   
    daily parent parents people replacing want wants keep everyday city design small sells stores
    teams founder which whole money  quiet those know hours minutes  friends weekend
    para entre eles dois duas casa grupo grupos como mais sem todos sempre seis fechado entradas
    partilhar pessoas procuram procura quer querem moradores visitantes casas tradicional friday semana
    lead leads person against turn burn fits amigos  pequenos pressa   tranquilo visitante
    """.split()  # noqa: SIM905 - a word list reads better as prose
)


@lru_cache(maxsize=1)
def examples() -> tuple[BrandProfile, ...]:
    return tuple(load_brand(path) for path in EXAMPLE_FILES)


def trade_words(profile: BrandProfile) -> set[str]:
    """The words a brand's trade is made of: its seed topics, product names, descriptions and features."""
    texts = [*profile.seed_topics, profile.tagline, profile.description, profile.audience.description]
    texts += profile.audience.personas
    for product in profile.products:
        texts += [product.name, product.description, *product.features]
    found = {word.casefold() for text in texts for word in _WORD.findall(text)}
    return {word for word in found if len(word) >= 4 and word not in _COMMON}


def own_words(profile: BrandProfile) -> set[str]:
    dumped = profile.model_dump_json()
    return {word.casefold() for word in _WORD.findall(dumped)}


def foreign_words(own: BrandProfile, others: list[BrandProfile] | None = None) -> set[str]:
    """Words of the other example brands' trades that the own brand file never uses."""
    others = [other for other in (others or examples()) if other.name != own.name]
    mine = own_words(own)
    return {word for other in others for word in trade_words(other)} - mine


def leaks(text: str, own: BrandProfile) -> dict[str, int]:
    """The foreign trade words in `text`, with their counts."""
    foreign = foreign_words(own)
    counts: dict[str, int] = {}
    for word in _WORD.findall(text):
        key = word.casefold()
        if key in foreign:
            counts[key] = counts.get(key, 0) + 1
    return counts
