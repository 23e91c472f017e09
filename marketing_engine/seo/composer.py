"""The offline page writer: a page draft (title, meta description, H1, sections, FAQ, a direct answer
for question keywords, internal links) from a page brief and the brand file's facts, deterministic
for a seed, in the brand's language.

It states only what the brand file holds — products with their descriptions, features and prices,
locations with address, phone and hours, cited sources with their summaries, the owner's FAQs, what
the file names about competitors (their names and domains) — and the page's own searches. Each
sentence is a generic frame of `data/frames/seo/<lang>.yaml` filled with those facts, anchored to the
page's keyword, so no sentence is another page's. A page the facts cannot fill comes out short;
the quality gates then keep it out of the index rather than the writer padding it.
Links are written as `[[anchor|/path/]]` markers; the site templates turn them into anchors after
escaping, and only for internal paths the brief planned.
"""

from __future__ import annotations

import random
from typing import Any

from pydantic import BaseModel, Field

from marketing_engine.seo.factsheet import PlaceFact, ProductFact, join, sheet_for
from marketing_engine.seo.keywords import tokens
from marketing_engine.wording import frames


class Subsection(BaseModel):
    heading: str
    paragraphs: list[str]


class Section(BaseModel):
    heading: str
    paragraphs: list[str] = Field(default_factory=list)
    items: list[str] = Field(default_factory=list)  # a bulleted list: features, prices
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

    def texts(self) -> list[str]:
        """Every piece of prose and list text of the draft (what the claims gate and the reuse count read)."""
        parts = [self.title, self.meta_description, self.h1, self.direct_answer or "", *self.intro]
        for section in self.sections:
            parts += [section.heading, *section.paragraphs, *section.items]
            for sub in section.subsections:
                parts += [sub.heading, *sub.paragraphs]
        for item in self.faq:
            parts += [item.question, item.answer]
        return [part for part in parts if part]

    def body_texts(self) -> list[str]:
        """The body prose: answer, intro, paragraphs, list items and FAQ answers (no headings)."""
        parts = [self.direct_answer or "", *self.intro]
        for section in self.sections:
            parts += [*section.paragraphs, *section.items]
            for sub in section.subsections:
                parts += sub.paragraphs
        parts += [item.answer for item in self.faq]
        return [part for part in parts if part]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


_ARTICLES = frozenset({"a", "an", "the", "o", "os", "as", "um", "uma", "uns", "umas"})


def _lower_first(text: str) -> str:
    """A brand-file sentence continued after a colon: "A compact two-seat model" → "a compact …".
    Only a leading article is lowered; any other first word may be a name ("Oregon law …")."""
    first = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if first.casefold() in _ARTICLES else text


def _fit(candidates: list[str], low: int, high: int) -> str:
    for candidate in candidates:
        if low <= len(candidate) <= high:
            return candidate
    text = candidates[-1]
    return text if len(text) <= high else text[: high - 1].rsplit(" ", 1)[0] + "…"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


