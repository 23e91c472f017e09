"""The platform registry (`data/platforms.yaml`) and the validator every post passes before it may
be queued: each text field is measured with the counter its platform uses, and a broken rule is
reported with its name, the limit and by how much the post misses it.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import regex
import yaml

REGISTRY_FILE = Path(__file__).resolve().parent.parent / "data" / "platforms.yaml"
# The video group's spec table: where it speaks about a platform's video, it wins (one source of truth).
VIDEO_SPECS_FILE = Path(__file__).resolve().parent.parent / "data" / "video" / "platform_specs.yaml"
_HASHTAG = re.compile(r"(?<![\w&])#\w+")
_MENTION = re.compile(r"(?<![\w.])@\w+")
_URL = re.compile(r"https?://\S+")
# What a hashtag may hold on every platform: letters (any script, with their marks) and digits.
_TAG_WORD = regex.compile(r"[\p{L}\p{M}\p{Nd}]+")
HASHTAG_LETTERS = ("unicode", "ascii")


class PlatformError(ValueError):
    """An unknown platform, or a registry entry that cannot be used."""


def _x_weighted(text: str) -> int:
    with warnings.catch_warnings():  # twitter_text imports pkg_resources, which warns on import
        warnings.simplefilter("ignore")
        from twitter_text import parse_tweet
    return int(parse_tweet(text).weightedLength)


COUNTERS: dict[str, Callable[[str], int]] = {
    "chars": len,
    "x_weighted": _x_weighted,
    "utf16": lambda text: len(text.encode("utf-16-le")) // 2,
    "bytes": lambda text: len(text.encode("utf-8")),
    "graphemes": lambda text: len(regex.findall(r"\X", text)),
}


@dataclass(frozen=True)
class FieldRule:
    name: str
    max: int
    counter: str = "chars"
    required: bool = False
    forbidden: str = ""
    max_hashtags: int | None = None
    max_mentions: int | None = None
    max_links: int | None = None

    def measure(self, text: str) -> int:
        return COUNTERS[self.counter](text)


@dataclass(frozen=True)
class Platform:
    """One platform's rules from the registry: fields, media specs, quotas, and the sources of its limits."""

    name: str
    label: str
    fields: dict[str, FieldRule]
    media: dict[str, Any]
    quotas: dict[str, Any]
    sources: tuple[str, ...]
    thread_max_parts: int = 1
    hashtag_letters: str = "unicode"  # "ascii": the platform links only unaccented Latin hashtags

    @property
    def media_required(self) -> bool:
        return bool(self.media.get("required"))

    @property
    def posts_per_24h(self) -> int | None:
        return self.quotas.get("posts_per_24h")

    def limit(self, field_name: str = "text") -> int:
        return self.fields[field_name].max


@dataclass(frozen=True)
class Violation:
    """One broken rule: which platform, field and rule, the limit, what the post has, and the gap."""

    platform: str
    field: str
    rule: str
    limit: int | str
    actual: int | str
    over_by: int = 0
    part: int | None = None

    def __str__(self) -> str:
        where = f"{self.platform}.{self.field}" + (f"[part {self.part}]" if self.part is not None else "")
        gap = f" (over by {self.over_by})" if self.over_by else ""
        return f"{where}: {self.rule} limit {self.limit}, has {self.actual}{gap}"


@dataclass
class Draft:
    """What a post will say on one platform, before it is scheduled."""

    platform: str
    content_ref: str
    variant: str
    fields: dict[str, str]
    parts: list[str] = field(default_factory=list)  # an X thread after the first post
    media: list[dict[str, Any]] = field(default_factory=list)  # {key, kind, seconds, aspect}
    link_url: str | None = None
    arc_step: str = "nurture"
    campaign: str | None = None
    hold_reason: str | None = None  # set by the claims gate: the post is held, never queued
    claims: dict[str, int] = field(default_factory=dict)  # the gate's findings per kind
    arms: dict[str, str] = field(default_factory=dict)  # experiment → arm it was given (its hook)

    @property
    def body(self) -> str:
        return self.fields.get("text") or self.fields.get("title", "")


