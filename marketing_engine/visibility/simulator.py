"""The offline assistant: a deterministic stand-in driven by the brand's own published pages.

How well the site answers a question is the share of the question's words (its question words
aside) that one page's title, heading, keyword and description hold. The better the best page
answers, the likelier that page is cited and the brand named, and the higher it ranks among the
brands named. Competitors come only from the brand file, each appearing by a fixed chance. Every
draw is a hash of (seed, assistant, day, question), so a day re-run gives the same answers. The
answer text holds only names, no claims: nothing is invented about anyone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from marketing_engine.seo.intent import question_starts
from marketing_engine.seo.keywords import tokens
from marketing_engine.visibility.answers import Answer, Citation, Names

COMPETITOR_CHANCE = 0.45  # how often a competitor is named in an answer
CITE_FLOOR, CITE_SPAN = 0.05, 0.9  # a page answering nothing is cited 5% of the time, a full answer 95%


@dataclass(frozen=True)
class SitePage:
    """One page of the brand's site as the simulator reads it."""

    url: str
    title: str
    text: str  # heading, keyword and description: what the page says it answers


def answer_score(question: str, page: SitePage, language: str = "en") -> float:
    """The share of the question's content words the page holds (0 … 1)."""
    asked = set(tokens(question)) - {w for start in question_starts(language) for w in start.split()}
    if not asked:
        return 0.0
    return len(asked & set(tokens(f"{page.title} {page.text}"))) / len(asked)


def _draw(*parts: object) -> float:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(frozen=True)
class SimulatedAssistant:
    """One assistant's name, answering from the brand's pages and competitor list."""

    name: str
    pages: Sequence[SitePage]
    names: Names
    day: date
    language: str = "en"
    seed: int = 0

    def best_page(self, question: str) -> tuple[SitePage | None, float]:
        scored = [(answer_score(question, page, self.language), page.url, page) for page in self.pages]
        if not scored:
            return None, 0.0
        score, _, page = max(scored, key=lambda item: (item[0], item[1]))
        return page, score

    def ask(self, question: str) -> Answer:
        def draw(what: str) -> float:
            return _draw(self.seed, self.name, self.day, question, what)

        page, score = self.best_page(question)
        chance = CITE_FLOOR + CITE_SPAN * score
        cited = page is not None and draw("cite") < chance
        named = cited or draw("name") < chance / 2
        standing = {self.names.brand.name: score} if named else {}
        citations = [Citation(page.url, page.title)] if cited and page else []
        for rival in self.names.competitors:
            if draw(f"name:{rival.name}") < COMPETITOR_CHANCE:
                standing[rival.name] = draw(f"rank:{rival.name}")
                if draw(f"cite:{rival.name}") < 0.5:
                    citations.append(Citation(f"https://{rival.domain}/", rival.name))
        ordered = sorted(standing, key=lambda name: -standing[name])
        return Answer(
            assistant=self.name,
            question=question,
            text="; ".join(ordered),
            citations=tuple(citations),
            model="simulator",
            provenance="simulator",
        )
