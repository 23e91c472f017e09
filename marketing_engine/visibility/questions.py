"""The brand's priority questions: what the keyword universe says people ask and buy.

Question keywords (they start with one of the language's question words) and money keywords
(commercial or transactional intent), highest search volume first, at most `limit`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from marketing_engine.seo.intent import is_question

MONEY_INTENTS = ("commercial", "transactional")


@dataclass(frozen=True)
class StoredKeyword:
    text: str
    intent: str
    volume: int | None


@dataclass(frozen=True)
class Question:
    """One question to put to the assistants, and why it was chosen."""

    text: str
    intent: str
    kind: str  # question | money


def priority_questions(keywords: Sequence[StoredKeyword], language: str, limit: int = 20) -> list[Question]:
    """Questions and money keywords, by volume (then alphabetically), each once."""
    chosen = []
    for keyword in sorted(keywords, key=lambda k: (-(k.volume or 0), k.text)):
        if is_question(keyword.text, language):
            chosen.append(Question(keyword.text, keyword.intent, "question"))
        elif keyword.intent in MONEY_INTENTS:
            chosen.append(Question(keyword.text, keyword.intent, "money"))
        if len(chosen) == limit:
            break
    return chosen
