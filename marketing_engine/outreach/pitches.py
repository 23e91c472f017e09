"""Pitches to journalist queries: the request the LLM gets, the offline composer that answers it,
and the checks every pitch passes whoever wrote it (within the query's word limit, citing at least
one of the brand's own pages)."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from marketing_engine.brand import BrandProfile, Product
from marketing_engine.llm import LLMRequest, LLMResult
from marketing_engine.outreach import folders, store
from marketing_engine.outreach.emails import OutreachGate
from marketing_engine.outreach.prospects import BrandPage, best_brand_page
from marketing_engine.warehouse import Warehouse
from marketing_engine.wording import count_words, frames

TASK = "journalist_pitch"


@dataclass(frozen=True)
class PitchDraft:
    subject: str
    body: str
    cited_urls: list[str]

    @property
    def word_count(self) -> int:
        return count_words(self.body)


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


def citable_brand_pages(warehouse: Warehouse, brand: BrandProfile) -> list[BrandPage]:
    """`brand_pages` from what exists now: the SEO group's pages in the warehouse, the site folder."""
    rows = store.citable_pages(warehouse, brand.slug, brand.site_url)
    return brand_pages(brand, rows, folders.site_pages(brand))


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0]


def pitch_request(query: dict, brand: BrandProfile, pages: Sequence[BrandPage]) -> LLMRequest:
    """The request for one pitch: the query, the brand's facts that bear on it (the closest product
    with its price, statements, figures with their sources, FAQs, places) and the pages to cite."""
    from marketing_engine.publishing.copy import address_line, common_words, topic_words

    text = f"{query['topic']} {query['details']}"
    ranked = sorted(pages, key=lambda p: -best_brand_page(text, [p])[1])[:2]
    sender = brand.outreach.sender_name if brand.outreach else brand.name
    language = brand.language
    about = topic_words(text, language) - common_words(brand)

    def score(words: str) -> int:
        return len(topic_words(words, language) & about)

    def product_score(p: Product) -> int:
        return 2 * score(p.name) + score(" ".join([p.description, *p.features]))

    product = max(brand.products, key=product_score)  # the first on a tie
    facts = brand.facts

    def bearing(items: list, text_of) -> list:
        """The items that share a word with the query, most shared first."""
        return sorted((i for i in items if score(text_of(i))), key=lambda i: -score(text_of(i)))

    inputs = {
        "topic": query["topic"],
        "outlet": query["outlet"],
        "journalist": query["journalist"],
        "details": query["details"],
        "requirements": query["requirements"],
        "word_limit": query["word_limit"],
        "brand": brand.name,
        "domain": brand.domain,
        "sender": sender,
        "language": language,
        "description": brand.description,
        "places": [address_line(location) for location in brand.locations],
        "product": {
            "name": product.name,
            "description": product.description,
            "price": brand.price_of(product),
        }
        if product_score(product)
        else None,
        "facts": bearing([*facts.statements, *facts.guarantees], str),
        "figures": [
            {"statement": f.statement, "source": f.source}
            for f in bearing(facts.figures, lambda f: f.statement)
        ],
        "faqs": [
            {"question": f.question, "answer": f.answer}
            for f in bearing(facts.faqs, lambda f: f"{f.question} {f.answer}")
        ],
        "pages": [{"url": p.url, "title": p.title} for p in ranked],
    }
    prompt = (
        f"Write a pitch answering this journalist request from {query['outlet']}: {query['topic']}.\n"
        f"Request: {query['details']}\nRequirements: {query['requirements']}\n"
        f"At most {query['word_limit']} words, in the language of the locale {brand.audience.locale}. "
        "Cite at least one of these pages by URL: "
        + ", ".join(p.url for p in ranked)
        + '\nAnswer as JSON {"subject": str, "body": str}.'
    )
    return LLMRequest(
        task=TASK,
        prompt=prompt,
        inputs=inputs,
        system=brand.llm_context("press pitches"),
        max_tokens=800,
        custom_id=f"pitch-{query['query_key']}"[:64],
    )


def compose_pitch(request: LLMRequest, rng: random.Random) -> dict:
    """The offline composer for `journalist_pitch`: a short pitch in the brand's language made of the
    brand's facts that bear on the query (most relevant first), a citation and a sign-off."""
    i = request.inputs
    words = frames("outreach", str(i.get("language") or "en"))["pitch"]
    topic = str(i["topic"]).rstrip("?.!")
    slots = {"brand": i["brand"], "topic": topic[:1].lower() + topic[1:]}
    description = _first_sentence(str(i["description"]))
    about = (
        description if i["brand"] in description else words["about"].format(**slots, description=description)
    )
    sentences = [rng.choice(words["openers"]).format(**slots), about]
    product = i.get("product")
    if product:
        frame = words["product"] if product.get("price") else words["product_no_price"]
        sentences.append(
            frame.format(
                product=product["name"], price=product.get("price"), description=product["description"]
            )
        )
    sentences += list(i.get("facts") or [])[:2]
    sentences += [f"{f['question']} {f['answer']}" for f in (i.get("faqs") or [])[:1]]
    sentences += [words["figure"].format(**f) for f in (i.get("figures") or [])[:1]]
    if i.get("places"):
        sentences.append(words["places"].format(brand=i["brand"], places="; ".join(i["places"])))
    cite = i["pages"][0] if i.get("pages") else None
    if cite:
        sentences.append(words["citation"].format(url=cite["url"]))
    sentences.append(words["sign_off"].format(sender=i["sender"], brand=i["brand"]))
    subject = words["subject"].format(topic=i["topic"], outlet=i["outlet"])
    return {"subject": subject, "body": " ".join(dict.fromkeys(s.strip() for s in sentences if s.strip()))}


def finalize(
    subject: str, body: str, word_limit: int, pages: Sequence[str], language: str = "en"
) -> PitchDraft:
    """Fit the pitch to the limit (whole sentences dropped from the middle, the last ones first) and
    make it cite a page."""
    cited = [url for url in pages if url in body]
    if not cited and pages:
        body = f"{body.rstrip()} {frames('outreach', language)['pitch']['more']} {pages[0]}"
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


def pitch_rows(
    queries: Sequence[dict],
    requests: Sequence[LLMRequest],
    results: Sequence[LLMResult],
    brand: BrandProfile,
    gate: OutreachGate,
) -> list[dict]:
    """One `pitches` row per query from its generated draft: fitted to the word limit and citing a brand
    page, `ready` when the claims gate passes it, else `held` for a person."""
    rows = []
    for query, request, result in zip(queries, requests, results, strict=True):
        data = result.data if isinstance(result.data, dict) else {}
        pages = request.inputs["pages"]
        draft = finalize(
            data.get("subject") or f"Re: {query['topic']}",
            data.get("body") or result.text,
            query["word_limit"],
            [p["url"] for p in pages],
            brand.language,
        )
        evidence = [query["topic"], query["details"], query["outlet"], *(p["title"] for p in pages)]
        passed = gate.check(query["reply_to"], f"{draft.subject}\n{draft.body}", brand, evidence)
        rows.append(
            {
                "brand": brand.slug,
                "query_key": query["query_key"],
                "recipient": query["reply_to"],
                "subject": draft.subject,
                "body": draft.body,
                "word_count": draft.word_count,
                "word_limit": query["word_limit"],
                "cited_urls": draft.cited_urls,
                "send_by": query["deadline"],
                "status": "ready" if passed else "held",
            }
        )
    return rows
