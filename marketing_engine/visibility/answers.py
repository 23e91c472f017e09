"""An assistant's answer and the record it becomes.

`read_answer` is the one parser every backend's answer goes through (the simulator's too): the
brand and its competitors are found by name in the text and by domain in the cited URLs (or in a
citation's title, where a grounding service cites through a redirect and names the site there).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Citation:
    """One source an answer cites: its URL, title and the passage it was cited for."""

    url: str
    title: str = ""
    cited_text: str = ""


@dataclass(frozen=True)
class Answer:
    """What one assistant answered to one question, with the sources it cited."""

    assistant: str
    question: str
    text: str
    citations: tuple[Citation, ...] = ()
    model: str = ""
    provenance: str = "api"  # api | simulator


@dataclass(frozen=True)
class Rival:
    """A name to look for in answers and the domain its site lives on."""

    name: str
    domain: str


@dataclass(frozen=True)
class Names:
    """The brand and its competitors (from the brand file), as answers are searched for them."""

    brand: Rival
    competitors: tuple[Rival, ...] = ()

    @classmethod
    def of(cls, profile: Any) -> Names:
        """From a `BrandProfile`: its name and domain, and its competitors'."""
        return cls(
            Rival(profile.name, profile.domain),
            tuple(Rival(c.name, c.domain) for c in profile.competitors),
        )


@dataclass(frozen=True)
class VisibilityRecord:
    """One question × assistant: the row `ai_visibility` keeps (with brand and day added)."""

    assistant: str
    query: str
    brand_mentioned: bool
    brand_cited: bool
    cited_url: str | None
    brand_rank: int | None
    brands_mentioned: int
    competitors_mentioned: list[str] = field(default_factory=list)
    competitors_cited: list[str] = field(default_factory=list)
    sources: list[dict[str, str]] = field(default_factory=list)
    model: str = ""
    provenance: str = "api"

    @property
    def gap(self) -> bool:
        """A competitor is named or cited and the brand is neither."""
        rivals = self.competitors_mentioned or self.competitors_cited
        return bool(rivals) and not (self.brand_mentioned or self.brand_cited)

    def row(self, brand: str, day: Any) -> dict[str, Any]:
        return {"brand": brand, "day": day, **self.__dict__}


def _first_mention(text: str, name: str, domain: str) -> int | None:
    """Where the name (as whole words) or the domain first appears in the text, case-insensitively."""
    folded = text.casefold()
    spots = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(name.casefold())}(?!\w)", folded)][:1]
    if (at := folded.find(domain.casefold())) >= 0:
        spots.append(at)
    return min(spots) if spots else None


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def _on_site(citation: Citation, domain: str) -> bool:
    domain = domain.lower().removeprefix("www.")
    hosts = (host_of(citation.url), citation.title.strip().lower().removeprefix("www."))
    return any(host == domain or host.endswith("." + domain) for host in hosts)


def _cited(citations: Sequence[Citation], domain: str) -> str | None:
    return next((c.url for c in citations if _on_site(c, domain)), None)


def read_answer(answer: Answer, names: Names) -> VisibilityRecord:
    """The record of one answer: mentions by name or domain in the text, citations by domain."""
    brand = names.brand
    positions = {
        rival.name: at
        for rival in (brand, *names.competitors)
        if (at := _first_mention(answer.text, rival.name, rival.domain)) is not None
    }
    brand_at = positions.get(brand.name)
    rank = 1 + sum(at < brand_at for at in positions.values()) if brand_at is not None else None
    cited_url = _cited(answer.citations, brand.domain)
    sources = list({c.url: {"url": c.url, "title": c.title} for c in answer.citations}.values())
    return VisibilityRecord(
        assistant=answer.assistant,
        query=answer.question,
        brand_mentioned=brand_at is not None,
        brand_cited=cited_url is not None,
        cited_url=cited_url,
        brand_rank=rank,
        brands_mentioned=len(positions),
        competitors_mentioned=[c.name for c in names.competitors if c.name in positions],
        competitors_cited=[c.name for c in names.competitors if _cited(answer.citations, c.domain)],
        sources=sources,
        model=answer.model,
        provenance=answer.provenance,
    )