class _Writer:
    def __init__(self, inputs: dict[str, Any], rng: random.Random):
        self.rng = rng
        self.inputs = inputs
        self.profile, self.sheet = sheet_for(inputs["brand"])
        self.language = self.profile.language
        self.words = frames("seo", self.language)["writer"]
        self.kw = inputs["keyword"]
        self.hub = inputs.get("hub_keyword") or self.kw
        self.page_type = inputs["page_type"]
        self.slots = {"kw": self.kw, "Kw": _cap(self.kw), "brand": self.profile.name, "topic": self.hub}
        self.contents: list[str] = []

    def say(self, frame: str | list[str], **slots: Any) -> str:
        chosen = self.rng.choice(frame) if isinstance(frame, list) else frame
        return chosen.format(**self.slots, **slots)

    def join(self, items: list[str]) -> str:
        return join(items, self.language)

    def note(self, what: str) -> None:
        label = self.words["contents"][what]
        if label not in self.contents:
            self.contents.append(label)

    # --- what the page is about -------------------------------------------------------------

    def products(self, limit: int) -> list[ProductFact]:
        found = self.sheet.relevant_products(self.sheet.informative(self.kw))
        if not found:
            found = self.sheet.relevant_products(self.sheet.informative(self.hub))
        return found[:limit]

    def competitors(self) -> list[tuple[str, str]]:
        named = set(tokens(self.kw))
        chosen = [c for c in self.sheet.competitors if set(tokens(c[0])) <= named]
        return chosen or list(self.sheet.competitors)

    # --- blocks -----------------------------------------------------------------------------

    def product_section(self, product: ProductFact, with_features: bool) -> Section:
        frame = self.words["product"]["with_price" if product.price else "without_price"]
        text = self.say(
            frame, product=product.name, price=product.price, description=_lower_first(product.description)
        )
        self.note("products")
        return Section(
            heading=self.say(self.words["headings"]["product_for"], product=product.name),
            paragraphs=[_sentence(text)],
            items=list(product.features) if with_features else [],
        )

    def location_section(self, place: PlaceFact) -> Section:
        frames_ = self.words["location"]
        paragraphs = []
        if place.street:
            phone = self.say(frames_["phone_part"], phone=place.phone) if place.phone else ""
            paragraphs.append(
                self.say(
                    frames_["address"],
                    store=place.label,
                    street=place.street,
                    postal_code=place.postal_code,
                    city=place.city,
                    phone_part=phone,
                )
            )
        if place.hours:
            paragraphs.append(
                self.say(frames_["hours"], store=place.label, hours=self.join(list(place.hours)))
            )
        self.note("locations")
        return Section(
            heading=self.say(self.words["headings"]["location"], store=place.label),
            paragraphs=[" ".join(paragraphs)] if paragraphs else [],
        )

    def price_section(self, products: list[ProductFact]) -> Section | None:
        priced = [p for p in products if p.price]
        if not priced:
            return None
        items = [self.say(self.words["price_item"], product=p.name, price=p.price) for p in priced]
        self.note("products")
        return Section(
            heading=self.say(self.words["headings"]["prices"]),
            paragraphs=[self.say(self.words["price_list"], list=self.join(items))],
        )

    def source_section(self, summaries: bool = True) -> Section | None:
        sources = self.sheet.relevant_sources(
            self.sheet.informative(f"{self.kw} {self.hub}") | self._topic_words()
        )
        if not sources:
            return None
        paragraphs = []
        for source in sources[:3]:
            publisher = source.publisher or source.title
            cited = self.say(self.words["source"]["cited"], publisher=publisher, title=source.title)
            paragraphs.append(
                f"{cited} {_sentence(source.summary)}" if source.summary and summaries else cited
            )
        self.note("sources")
        return Section(heading=self.say(self.words["headings"]["sources"]), paragraphs=paragraphs)

    def _topic_words(self) -> set[str]:
        from marketing_engine.seo.keywords import word_set

        return word_set(f"{self.kw} {self.hub}", self.language)

    def compare_section(self) -> Section | None:
        rivals = self.competitors()
        if not rivals:
            return None
        frames_ = self.words["compare"]
        paragraphs = [
            self.say(frames_["competitor"], competitor=name, domain=domain) for name, domain in rivals
        ]
        own = [
            self.say(self.words["price_item"], product=p.name, price=p.price)
            for p in (self.products(3) or self.sheet.products[:3])
            if p.price
        ]
        if own:
            paragraphs.append(self.say(frames_["own"], list=self.join(own)))
        self.note("compare")
        return Section(
            heading=self.say(self.words["headings"]["compare"], others=self.join([n for n, _ in rivals])),
            paragraphs=[" ".join(paragraphs)],
        )

    # --- questions --------------------------------------------------------------------------

    def asks(self, question: str) -> list[str]:
        padded = " " + " ".join(tokens(question)) + " "
        kinds = frames("seo", self.language)["pages"]["asks"]
        return [kind for kind, cues in kinds.items() if any(f" {cue} " in padded for cue in cues)]

    def answer(self, question: str) -> str | None:
        """An answer from the facts, or None when the brand file does not answer it."""
        frames_ = self.words["answer"]
        asks = self.asks(question)
        qwords = self.sheet.informative(question)
        products = self.sheet.relevant_products(qwords) or self.sheet.relevant_products(
            self.sheet.informative(self.hub)
        )
        exact = self.sheet.relevant_products(qwords, share=1.0)  # what the question is wholly about
        places = self.sheet.places_in(question) or self.sheet.places
        owner = self.sheet.faq_answering(question)
        if owner:
            return owner.answer
        if "price" in asks and any(p.price for p in products):
            priced = [p for p in products if p.price][:3]
            if len(priced) == 1:
                return self.say(frames_["price"], product=priced[0].name, price=priced[0].price)
            items = [self.say(self.words["price_item"], product=p.name, price=p.price) for p in priced]
            return self.say(frames_["price_many"], list=self.join(items))
        if "hours" in asks and any(p.hours for p in places):
            return " ".join(
                self.say(frames_["hours"], store=p.label, hours=self.join(list(p.hours)))
                for p in places
                if p.hours
            )
        if "place" in asks and any(p.street for p in places):
            items = [
                self.say(frames_["place_item"], store=p.label, street=p.street, city=p.city)
                for p in places
                if p.street
            ]
            return self.say(frames_["place"], list=self.join(items))
        if "compare" in asks and self.sheet.competitors:
            rivals = self.competitors()
            return " ".join(
                self.say(self.words["compare"]["competitor"], competitor=n, domain=d) for n, d in rivals
            )
        if "what" in asks and exact:
            product = exact[0]
            return _sentence(
                self.say(frames_["what"], product=product.name, description=_lower_first(product.description))
            )
        return None

    def faq(self, said: set[str]) -> list[FAQItem]:
        """The page's questions the facts answer, then the owner's FAQs on the page's topic; an answer
        already given on the page is not given again."""
        found = []
        candidates = [(_cap(q.rstrip("?")) + "?", self.answer(q)) for q in self.inputs.get("questions", [])]
        if self.page_type in ("Question", "Service"):
            page = self.sheet.informative(f"{self.kw} {self.hub}")
            candidates += [(qa.question, qa.answer) for qa in self.sheet.relevant_faqs(page)]
        for question, answer in candidates:
            if answer and answer not in said:
                said.add(answer)
                found.append(FAQItem(question=question, answer=answer))
        if found:
            self.note("faq")
        return found[:5]

    # --- the page ---------------------------------------------------------------------------

    def sections(self) -> tuple[list[Section], str | None]:
        kind, direct = self.page_type, None
        out: list[Section | None] = []
        if kind == "Service":
            # the features of the closest product; a second product by its price and description
            out += [self.product_section(p, with_features=i == 0) for i, p in enumerate(self.products(2))]
        elif kind == "Location":
            out += [self.location_section(p) for p in self.sheet.places_in(self.kw)]
            out.append(self.price_section(self.products(3)))
        elif kind == "Comparison":
            out.append(self.compare_section())
        elif kind == "Question":
            # a question the facts do not answer gets no answer and nothing to stand in for one
            answer = self.answer(self.kw)
            direct = self.say(self.words["direct"], answer=answer) if answer else None
            if answer:
                out += [
                    self.product_section(p, with_features=False)
                    for p in self.products(1)
                    if p.description not in answer  # the answer already says what it is
                ]
        elif kind == "Guide":  # what the cited sources say, then the closest product
            out.append(self.source_section())
            out += [self.product_section(p, with_features=False) for p in self.products(1)]
        else:  # Blog: the brand's products on the topic, and who else writes about it
            out += [self.product_section(p, with_features=False) for p in self.products(3)]
            out.append(self.source_section(summaries=False))
        return [s for s in out if s and (s.paragraphs or s.items)], direct


