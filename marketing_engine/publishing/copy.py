"""Write once, publish everywhere: one pitch per page, video or product, turned into the copy each
platform wants (an X thread, a LinkedIn post, a Reddit post for a matching community, captions,
a YouTube title and description, a Pinterest pin), each link carrying UTM parameters.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from math import gcd
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import regex
from pydantic import BaseModel, Field

from marketing_engine.brand import BrandProfile, Location, slug
from marketing_engine.llm import LLMRequest, batch_custom_id
from marketing_engine.publishing.platforms import (
    Draft,
    fit,
    hashtag,
    platform,
    registry,
    rendition_platforms,
)
from marketing_engine.wording import frames

# Where each platform sits in a hook → nurture → convert arc for one piece of content.
ARC_STEPS = ("hook", "nurture", "convert")
_PLATFORM_STEP = {
    "x": "hook",
    "threads": "hook",
    "bluesky": "hook",
    "tiktok": "hook",
    "instagram": "hook",
    "linkedin": "nurture",
    "reddit": "nurture",
    "youtube": "nurture",
    "facebook": "convert",
    "pinterest": "convert",
}
_VIDEO_ASPECT = {"tiktok": ("9:16",), "instagram": ("9:16", "4:5", "1:1"), "youtube": ("16:9", "9:16")}


class Pitch(BaseModel):
    """What the model writes once per piece of content; every platform's copy is cut from it."""

    hook: str = Field(min_length=1)
    points: list[str] = Field(min_length=1, max_length=6)
    cta: str = Field(min_length=1)
    hashtags: list[str] = Field(default_factory=list, max_length=8)
    # The same opening written as each hook type it can take (question, statistic, story, bold_claim,
    # how_to): the arms the hook bandit picks from per platform (`analytics.assignments`).
    hook_variants: dict[str, str] = Field(default_factory=dict)


@dataclass
class ContentSource:
    """A page, a rendered video or a product the brand wants people to see."""

    ref: str
    kind: str  # page | video | product
    title: str
    summary: str
    url: str
    topic: str
    product: str | None = None
    media: list[dict[str, Any]] = field(default_factory=list)


def with_utm(url: str, source: str, medium: str, campaign: str, content: str) -> str:
    """`url` with utm_source/medium/campaign/content set (existing UTM values are replaced)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    query += [
        ("utm_source", source),
        ("utm_medium", medium),
        ("utm_campaign", campaign),
        ("utm_content", content),
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def aspect_of(width: int, height: int) -> str:
    divisor = gcd(width, height) or 1
    return f"{width // divisor}:{height // divisor}"


_WORD = regex.compile(r"[\p{L}\p{M}\p{Nd}]+")
_SENTENCES = re.compile(r"(?<=[.!?…])\s+")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def topic_words(text: str, language: str) -> set[str]:
    """The content words of `text` in any script, as stems (lower case, the first five letters, so
    `budget` and `budgets` meet), the language's stopwords left out."""
    stop = set(frames("social", language).get("stopwords") or ())
    return {w[:5] for w in (m.lower() for m in _WORD.findall(text)) if w not in stop and len(w) > 1}


def common_words(profile: BrandProfile) -> set[str]:
    """Stems in half or more of the brand's topics and product names: they name the whole trade
    (every topic of a shop that sells one thing shares its word), so they tell no topic apart."""
    docs = [
        topic_words(text, profile.language)
        for text in [*profile.seed_topics, *(p.name for p in profile.products)]
    ]
    counts = Counter(word for doc in docs for word in doc)
    return {word for word, n in counts.items() if n >= 2 and n >= len(docs) / 2} | topic_words(
        profile.name, profile.language
    )


def product_for(source: ContentSource, profile: BrandProfile) -> str | None:
    """The product a source is about: its own, else the one that shares the most distinctive words
    with the source's topic and title (its name counting double over its description and features)."""
    if source.product:
        return source.product
    language = profile.language
    common = common_words(profile)
    about = topic_words(f"{source.topic} {source.title}", language) - common
    best, best_score = None, 0
    for product in profile.products:
        name = topic_words(product.name, language) - common
        rest = topic_words(" ".join([product.description, *product.features]), language) - common
        score = 2 * len(name & about) + len((rest - name) & about)
        if score > best_score:
            best, best_score = product.name, score
    return best


