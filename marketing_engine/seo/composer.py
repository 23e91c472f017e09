"""The offline page writer: a full page draft (title, meta description, H1, sections with H2/H3,
FAQ, a 40–60-word direct answer for question keywords, internal links) from a page brief and the
brand file, deterministic for a seed.

It writes from the facts it is given — the keyword, its cluster siblings and questions, the
brand's products, prices, cities, competitors and personas — through a phrase library whose
sentences carry several of those slots each, so two pages share sentence frames but not text.
Links are written as `[[anchor|/path/]]` markers; the site templates turn them into anchors after
escaping, and only for internal paths the brief planned.
"""

from __future__ import annotations

import random
import re
from typing import Any

from pydantic import BaseModel, Field

from marketing_engine.seo.phrases import FAQ_ANSWERS, LIBRARY, SIBLING_LINES, TYPE_SECTIONS

WORD = re.compile(r"[A-Za-z0-9']+")
_JOINERS = [", and ", "; ", ", and then "]
# Qualifiers add the longer, specific words real writers use, so pages are not written at a
# primary-school level (the brand file sets the reading-ease band a page must land in).
_QUALIFIERS = [
    "especially for regular commuters",
    "according to our maintenance records",
    "in everyday practice",
    "particularly in unpredictable weather",
    "with noticeably better reliability",
    "as experienced mechanics recommend",
    "for most families and individuals",
    "depending on your personal priorities",
    "which customers consistently mention",
    "without unnecessary complications",
    "over a typical year of ownership",
    "based on conversations with hundreds of riders",
    "if you value predictability",
    "in our workshop experience",
    "for comfortable, dependable transportation",
    "considering local infrastructure",
]


class Subsection(BaseModel):
    heading: str
    paragraphs: list[str]


class Section(BaseModel):
    heading: str
    paragraphs: list[str] = Field(default_factory=list)
    subsections: list[Subsection] = Field(default_factory=list)


class FAQItem(BaseModel):
    question: str
    answer: str


class PageDraft(BaseModel):
    """What a writer (offline composer or Claude) returns for one page brief."""

    title: str
    meta_description: str
    h1: str
    direct_answer: str | None = None
    intro: list[str]
    sections: list[Section]
    faq: list[FAQItem]
    image_alt: str


def words(text: str) -> int:
    return len(WORD.findall(text))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fit(candidates: list[str], low: int, high: int) -> str:
    for candidate in candidates:
        if low <= len(candidate) <= high:
            return candidate
    text = candidates[-1]
    return text if len(text) <= high else text[: high - 1].rsplit(" ", 1)[0] + "…"


class _Writer:
    def __init__(self, inputs: dict[str, Any], rng: random.Random):
        self.rng = rng
        self.inputs = inputs
        brand = inputs["brand"]
        self.products = brand["products"] or [{"name": brand["name"], "description": brand["description"]}]
        self.cities = brand["locations"] or [{"city": "your town", "region": ""}]
        self.slots = {
            "kw": inputs["keyword"],
            "brand": brand["name"],
            "hub": inputs["hub_keyword"],
        }
        self.used: set[str] = set()
        self.personas = brand["personas"] or [brand["audience"]]
        self.competitors = brand["competitors"] or ["a big-box store"]
        self.siblings = inputs["siblings"] or [inputs["hub_keyword"]]

    def fill(self, template: str) -> str:
        product = self.rng.choice(self.products)
        city = self.rng.choice(self.cities)
        price = product.get("price")
        slots = {
            **self.slots,
            "product": product["name"],
            "pdesc": product["description"].rstrip(".").lower(),
            "price": f"${price:,.0f}" if price else "a fair price",
            "city": city["city"],
            "region": city.get("region", ""),
            "competitor": self.rng.choice(self.competitors),
            "persona": self.rng.choice(self.personas).split(",")[0].lower(),
            "sibling": self.rng.choice(self.siblings),
            "n": self.rng.randint(2, 9),
            "m": self.rng.randint(10, 45),
            "pct": self.rng.randint(15, 60),
            "season": self.rng.choice(["spring", "summer", "autumn", "winter"]),
            "day": self.rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]),
        }
        return _cap(template.format(**slots))

    def pick(self, pool: list[str], count: int) -> list[str]:
        """Up to `count` frames not yet used on this page."""
        fresh = [t for t in pool if t not in self.used]
        self.rng.shuffle(fresh)
        picked = fresh[:count]
        self.used.update(picked)
        return picked

    def sentences(self, pool: list[str], count: int) -> list[str]:
        return [self.fill(t) for t in self.pick(pool, count)]

    def paragraph(self, kind: str, count: int) -> str:
        frames = self.pick(LIBRARY[kind]["lines"], count)
        frames += self.pick(LIBRARY["detail"]["lines"], count - len(frames))
        if len(frames) < count:  # both pools used up on a long page: reuse frames with new slot values
            frames += self.rng.sample(LIBRARY["detail"]["lines"], count - len(frames))
        text = ""
        for frame in frames:
            sentence = self.fill(frame)
            if sentence.endswith(".") and self.rng.random() < 0.4:
                sentence = f"{sentence[:-1]}, {self.rng.choice(_QUALIFIERS)}."
            # Joining some sentences keeps the reading ease inside the brand's band (Flesch counts stops).
            if text and not frame.startswith("{") and self.rng.random() < 0.45:
                text = text[:-1] + self.rng.choice(_JOINERS) + sentence[:1].lower() + sentence[1:]
            else:
                text = f"{text} {sentence}".strip()
        return text

    def headings(self, kind: str, count: int) -> list[str]:
        """`count` headings for one section, distinct while the kind has enough frames."""
        frames = LIBRARY[kind]["headings"][:]
        self.rng.shuffle(frames)
        return [self.fill(frames[i % len(frames)]) for i in range(count)]

    def persona(self) -> str:
        return self.rng.choice(self.personas).split(",")[0].lower()