def _links_sentence(writer: _Writer) -> str | None:
    links = [
        writer.say(writer.words["topic_link"], anchor=f"[[{link['anchor']}|{link['url']}]]")
        if link["url"].startswith("/topics/")
        else f"[[{link['anchor']}|{link['url']}]]"
        for link in writer.inputs.get("links", [])
    ]
    if not links:
        return None
    return writer.say(writer.words["related"], list=writer.join(links))


def compose_page(inputs: dict[str, Any], rng: random.Random) -> PageDraft:
    writer = _Writer(inputs, rng)
    page_type = inputs["page_type"]
    sections, direct = writer.sections()
    said = {direct or ""} | {p for s in sections for p in s.paragraphs}
    faq = writer.faq(said)
    if direct:
        writer.note("answer")
    contents = "; ".join(writer.contents) if writer.contents else writer.words["contents"]["none"]
    intro_frame = writer.words["intro"][page_type]
    places = writer.sheet.places
    intro = [
        writer.say(
            intro_frame,
            contents=contents,
            where=writer.say(
                writer.words["location"]["where"], list=writer.join(sorted({p.city for p in places}))
            )
            if places
            else "",
            others=writer.join([n for n, _ in writer.competitors()]),
        )
    ]
    related = _links_sentence(writer)
    if related:
        intro.append(related)
    title = _fit([writer.say(t) for t in writer.words["title"][page_type]], 10, 60)
    title = _learned_title(title, inputs)
    meta = _fit([writer.say(m, contents=contents) for m in writer.words["meta"]], 50, 160)
    return PageDraft(
        title=title,
        meta_description=meta,
        h1=_cap(inputs["keyword"]),
        direct_answer=direct,
        intro=intro,
        sections=sections,
        faq=faq,
        image_alt=writer.say(writer.words["image_alt"]),
    )


def _learned_title(title: str, inputs: dict[str, Any]) -> str:
    """The title as campaign memory's decided title test wants it: with the brand's name after it
    when the variant won (`seo.split_test`), else as written."""
    from marketing_engine.seo.split_test import EXPERIMENT, LABELS, variant_title

    winners = (inputs.get("learned") or {}).get("winners") or {}
    if winners.get(EXPERIMENT) != LABELS[1]:
        return title
    return variant_title(title, str((inputs.get("brand") or {}).get("name") or "")) or title


def seo_page_composer(request: Any, rng: random.Random) -> dict[str, Any]:
    """The offline LLM backend's composer for task `seo_page` (registered in llm_offline.COMPOSERS)."""
    return compose_page(request.inputs, rng).model_dump()