_POSTAL_AFTER_CITY = {
    "US": "{street}, {city}, {region} {postal}",
    "CA": "{street}, {city}, {region} {postal}",
    "AU": "{street}, {city} {region} {postal}",
}
_CITY_THEN_POSTAL = ("GB", "IE", "NZ", "ZA", "SG", "IN")


def address_line(location: Location) -> str:
    """One line of postal address in the country's usual order (street first; the postal code after
    the city in the US, UK and a few more, before it in most of Europe and Latin America)."""
    if not location.address:
        return f"{location.city}, {location.region}"
    values = {
        "street": location.address.street,
        "city": location.city,
        "region": location.region,
        "postal": location.address.postal_code,
    }
    if location.country in _POSTAL_AFTER_CITY:
        return _POSTAL_AFTER_CITY[location.country].format(**values)
    if location.country in _CITY_THEN_POSTAL:
        return "{street}, {city} {postal}".format(**values)
    return "{street}, {postal} {city}".format(**values)


def brand_evidence(profile: BrandProfile) -> list[str]:
    """Brand-file facts as writers print them, for the claims gate: each location's address line (the
    file holds street and postal code apart; a line joins them with the city)."""
    return [address_line(location) for location in profile.locations]


def _place(location: Location) -> dict[str, str]:
    place = f"{location.name}, {location.city}" if location.name else location.city
    return {"place": place, "address": address_line(location)}


def pitch_inputs(source: ContentSource, profile: BrandProfile) -> dict[str, Any]:
    """What the pitch may say: the source, and the brand's facts (product, price, features, FAQs,
    statements, permitted quotes, places). The offline composer writes only from these."""
    named = product_for(source, profile)
    product = next((p for p in profile.products if p.name == named), None)
    facts = profile.facts
    return {
        "topic": source.topic,
        "title": source.title,
        "summary": source.summary,
        "kind": source.kind,
        "brand": profile.name,
        "domain": profile.domain,
        "audience": profile.audience.description,
        "language": profile.language,
        "product": {
            "name": product.name,
            "description": product.description,
            "price": profile.price_of(product),
            "features": list(product.features),
        }
        if product
        else None,
        "facts": [*facts.statements, *facts.guarantees],
        "faqs": [{"question": f.question, "answer": f.answer} for f in facts.faqs],
        "quotes": [{"text": q.text, "author": q.author} for q in facts.publishable_quotes],
        "places": [_place(location) for location in profile.locations],
        "founded": facts.founded,
        "tagline": profile.tagline,
        "common_words": sorted(common_words(profile)),
        "place_words": sorted(
            topic_words(
                " ".join(f"{loc.city} {loc.region} {loc.name}" for loc in profile.locations), profile.language
            )
        ),
        "hashtag_topic": hashtag_topic(source.topic, profile),
    }


def hashtag_topic(topic: str, profile: BrandProfile) -> str | None:
    """The topic a post's hashtag names: the seed topic the source's keyword shares most words with
    (a long-tail keyword makes an unreadable tag), else the keyword itself when it is short."""
    language = profile.language
    words = topic_words(topic, language)
    best = max(profile.seed_topics, key=lambda t: len(topic_words(t, language) & words))
    if topic_words(best, language) & words:
        return best
    return topic if len(topic.split()) <= 3 else None


def _overlap(text: str, about: set[str], language: str) -> int:
    return len(topic_words(text, language) & about)


def _ranked(items: Iterable[Any], text_of: Callable[[Any], str], about: set[str], language: str) -> list[Any]:
    """The items that share a word with `about`, most shared first (ties keep their order)."""
    scored = [(_overlap(text_of(item), about, language), n, item) for n, item in enumerate(items)]
    return [item for score, _, item in sorted(scored, key=lambda t: (-t[0], t[1])) if score]


