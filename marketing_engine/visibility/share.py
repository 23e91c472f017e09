"""Share of voice per assistant, and the gaps: questions where a competitor shows up and the brand
does not."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from marketing_engine.visibility.answers import VisibilityRecord


@dataclass(frozen=True)
class ShareOfVoice:
    """One assistant's day: the brand's share of all brand appearances (each brand counted once per
    answer, named or cited), and how often it was named and cited."""

    assistant: str
    questions: int
    share_of_voice: float
    mention_rate: float
    citation_rate: float


def share_of_voice(records: Iterable[VisibilityRecord]) -> list[ShareOfVoice]:
    by_assistant: dict[str, list[VisibilityRecord]] = {}
    for record in records:
        by_assistant.setdefault(record.assistant, []).append(record)
    shares = []
    for assistant, rows in sorted(by_assistant.items()):
        brand = sum(r.brand_mentioned or r.brand_cited for r in rows)
        rivals = sum(len(set(r.competitors_mentioned) | set(r.competitors_cited)) for r in rows)
        shares.append(
            ShareOfVoice(
                assistant=assistant,
                questions=len(rows),
                share_of_voice=round(brand / (brand + rivals), 4) if brand + rivals else 0.0,
                mention_rate=round(sum(r.brand_mentioned for r in rows) / len(rows), 4),
                citation_rate=round(sum(r.brand_cited for r in rows) / len(rows), 4),
            )
        )
    return shares


@dataclass(frozen=True)
class Gap:
    """A question where competitors were named or cited and the brand was not, on some assistants."""

    query: str
    assistants: tuple[str, ...]
    competitors: tuple[str, ...]

    def finding(self) -> str:
        return (
            f"AI assistants ({', '.join(self.assistants)}) answer {self.query!r} with "
            f"{', '.join(self.competitors)} and not the brand: a page that answers it is missing or not cited"
        )


def gaps(records: Sequence[VisibilityRecord]) -> list[Gap]:
    """One gap per question, most assistants first."""
    found: dict[str, tuple[set[str], set[str]]] = {}
    for record in records:
        if record.gap:
            assistants, rivals = found.setdefault(record.query, (set(), set()))
            assistants.add(record.assistant)
            rivals.update(record.competitors_mentioned, record.competitors_cited)
    ranked = sorted(found.items(), key=lambda item: (-len(item[1][0]), item[0]))
    return [Gap(query, tuple(sorted(a)), tuple(sorted(c))) for query, (a, c) in ranked]
