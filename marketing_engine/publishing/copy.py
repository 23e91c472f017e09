"""Write once, publish everywhere: one pitch per page, video or product, turned into the copy each
platform wants (an X thread, a LinkedIn post, a Reddit post for a matching community, captions,
a YouTube title and description, a Pinterest pin), each link carrying UTM parameters.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from math import gcd
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, Field
from slugify import slugify

from marketing_engine.publishing.platforms import Draft, fit, platform, registry, rendition_platforms

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


def _hashtag(word: str) -> str:
    return "#" + re.sub(r"[^0-9A-Za-z]", "", word.title())


_HOOKS = [
    "{topic}: the one thing most riders get wrong.",
    "Thinking about {topic}? Read this first.",
    "We answer questions about {topic} every week. Here is the short version.",
    "{topic}, explained in under a minute.",
    "What nobody tells you about {topic}.",
]
_CTAS = [
    "See the full guide from {brand}.",
    "Get the details and book a visit with {brand}.",
    "Read more and ask {brand} anything.",
    "Find out what fits you at {brand}.",
]


def compose_pitch(request: Any, rng: random.Random) -> dict[str, Any]:
    """Offline composer for task `social_pitch`: a pitch from the source's title, summary and topic."""
    inputs = request.inputs
    topic = str(inputs.get("topic") or inputs.get("title") or "this")
    brand = str(inputs.get("brand") or "us")
    summary = str(inputs.get("summary") or "")
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", summary) if len(s.strip()) > 12]
    extra = [
        f"{inputs.get('title') or topic} in plain words.",
        f"Real numbers on {topic}.",
        "What we see in the shop every week.",
    ]
    points = (sentences + extra)[:3]
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z-]+", topic) if len(w) > 3][:2]
    return {
        "hook": rng.choice(_HOOKS).format(topic=topic[:1].upper() + topic[1:]),
        "points": points,
        "cta": rng.choice(_CTAS).format(brand=brand),
        "hashtags": [_hashtag(w)[1:] for w in words] + [re.sub(r"[^0-9A-Za-z]", "", brand)],
    }


def pitch_inputs(source: ContentSource, brand: str, audience: str) -> dict[str, Any]:
    return {
        "topic": source.topic,
        "title": source.title,
        "summary": source.summary,
        "brand": brand,
        "audience": audience,
        "kind": source.kind,
    }


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


def _tags(pitch: Pitch, limit: int) -> str:
    return " ".join(_hashtag(tag) for tag in pitch.hashtags[:limit])


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
) -> list[Draft]:
    """Every platform's copy for one source. Platforms that need media it lacks are left out."""
    drafts: list[Draft] = []
    content_id = slugify(source.ref)[:80]
    points = [p.rstrip(".") + "." for p in pitch.points]
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
                    {"text": f"{pitch.hook} {_tags(pitch, 2)}"},
                    None,
                    media,
                    "hook",
                    campaign,
                ),
                _draft(
                    source,
                    name,
                    "thread",
                    {"text": f"{pitch.hook} 🧵"},
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
            text = f"{pitch.hook}\n\n{bullets}\n\n{pitch.cta} {link('main')}\n\n{_tags(pitch, 3)}"
            drafts.append(_draft(source, name, "main", {"text": text}, link("main"), media, step, campaign))
        elif name == "reddit":
            community = _community(source, communities)
            if community is None:
                continue
            body = "\n\n".join(points) + f"\n\nMore detail: {link('main')}"
            fields = {"title": source.title, "text": body, "community": community}
            drafts.append(_draft(source, name, "main", fields, link("main"), media, step, campaign))
        elif name == "youtube":
            description = (
                f"{pitch.hook}\n\n" + "\n".join(points) + f"\n\n{pitch.cta} {link('main')}\n{_tags(pitch, 3)}"
            )
            fields = {"title": source.title, "text": description}
            drafts.append(_draft(source, name, "main", fields, link("main"), media, step, campaign))
        elif name == "pinterest":
            fields = {"title": source.title, "text": f"{pitch.hook} {points[0]}", "link": link("main")}
            drafts.append(_draft(source, name, "main", fields, link("main"), media, step, campaign))
        elif name in ("instagram", "tiktok"):
            caption = f"{pitch.hook} {points[0]} Link in bio. {_tags(pitch, 5)}"
            drafts.append(
                _draft(source, name, "main", {"text": caption}, link("main"), media, step, campaign)
            )
        else:  # facebook, threads, bluesky: short text with the link
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
) -> list[ContentSource]:
    """Content sources from warehouse rows (pages, videos grouped by topic) and the brand's products."""
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
    for (topic, length), renditions in by_topic.items():
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
                f"video:{slugify(topic)}-{length}s",
                "video",
                topic[:1].upper() + topic[1:],
                f"A {length}-second video on {topic}.",
                f"{site_url}/",
                topic,
                media=media,
            )
        )
    for product in products:
        url = site_url + (product.get("url_path") or "/")
        sources.append(
            ContentSource(
                f"product:{slugify(product['name'])}",
                "product",
                product["name"],
                product["description"],
                url,
                product["name"],
                product=product["name"],
            )
        )
    return sources