def compose_pitch(request: Any, rng: random.Random) -> dict[str, Any]:
    """Offline composer for task `social_pitch`: a hook, points and a call to action built only from
    the source (title, keyword, summary) and the brand facts in the request, in the brand's language."""
    inputs = request.inputs
    language = str(inputs.get("language") or "en")
    words = frames("social", language)
    topic = str(inputs.get("topic") or inputs.get("title") or inputs.get("brand") or "")
    title = str(inputs.get("title") or topic)
    kind = str(inputs.get("kind") or "page")
    product = inputs.get("product") or None
    slots = {
        "topic": topic,
        "Topic": _cap(topic),
        "title": title,
        "Title": _cap(title.rstrip(".!?")),
        "brand": str(inputs.get("brand") or ""),
        "domain": str(inputs.get("domain") or inputs.get("brand") or ""),
    }
    about = topic_words(f"{topic} {title} {product['name'] if product else ''}", language) - set(
        inputs.get("common_words") or ()
    )
    places = set(inputs.get("place_words") or ())
    if about - places:  # a city in the keyword matches every fact about that city: rank by the rest
        about -= places
    faqs = _ranked(inputs.get("faqs") or [], lambda f: f"{f['question']} {f['answer']}", about, language)
    points: list[str] = []
    if kind == "product" and product:
        slots.update(product=product["name"], description=product["description"])
        hook = rng.choice(words["hooks"]["product"]).format(**slots)
    elif faqs and kind != "video":
        hook = faqs[0]["question"]
        points.append(faqs.pop(0)["answer"])
    else:
        hook = rng.choice(words["hooks"].get(kind) or words["hooks"]["page"]).format(**slots)
    if kind == "page":  # the page's own description, unless it only repeats the title
        summary = str(inputs.get("summary") or "")
        named = topic_words(f"{topic} {title}", language)
        points += [
            s.strip()
            for s in _SENTENCES.split(summary)
            if len(s.strip()) > 12 and not topic_words(s, language) <= named
        ]
    if product and kind == "product":
        if product.get("price"):
            points.append(words["price_own"].format(price=product["price"]))
        points += list(product.get("features") or [])[:2]
    elif product:
        points.append(f"{product['name']}: {product['description']}")
        if product.get("price"):
            points.append(words["price"].format(product=product["name"], price=product["price"]))
    points += _ranked(inputs.get("facts") or [], str, about, language)
    points += [f"{f['question']} {f['answer']}" for f in faqs]
    quotes = _ranked(inputs.get("quotes") or [], lambda q: q["text"], about, language)
    points += [words["quote"].format(**q) for q in quotes]
    if inputs.get("tagline"):
        points.append(f"{slots['brand']}: {inputs['tagline']}")
    points += [words["place"].format(**place) for place in (inputs.get("places") or [])[:1]]
    if inputs.get("founded"):
        points.append(words["founded"].format(brand=slots["brand"], year=inputs["founded"]))
    variants = hook_variants(inputs, words, slots, kind, product)
    favoured = (inputs.get("learned") or {}).get("favoured_hook")
    if favoured in variants:  # campaign memory's favourite hook type opens the pitch
        hook = variants[favoured]
    points = [p for p in dict.fromkeys(points) if p and p != hook][:3] or [hook]
    ctas = words["ctas_product"] if product and kind == "product" else words["ctas"]
    cta = rng.choice(ctas).format(**{"product": product["name"] if product else slots["brand"], **slots})
    tag = inputs.get("hashtag_topic", topic)
    hashtags = [*([tag] if tag else []), *([product["name"]] if product else []), slots["brand"]]
    return {
        "hook": hook,
        "points": points,
        "cta": cta,
        "hashtags": list(dict.fromkeys(hashtags)),
        "hook_variants": variants,
    }