def _parse(name: str, data: Mapping[str, Any]) -> Platform:
    try:
        fields = {key: FieldRule(name=key, **rule) for key, rule in data["fields"].items()}
        for rule in fields.values():
            if rule.counter not in COUNTERS:
                raise PlatformError(
                    f"{REGISTRY_FILE}: {name}.fields.{rule.name}: unknown counter {rule.counter!r}"
                )
        letters = data.get("hashtag_letters", "unicode")
        if letters not in HASHTAG_LETTERS:
            raise PlatformError(
                f"{REGISTRY_FILE}: {name}.hashtag_letters: {letters!r} is not one of {', '.join(HASHTAG_LETTERS)}"
            )
        return Platform(
            name=name,
            label=data.get("label", name),
            fields=fields,
            media=dict(data.get("media") or {}),
            quotas=dict(data.get("quotas") or {}),
            sources=tuple(data.get("sources") or ()),
            thread_max_parts=int(data.get("thread_max_parts", 1)),
            hashtag_letters=letters,
        )
    except (KeyError, TypeError) as exc:
        raise PlatformError(f"{REGISTRY_FILE}: platform {name!r} is malformed: {exc}") from None


@cache
def video_specs(path: Path = VIDEO_SPECS_FILE) -> dict[str, Any]:
    """The video group's table (renditions and per-platform video rules), or {} where it is absent."""
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def rendition_platforms() -> dict[str, list[str]]:
    """Which platforms each rendition is made for, e.g. {"vertical": ["tiktok", ...], "preview": []}."""
    return {
        name: list(spec.get("platforms") or [])
        for name, spec in (video_specs().get("renditions") or {}).items()
    }


def _merge_video_rules(name: str, data: dict[str, Any]) -> dict[str, Any]:
    spec = (video_specs().get("platforms") or {}).get(name)
    if not spec:
        return data
    media = dict(data.get("media") or {})
    if spec.get("aspects"):
        media["aspect_ratios"] = list(spec["aspects"])
    if spec.get("duration_s"):
        media["video_min_seconds"], media["video_max_seconds"] = spec["duration_s"]
    if spec.get("max_size_mb"):
        media["video_max_mb"] = spec["max_size_mb"]
    sources = (
        list(data.get("sources") or []) + [str(spec["source"]).split()[0]]
        if spec.get("source")
        else data.get("sources")
    )
    return {**data, "media": media, "sources": sources}


@cache
def registry(path: Path = REGISTRY_FILE) -> dict[str, Platform]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    platforms = {name: _parse(name, _merge_video_rules(name, entry)) for name, entry in data.items()}
    for platform in platforms.values():
        if not platform.sources:
            raise PlatformError(f"{path}: platform {platform.name!r} lists no sources for its limits")
    return platforms


def platform(name: str) -> Platform:
    try:
        return registry()[name]
    except KeyError:
        raise PlatformError(f"unknown platform {name!r} (known: {', '.join(registry())})") from None


def _check_text(spec: Platform, rule: FieldRule, text: str, part: int | None) -> list[Violation]:
    found = []
    length = rule.measure(text)
    if length > rule.max:
        found.append(
            Violation(spec.name, rule.name, f"max {rule.counter}", rule.max, length, length - rule.max, part)
        )
    bad = sorted({ch for ch in text if ch in rule.forbidden})
    if bad:
        found.append(
            Violation(
                spec.name, rule.name, "forbidden characters", rule.forbidden, "".join(bad), len(bad), part
            )
        )
    for rule_name, pattern, limit in (
        ("max hashtags", _HASHTAG, rule.max_hashtags),
        ("max mentions", _MENTION, rule.max_mentions),
        ("max links", _URL, rule.max_links),
    ):
        count = len(pattern.findall(text))
        if limit is not None and count > limit:
            found.append(Violation(spec.name, rule.name, rule_name, limit, count, count - limit, part))
    return found