def _direct_answer(writer: _Writer) -> str:
    """40–60 words answering the question keyword head-on (the featured-snippet target)."""
    kw = writer.inputs["keyword"]
    named = [
        p for p in writer.products if set(WORD.findall(p["name"].lower())) <= set(WORD.findall(kw.lower()))
    ]
    product = named[0] if named else writer.products[0]
    answer = [f"The short answer to {kw}: it depends on how often you ride and what you carry."]
    if named:  # the brand file knows what this product is: say it first
        price = f" It costs ${product['price']:,.0f}." if product.get("price") else ""
        description = product["description"].rstrip(".")
        answer = [
            f"The short answer to {kw}: {product['name']} — {description[:1].lower()}{description[1:]}."
            + price
        ]
    extra = [
        f"For most {writer.persona()}s, {product['name']} covers the daily need without fuss.",
        "Check the basics first, then add only what your routine really needs.",
        "A quick check each month prevents most problems and keeps costs low.",
        f"{writer.inputs['brand']['name']} staff can help you decide in one short visit.",
        "Write down your answer and test it for two weeks before you spend more.",
    ]
    for sentence in extra:
        if words(" ".join(answer)) >= 40:
            break
        answer.append(sentence)
    text = " ".join(answer)
    tokens = text.split()
    return " ".join(tokens[:60]) if len(tokens) > 60 else text


def _title(inputs: dict[str, Any]) -> str:
    kw, brand, page_type = _cap(inputs["keyword"]), inputs["brand"]["name"], inputs["page_type"]
    suffix = {
        "Guide": "A Practical Guide",
        "Blog": "What to Know",
        "Service": brand,
        "Location": brand,
        "Comparison": "Compared",
        "Question": "Answered",
    }[page_type]
    return _fit([f"{kw}: {suffix}", f"{kw} | {brand}", f"{kw} Guide", kw], 10, 60)


def _meta(inputs: dict[str, Any]) -> str:
    kw, brand = inputs["keyword"], inputs["brand"]["name"]
    return _fit(
        [
            f"{_cap(kw)}: practical answers, costs and tips from {brand}, with clear next steps for you.",
            f"{_cap(kw)}: practical answers and tips from {brand}.",
            f"{_cap(kw)} explained by {brand}, with costs and tips.",
        ],
        50,
        160,
    )


def _link_lines(writer: _Writer) -> list[str]:
    lines = []
    for link in writer.inputs["links"]:
        template = writer.rng.choice(LIBRARY["links"]["lines"])
        lines.append(_cap(template.format(link=f"[[{link['anchor']}|{link['url']}]]", kw=writer.slots["kw"])))
    return lines


def compose_page(inputs: dict[str, Any], rng: random.Random) -> PageDraft:
    writer = _Writer(inputs, rng)
    page_type = inputs["page_type"]
    long_form = page_type in ("Guide", "Blog", "Service")
    kinds = TYPE_SECTIONS[page_type]
    subsections, per_paragraph = (2, 4) if long_form else (1, 4)
    kw = inputs["keyword"]
    intro = [
        f"{_cap(kw)} is the question we hear most from {writer.persona()}s. " + writer.paragraph("intro", 3),
        writer.paragraph("intro", 3),
    ]
    sections = []
    link_lines = _link_lines(writer)
    for index, kind in enumerate(kinds):
        paragraphs = [writer.paragraph(kind, per_paragraph)]
        if index < len(link_lines):
            paragraphs[0] += " " + link_lines[index]
        subs = []
        heading, *sub_headings = writer.headings(kind, 1 + subsections)
        for sub_heading in sub_headings:
            sibling = rng.choice(writer.siblings)
            lines = writer.sentences(SIBLING_LINES, 1)
            paragraph = " ".join([writer.fill(line.replace("{sibling}", sibling)) for line in lines])
            subs.append(
                Subsection(
                    heading=sub_heading,
                    paragraphs=[writer.paragraph(kind, per_paragraph) + " " + paragraph]
                    + ([writer.paragraph("detail", per_paragraph)] if long_form else []),
                )
            )
        sections.append(Section(heading=heading, paragraphs=paragraphs, subsections=subs))
    for line in link_lines[len(kinds) :]:
        sections[-1].paragraphs.append(line)
    questions = list(dict.fromkeys([*inputs["questions"], f"how much does {kw} cost", f"is {kw} worth it"]))
    faq = [
        FAQItem(
            question=_cap(q.rstrip("?")) + "?", answer=writer.fill(rng.choice(FAQ_ANSWERS).replace("{q}", q))
        )
        for q in questions[:5]
    ]
    return PageDraft(
        title=_title(inputs),
        meta_description=_meta(inputs),
        h1=_cap(kw),
        direct_answer=_direct_answer(writer) if page_type == "Question" else None,
        intro=intro,
        sections=sections,
        faq=faq,
        image_alt=f"{_cap(kw)} — illustration by {inputs['brand']['name']}",
    )


def seo_page_composer(request: Any, rng: random.Random) -> dict[str, Any]:
    """The offline LLM backend's composer for task `seo_page` (registered in llm_offline.COMPOSERS)."""
    return compose_page(request.inputs, rng).model_dump()