def hook_variants(
    inputs: Mapping[str, Any], words: Mapping[str, Any], slots: Mapping[str, str], kind: str, product: Any
) -> dict[str, str]:
    """The pitch's opening as each hook type the brand's facts allow (offline): a question (the
    closest FAQ, else the language's question frame), how-to and bold-claim frames, and a statistic
    only from a number the brand file holds (the product's price, the founding year). No story hook:
    one would speak in the brand's first person, which the claims gate holds."""
    types = words.get("hook_types") or {}
    language = str(inputs.get("language") or "en")
    about = topic_words(f"{slots['topic']} {slots['title']}", language) - set(
        inputs.get("common_words") or ()
    )
    faqs = _ranked(inputs.get("faqs") or [], lambda f: f"{f['question']} {f['answer']}", about, language)
    variants = {name: template.format(**slots) for name, template in types.items()}
    if faqs:
        variants["question"] = faqs[0]["question"]
    if kind == "product" and product:
        variants["bold_claim"] = f"{product['name']}: {product['description']}"
    if product and product.get("price"):
        variants["statistic"] = words["price"].format(product=product["name"], price=product["price"])
    elif inputs.get("founded"):
        variants["statistic"] = words["founded"].format(brand=slots["brand"], year=inputs["founded"])
    return variants


def _pick_media(source: ContentSource, platform_name: str) -> list[dict[str, Any]] | None:
    """The rendition a platform should get, [] for text posts, None when it cannot take this source."""
    spec = platform(platform_name)
    made_for = rendition_platforms()  # a rendition the video group made for other platforms is not used
    videos = [
        m
        for m in source.media
        if m.get("kind") == "video"
        and (m.get("rendition") not in made_for or platform_name in made_for[m["rendition"]])
    ]
    if not videos:
        return None if spec.media_required else []
    wanted = _VIDEO_ASPECT.get(platform_name)
    if wanted:
        for aspect in wanted:
            match = [m for m in videos if m.get("aspect") == aspect]
            if match:
                return match[:1]
        return None
    if "video" not in spec.media.get("kinds", []):
        return None if spec.media_required else []
    preferred = [m for m in videos if m.get("aspect") in ("16:9", "1:1")] or videos
    return preferred[:1]


def _community(source: ContentSource, communities: Sequence[str]) -> str | None:
    text = f"{source.topic} {source.title}".lower()
    for community in communities:
        if community.lower() in text:
            return community
    return communities[0] if communities else None


def _tags(pitch: Pitch, limit: int, platform_name: str) -> str:
    tags = dict.fromkeys(filter(None, (hashtag(tag, platform_name) for tag in pitch.hashtags)))
    return " ".join(list(tags)[:limit])


def _sentence(point: str) -> str:
    point = point.strip().rstrip(",;:")
    if not point or point.endswith((".", "!", "?", "…")) or unicodedata.category(point[-1]) == "So":
        return point  # a sentence already, or ending in an emoji
    return point + "."


def _draft(
    source: ContentSource,
    platform_name: str,
    variant: str,
    fields: dict[str, str],
    link: str | None,
    media: list[dict[str, Any]],
    step: str,
    campaign: str,
    parts: list[str] | None = None,
) -> Draft:
    fitted = {name: fit(value, platform_name, name) for name, value in fields.items()}
    return Draft(
        platform=platform_name,
        content_ref=source.ref,
        variant=variant,
        fields=fitted,
        parts=[fit(p, platform_name) for p in parts or []],
        media=media,
        link_url=link,
        arc_step=step,
        campaign=campaign,
    )


