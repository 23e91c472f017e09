"""Pitches to journalist queries: the request the LLM gets, the offline composer that answers it,
and the checks every pitch passes whoever wrote it (within the query's word limit, citing at least
one of the brand's own pages)."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from marketing_engine.brand import BrandProfile
from marketing_engine.outreach.prospects import BrandPage, best_brand_page
from marketing_engine.resources.llm import LLMRequest

TASK = "journalist_pitch"


@dataclass(frozen=True)
class PitchDraft:
    subject: str
    body: str
    cited_urls: list[str]

    @property
    def word_count(self) -> int:
        return count_words(self.body)


def count_words(text: str) -> int:
    return len(re.findall(r"\S+", text))


def brand_pages(
    brand: BrandProfile, pages: Sequence[dict] = (), site_pages: Sequence[dict] = ()
) -> list[BrandPage]:
    """The brand's citable pages: its generated pages when the SEO group has made them, else the
    pages of its site folder and the product and service pages named in the brand file."""
    found = [BrandPage(p["url"], p["title"], p.get("keyword", "")) for p in pages if p.get("url")]
    if found:
        return found
    site = [BrandPage(p["url"], p["title"]) for p in site_pages if p.get("title")]
    products = [
        BrandPage(brand.site_url + p.url_path, p.name, p.description) for p in brand.products if p.url_path
    ]
    known = {page.url for page in site}
    home = BrandPage(brand.site_url + "/", f"{brand.name}: {brand.tagline}", brand.description)
    return [*site, *(p for p in [home, *products] if p.url not in known)]


def pitch_request(query: dict, brand: BrandProfile, pages: Sequence[BrandPage]) -> LLMRequest:
    text = f"{query['topic']} {query['details']}"
    ranked = sorted(pages, key=lambda p: -best_brand_page(text, [p])[1])[:2]
    sender = brand.outreach.sender_name if brand.outreach else brand.name
    inputs = {
        "topic": query["topic"],
        "outlet": query["outlet"],
        "journalist": query["journalist"],
        "details": query["details"],
        "requirements": query["requirements"],
        "word_limit": query["word_limit"],
        "brand": brand.name,
        "sender": sender,
        "description": brand.description,
        "locations": [f"{loc.city}, {loc.region}" for loc in brand.locations],
        "products": [p.description for p in brand.products],
        "pages": [{"url": p.url, "title": p.title} for p in ranked],
    }
    prompt = (
        f"Write a pitch answering this journalist request from {query['outlet']}: {query['topic']}.\n"
        f"Request: {query['details']}\nRequirements: {query['requirements']}\n"
        f"At most {query['word_limit']} words. Cite at least one of these pages by URL: "
        + ", ".join(p.url for p in ranked)
        + '\nAnswer as JSON {"subject": str, "body": str}.'
    )
    return LLMRequest(
        task=TASK,
        prompt=prompt,
        inputs=inputs,
        system=f"You write for {brand.name}.",
        max_tokens=800,
        custom_id=f"pitch-{query['query_key']}"[:64],
    )


_OPENERS = [
    "I run the workshop at {brand}, and {topic_lc} is something we talk about with riders every week.",
    "Happy to help with your piece on {topic_lc}; at {brand} we see this first-hand.",
    "{brand} works with {audience} every day, so {topic_lc} is close to home for us.",
]
_POINTS = [
    "What we see most: {product}",
    "From our stores in {locations}, the pattern is the same.",
    "The practical tip we give everyone is to start small and build the habit.",
    "Most questions we get are about cost over a year, not the price on day one.",
]


def _closest(topic: str, facts: Sequence[str]) -> str:
    """The fact sharing the most words with the topic (the first one on a tie)."""
    words = set(re.findall(r"[a-z0-9]+", topic.lower()))
    return max(facts, key=lambda fact: len(words & set(re.findall(r"[a-z0-9]+", fact.lower()))))


def compose_pitch(request: LLMRequest, rng: random.Random) -> dict:
    """The offline composer for `journalist_pitch`: a short pitch from the request's facts."""
    i = request.inputs
    slots = {
        "brand": i["brand"],
        "topic_lc": i["topic"].rstrip("?.").lower(),
        "audience": "commuters and families",
        "locations": " and ".join(i.get("locations") or ["our town"]),
        "product": _closest(i["topic"], i.get("products") or [i["description"]]),
    }
    sentences = [rng.choice(_OPENERS).format(**slots)]
    points = _POINTS[:]
    rng.shuffle(points)
    sentences += [p.format(**slots) for p in points[:3]]
    cite = i["pages"][0] if i.get("pages") else None
    if cite:
        sentences.append(f"We wrote up the details here: {cite['url']}")
    sentences.append(f"Glad to answer follow-ups before your deadline. {i['sender']}, {i['brand']}")
    return {"subject": f"Re: {i['topic']} ({i['outlet']})", "body": " ".join(sentences)}


def finalize(subject: str, body: str, word_limit: int, pages: Sequence[str]) -> PitchDraft:
    """Fit the pitch to the limit (whole sentences dropped from the middle) and make it cite a page."""
    cited = [url for url in pages if url in body]
    if not cited and pages:
        body = f"{body.rstrip()} More: {pages[0]}"
        cited = [pages[0]]
    sentences = re.split(r"(?<=[.!?])\s+", body.strip())
    while count_words(" ".join(sentences)) > word_limit and len(sentences) > 2:
        droppable = [n for n, s in enumerate(sentences[1:-1], 1) if not any(u in s for u in cited)]
        if not droppable:
            break
        sentences.pop(droppable[-1])
    body = " ".join(sentences)
    if count_words(body) > word_limit:
        raise ValueError(f"pitch {subject!r}: {count_words(body)} words, over the limit of {word_limit}")
    return PitchDraft(subject.strip()[:300], body, cited)