def _check_media(spec: Platform, media: Sequence[Mapping[str, Any]]) -> list[Violation]:
    rules = spec.media
    found = []
    if rules.get("required") and not media:
        found.append(Violation(spec.name, "media", "media required", 1, 0, 1))
    if len(media) > rules.get("max_items", 10):
        found.append(
            Violation(
                spec.name,
                "media",
                "max items",
                rules["max_items"],
                len(media),
                len(media) - rules["max_items"],
            )
        )
    for item in media:
        kind, seconds = item.get("kind", "image"), item.get("seconds")
        if kind not in rules.get("kinds", ["image", "video"]):
            found.append(Violation(spec.name, "media", "media kind", ",".join(rules["kinds"]), kind, 1))
        if kind == "video" and seconds is not None:
            high, low = rules.get("video_max_seconds"), rules.get("video_min_seconds")
            if high is not None and seconds > high:
                found.append(
                    Violation(
                        spec.name,
                        "media",
                        "max video seconds",
                        high,
                        round(seconds, 1),
                        int(seconds - high + 0.999),
                    )
                )
            if low is not None and seconds < low:
                found.append(
                    Violation(
                        spec.name,
                        "media",
                        "min video seconds",
                        low,
                        round(seconds, 1),
                        int(low - seconds + 0.999),
                    )
                )
        ratios = rules.get("aspect_ratios")
        if ratios and item.get("aspect") and item["aspect"] not in ratios:
            found.append(Violation(spec.name, "media", "aspect ratio", "/".join(ratios), item["aspect"], 1))
    return found


def validate(
    draft_platform: str,
    fields: Mapping[str, str],
    media: Sequence[Mapping[str, Any]] = (),
    parts: Sequence[str] = (),
) -> list[Violation]:
    """Every rule the post breaks on its platform (empty when it may be queued)."""
    spec = platform(draft_platform)
    found: list[Violation] = []
    for name, rule in spec.fields.items():
        text = fields.get(name) or ""
        if rule.required and not text.strip():
            found.append(Violation(spec.name, name, "required", 1, 0, 1))
        found.extend(_check_text(spec, rule, text, 0 if parts else None))
    unknown = set(fields) - set(spec.fields)
    for name in sorted(unknown):
        found.append(Violation(spec.name, name, "unknown field", ",".join(spec.fields), name, 1))
    if parts and len(parts) + 1 > spec.thread_max_parts:
        found.append(
            Violation(
                spec.name,
                "text",
                "max thread parts",
                spec.thread_max_parts,
                len(parts) + 1,
                len(parts) + 1 - spec.thread_max_parts,
            )
        )
    for index, text in enumerate(parts, start=1):
        found.extend(_check_text(spec, spec.fields["text"], text, index))
    found.extend(_check_media(spec, media))
    return found


def validate_draft(draft: Draft) -> list[Violation]:
    return validate(draft.platform, draft.fields, draft.media, draft.parts)


def fit(text: str, platform_name: str, field_name: str = "text", ellipsis: str = "…") -> str:
    """Shorten `text` at a word boundary until it fits the field's limit with its own counter."""
    rule = platform(platform_name).fields[field_name]
    text = "".join(ch for ch in text if ch not in rule.forbidden)
    if rule.measure(text) <= rule.max:
        return text
    words = text.split(" ")
    while words and rule.measure(" ".join(words) + ellipsis) > rule.max:
        words.pop()
    shortened = " ".join(words).rstrip(" ,;:-") + ellipsis
    if not words:  # one very long word: cut by code points
        shortened = text
        while rule.measure(shortened + ellipsis) > rule.max:
            shortened = shortened[:-1]
        shortened += ellipsis
    return shortened


def hashtag(text: str, platform_name: str | None = None) -> str:
    """`text` as one hashtag in camel case, keeping every letter where the platform links them
    (`Café à Noite` → `#CaféÀNoite`, `Atlântico` → `#Atlântico`) and transliterating where
    it links only ASCII (`#CafeANoite`); punctuation, spaces and emoji go. "" when nothing is left."""
    letters = platform(platform_name).hashtag_letters if platform_name else "unicode"
    text = unicodedata.normalize("NFC", text)
    if letters == "ascii":
        from text_unidecode import unidecode

        text = unidecode(text)
    words = _TAG_WORD.findall(text)
    tag = "".join(word[:1].upper() + word[1:] for word in words)
    return f"#{tag}" if tag and not tag.isdigit() else ""