def drafts_for_source(
    source: ContentSource,
    pitch: Pitch,
    platforms: Iterable[str],
    *,
    campaign: str,
    communities: Sequence[str] = (),
    language: str = "en",
) -> list[Draft]:
    """Every platform's copy for one source, in the brand's language. Platforms that need media it
    lacks are left out."""
    words = frames("social", language)
    drafts: list[Draft] = []
    content_id = slug(source.ref) or "content"
    points = [_sentence(p) for p in pitch.points]
    for name in platforms:
        media = _pick_media(source, name)
        if media is None:
            continue

        def link(variant: str, name: str = name) -> str:
            medium = "video" if source.kind == "video" else "social"
            return with_utm(source.url, name, medium, campaign, f"{content_id}-{variant}")

        step = _PLATFORM_STEP.get(name, "nurture")
        if name == "x":
            thread = [f"{i}/ {p}" for i, p in enumerate(points, start=2)] + [f"{pitch.cta} {link('thread')}"]
            drafts += [
                _draft(
                    source,
                    name,
                    "hook",
                    {"text": f"{pitch.hook} {_tags(pitch, 2, name)}".strip()},
                    None,
                    media,
                    "hook",
                    campaign,
                ),
                _draft(
                    source,
                    name,
                    "thread",
                    {"text": f"{pitch.hook} {words['thread_mark']}"},
                    link("thread"),
                    [],
                    "nurture",
                    campaign,
                    parts=thread,
                ),
                _draft(
                    source,
                    name,
                    "convert",
                    {"text": f"{pitch.cta} {link('convert')}"},
                    link("convert"),
                    [],
                    "convert",
                    campaign,
                ),
            ]
        elif name == "linkedin":
            bullets = "\n".join(f"• {p}" for p in points)
            text = (
                f"{pitch.hook}\n\n{bullets}\n\n{pitch.cta} {link('main')}\n\n{_tags(pitch, 3, name)}".rstrip()
            )
            drafts.append(_draft(source, name, "main", {"text": text}, link("main"), media, step, campaign))
        elif name == "reddit":
            community = _community(source, communities)
            if community is None:
                continue
            body = "\n\n".join(points) + f"\n\n{words['more_detail']} {link('main')}"
            fields = {"title": source.title, "text": body, "community": community}
            drafts.append(_draft(source, name, "main", fields, link("main"), media, step, campaign))
        elif name == "youtube":
            description = (
                f"{pitch.hook}\n\n"
                + "\n".join(points)
                + f"\n\n{pitch.cta} {link('main')}\n{_tags(pitch, 3, name)}".rstrip()
            )
            fields = {"title": source.title, "text": description}
            drafts.append(_draft(source, name, "main", fields, link("main"), media, step, campaign))
        elif name == "pinterest":
            fields = {"title": source.title, "text": f"{pitch.hook} {points[0]}", "link": link("main")}
            drafts.append(_draft(source, name, "main", fields, link("main"), media, step, campaign))
        elif name in ("instagram", "tiktok"):
            caption = f"{pitch.hook} {points[0]} {words['link_in_bio']} {_tags(pitch, 5, name)}".rstrip()
            drafts.append(
                _draft(source, name, "main", {"text": caption}, link("main"), media, step, campaign)
            )
        elif name == "facebook":  # room for every point
            tags = _tags(pitch, 3, name)
            text = (
                f"{pitch.hook}\n\n" + "\n".join(points) + f"\n\n{pitch.cta} {link('main')}\n\n{tags}".rstrip()
            )
            drafts.append(_draft(source, name, "main", {"text": text}, link("main"), media, step, campaign))
        else:  # threads, bluesky: short text with the link
            text = f"{pitch.hook} {points[0]} {pitch.cta} {link('main')}"
            drafts.append(_draft(source, name, "main", {"text": text}, link("main"), media, step, campaign))
    return drafts


def publishable_platforms(channels: Iterable[str]) -> list[str]:
    """The brand's channels that are social platforms in the registry (the CMS is the SEO group's)."""
    known = registry()
    return [name for name in channels if name in known]


def sources_from_rows(
    site_url: str,
    pages: Sequence[Mapping[str, Any]],
    videos: Sequence[Mapping[str, Any]],
    products: Sequence[Mapping[str, Any]],
    language: str = "en",
    topics: Iterable[str] = (),
) -> list[ContentSource]:
    """Content sources from warehouse rows (pages, videos grouped by topic) and the brand's products.
    A video whose topic is stored as a slug (`cafe-a-noite`) gets its words back from `topics`
    (the brand's seed topics and keywords), so posts never show a slug."""
    words = frames("social", language)
    readable = {slug(topic): topic for topic in topics}
    sources: list[ContentSource] = []
    for page in pages:
        url = page.get("published_url") or page.get("canonical_url") or f"{site_url}/{page['slug']}/"
        sources.append(
            ContentSource(
                f"page:{page['slug']}",
                "page",
                page["title"],
                page.get("meta_description") or page["title"],
                url,
                page["keyword"],
            )
        )
    by_topic: dict[tuple[str, int], list[Mapping[str, Any]]] = {}
    for video in videos:
        by_topic.setdefault((video["topic"], int(video["length_s"])), []).append(video)
    for (stored, length), renditions in by_topic.items():
        topic = readable.get(stored, stored) if " " not in stored else stored
        media = [
            {
                "key": v["media_key"],
                "sha256": v["sha256"],
                "kind": "video",
                "seconds": float(v["duration_s"]),
                "aspect": aspect_of(int(v["width"]), int(v["height"])),
                "rendition": v.get("rendition"),
            }
            for v in renditions
        ]
        sources.append(
            ContentSource(
                f"video:{slug(topic) or 'video'}-{length}s",
                "video",
                _cap(topic),
                words["video_summary"].format(topic=topic),
                f"{site_url}/",
                topic,
                media=media,
            )
        )
    for product in products:
        url = site_url + (product.get("url_path") or "/")
        sources.append(
            ContentSource(
                f"product:{slug(product['name']) or 'item'}",
                "product",
                product["name"],
                product["description"],
                url,
                product["name"],
                product=product["name"],
            )
        )
    return sources


def brand_sources(
    profile: BrandProfile, pages: Sequence[Mapping[str, Any]], videos: Sequence[Mapping[str, Any]]
) -> list[ContentSource]:
    """The brand's content sources: its promotable pages and passed videos (warehouse rows) and its
    products; a video's slugged topic is read back from the seed topics and the pages' keywords."""
    topics = [*profile.seed_topics, *(page["keyword"] for page in pages)]
    products = [product.model_dump() for product in profile.products]
    return sources_from_rows(profile.site_url, pages, videos, products, profile.language, topics)


HOOK_ASK = (
    "Also write the opening as each hook type in `hook_variants` (keys: question, statistic, story, "
    "bold_claim, how_to), each from the facts only; leave out a type the facts cannot support."
)


def pitch_requests(
    sources: Sequence[ContentSource], profile: BrandProfile, memory: Callable[[str], Any] | None = None
) -> list[LLMRequest]:
    """One pitch request per source (batched on Anthropic), the brand's context for social posts as
    the system prompt. `memory(topic)` gives what campaign memory says for the source's topic
    (`analytics.recall.writer_memory`): its findings go into the prompt, and its favoured hook type
    opens the offline pitch."""
    system = profile.llm_context("social posts")
    requests = []
    for source in sources:
        learned = memory(source.topic) if memory else None
        block = learned.prompt_block() if learned else ""
        requests.append(
            LLMRequest(
                task="social_pitch",
                prompt=f"Write a social pitch for: {source.title}\n{source.summary}\n{HOOK_ASK}"
                + (f"\n{block}" if block else ""),
                inputs={
                    **pitch_inputs(source, profile),
                    **({"learned": learned.as_inputs()} if learned else {}),
                },
                system=system,
                max_tokens=600,
                custom_id=batch_custom_id(source.ref),
            )
        )
    return requests


def campaign_drafts(
    sources: Sequence[ContentSource],
    pitches: Sequence[Pitch],
    profile: BrandProfile,
    campaigns: Mapping[tuple[str, str], tuple[int, str]],
    hook_shares: Mapping[str, Mapping[str, float]] | None = None,
    title_shares: Mapping[str, Mapping[str, float]] | None = None,
) -> tuple[list[Draft], list[dict[str, Any]]]:
    """Every enabled platform's copy for every source. A link carries the utm_campaign of the
    source's product on that platform (`campaigns`: (product, channel) → (id, utm_campaign)), else
    `<brand>-organic`; returns the drafts and the `campaign_contents` rows that link them.

    With `hook_shares` (platform → hook arm → the bandit's share, `analytics.recall.bandit_shares`),
    each platform's posts of a source open with the hook variant the bandit draws for them, and each
    draft carries its arm (`Draft.arms`, experiment `hook:<platform>`) for the calendar to store.
    With `title_shares` likewise, a video post's title (YouTube) is the source's title or the pitch's
    question (experiment `title:<platform>`)."""
    from marketing_engine.analytics.assignments import TITLED, choose_arm, hook_experiment, title_experiment

    communities = profile.channels["reddit"].communities if "reddit" in profile.channels else []
    drafts: list[Draft] = []
    links: list[dict[str, Any]] = []
    for source, pitch in zip(sources, pitches, strict=True):
        product = product_for(source, profile)
        for platform_name in publishable_platforms(profile.enabled_channels):
            campaign = campaigns.get((product, platform_name)) if product else None
            arm, told = None, pitch
            if hook_shares is not None and pitch.hook_variants:
                arms = sorted(pitch.hook_variants)
                arm = choose_arm(hook_shares.get(platform_name, {}), arms, f"{platform_name}|{source.ref}")
                told = pitch.model_copy(update={"hook": pitch.hook_variants[arm]})
            titled, titles = (
                None,
                {"as_written": source.title, "question": pitch.hook_variants.get("question")},
            )
            if title_shares is not None and platform_name in TITLED and titles["question"]:
                key = f"title|{platform_name}|{source.ref}"
                titled = choose_arm(title_shares.get(platform_name, {}), sorted(titles), key)
            made = drafts_for_source(
                replace(source, title=titles[titled]) if titled else source,
                told,
                [platform_name],
                campaign=campaign[1] if campaign else f"{profile.slug}-organic",
                communities=communities,
                language=profile.language,
            )
            for draft in made if arm else ():
                draft.arms[hook_experiment(platform_name)] = arm
            for draft in made if titled else ():
                draft.arms[title_experiment(platform_name)] = titled
            drafts += made
            if campaign and made:
                links.append(
                    {
                        "campaign_id": campaign[0],
                        "content_type": source.kind,
                        "content_ref": source.ref,
                        "platform": platform_name,
                        "title": source.title[:500],
                        "status": "drafted",
                    }
                )
    return drafts, links


_THREAD_MARK = re.compile(r"^\d+/\s+")
_LINK = re.compile(r"https?://\S+")


def post_text(draft: Draft) -> str:
    """What a post says, as the claims gate reads it: every text field and thread part, without links
    (tracking parameters are not claims) or thread numbering (`2/`)."""
    texts = [value for key, value in draft.fields.items() if key not in ("link", "community")]
    texts += [_THREAD_MARK.sub("", part) for part in draft.parts]
    return "\n".join(_LINK.sub(" ", text) for text in texts)


def preview_rows(drafts: Iterable[Draft]) -> list[dict[str, str]]:
    """Drafts as the rows of a preview table: platform, variant, arc step, gate verdict, text, link."""
    return [
        {
            "platform": d.platform,
            "variant": d.variant,
            "arc": d.arc_step,
            "gate": "held" if d.hold_reason else "passed",
            "text": d.body,
            "link": d.link_url or "",
        }
        for d in drafts
    ]


@dataclass
class GateTally:
    """The claims gate's counts over a batch of posts."""

    checked: int = 0
    passed: int = 0
    held: int = 0
    findings: dict[str, int] = field(
        default_factory=lambda: {"numeral": 0, "first_person": 0, "testimonial": 0}
    )

    def as_metadata(self) -> dict[str, int]:
        return {
            "claims_checked": self.checked,
            "claims_passed": self.passed,
            "claims_held": self.held,
            **{f"claims_{kind}": count for kind, count in self.findings.items()},
        }


def gate_drafts(
    drafts: Iterable[Draft], sources: Mapping[str, ContentSource], profile: BrandProfile
) -> GateTally:
    """Run the claims gate on every draft: a draft with an untraceable numeral, first-person claim or
    testimonial gets `hold_reason` (it is held, never queued) and its counts in `claims`. A draft may
    rely on the brand file and on its source's title and keyword."""
    from marketing_engine.claims import Evidence, check_claims

    base = Evidence(profile, brand_evidence(profile))
    tally = GateTally()
    for draft in drafts:
        source = sources.get(draft.content_ref)
        evidence = base.with_extra([source.title, source.topic] if source else [])
        report = check_claims(post_text(draft), profile, evidence)
        draft.claims = report.counts()
        draft.hold_reason = None if report.passed else report.summary()
        tally.checked += 1
        tally.passed += report.passed
        tally.held += not report.passed
        for kind, count in draft.claims.items():
            tally.findings[kind] = tally.findings.get(kind, 0) + count
    return tally
