"""The brand profile: the one file a growth team writes, and everything the engine reads from it.

`load_brand(path)` parses and validates `brand.yaml`; any problem raises `BrandFileError` naming the
file, the field (as a dotted path) and what is wrong, so a marketer can fix it without reading code.
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

PLATFORMS = (
    "x",
    "linkedin",
    "facebook",
    "instagram",
    "threads",
    "tiktok",
    "youtube",
    "reddit",
    "pinterest",
    "bluesky",
    "wordpress",
)
Platform = Literal[
    "x",
    "linkedin",
    "facebook",
    "instagram",
    "threads",
    "tiktok",
    "youtube",
    "reddit",
    "pinterest",
    "bluesky",
    "wordpress",
]

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
NonEmpty = Annotated[str, Field(min_length=1)]


class BrandFileError(ValueError):
    """A brand file that cannot be used, with the file, the field and the reason."""

    def __init__(self, path: Path | str, field: str, problem: str):
        self.path = str(path)
        self.field = field
        self.problem = problem
        where = f"{self.path}: {field}" if field else self.path
        super().__init__(f"{where}: {problem}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PostingWindow(_Model):
    """A daily window in the brand's time zone, e.g. days [mon, tue] 08:00–10:00."""

    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"]
    )
    start: time
    end: time

    @model_validator(mode="after")
    def _start_before_end(self) -> PostingWindow:
        if self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        return self


class Audience(_Model):
    description: NonEmpty
    personas: list[NonEmpty] = Field(default_factory=list)
    locale: str = "en-US"
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)"
            ) from None
        return value


class ReadingEase(_Model):
    """The Flesch reading-ease band generated pages must fall inside."""

    min: float = 45.0
    max: float = 80.0

    @model_validator(mode="after")
    def _ordered(self) -> ReadingEase:
        if self.min >= self.max:
            raise ValueError(f"min {self.min} must be below max {self.max}")
        return self


class Tone(_Model):
    voice: list[NonEmpty] = Field(min_length=1)
    avoid: list[str] = Field(default_factory=list)
    reading_ease: ReadingEase = ReadingEase()


class Product(_Model):
    name: NonEmpty
    description: NonEmpty
    kind: Literal["product", "service"] = "product"
    price: float | None = Field(default=None, ge=0)
    currency: str = "USD"
    url_path: str | None = None


class Address(_Model):
    street: NonEmpty
    postal_code: NonEmpty


class Location(_Model):
    city: NonEmpty
    region: NonEmpty
    country: str = "US"
    address: Address | None = None
    phone: str | None = None


class Competitor(_Model):
    name: NonEmpty
    domain: NonEmpty

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        value = value.lower()
        if not _DOMAIN.match(value):
            raise ValueError(f"{value!r} is not a domain name (write example.com, without https://)")
        return value


class Channel(_Model):
    handle: NonEmpty
    enabled: bool = True
    posts_per_day: float = Field(default=1.0, gt=0, le=50)
    posting_windows: list[PostingWindow] = Field(default_factory=list)
    communities: list[NonEmpty] = Field(default_factory=list)


class Palette(_Model):
    primary: str
    secondary: str
    accent: str
    background: str
    text: str

    @field_validator("primary", "secondary", "accent", "background", "text")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not _HEX_COLOUR.match(value):
            raise ValueError(f"{value!r} is not a colour like #1a2b3c")
        return value.lower()


class VisualIdentity(_Model):
    palette: Palette
    font: str = "DejaVu Sans"
    logo: str | None = None
    images: list[str] = Field(default_factory=list)
    music_mood: str = "upbeat"
    voice: str = "en-us"


class Approval(_Model):
    required: bool = True


class TrendSettings(_Model):
    spike_threshold: float = Field(default=3.5, gt=0)
    feeds: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=lambda: ["US"])


class Outreach(_Model):
    sender_name: NonEmpty
    sender_email: NonEmpty
    postal_address: NonEmpty
    daily_send_cap: int = Field(default=50, gt=0)
    discord_invites: list[str] = Field(default_factory=list)  # servers to track as communities


class Author(_Model):
    """A person who writes or checks the brand's articles; shown in bylines and on /authors/<slug>/."""

    name: NonEmpty
    role: NonEmpty = "Editor"
    bio: str = ""
    expertise: list[NonEmpty] = Field(default_factory=list)

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-") or "author"


class BrandProfile(_Model):
    name: NonEmpty
    domain: NonEmpty
    tagline: str = ""
    description: NonEmpty
    audience: Audience
    tone: Tone
    seed_topics: list[NonEmpty] = Field(min_length=1)
    products: list[Product] = Field(min_length=1)
    locations: list[Location] = Field(default_factory=list)
    competitors: list[Competitor] = Field(default_factory=list)
    channels: dict[Platform, Channel] = Field(min_length=1)
    visual_identity: VisualIdentity
    posting_windows: list[PostingWindow] = Field(default_factory=list)
    approval: Approval = Approval()
    trends: TrendSettings = TrendSettings()
    outreach: Outreach | None = None
    authors: list[Author] = Field(default_factory=list)

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        return Competitor._domain(value)

    @field_validator("seed_topics")
    @classmethod
    def _unique_topics(cls, value: list[str]) -> list[str]:
        seen: set[str] = set()
        for topic in value:
            key = topic.strip().lower()
            if key in seen:
                raise ValueError(f"seed topic {topic!r} is listed twice")
            seen.add(key)
        return value

    @property
    def site_url(self) -> str:
        return f"https://{self.domain}"

    @property
    def site_authors(self) -> list[Author]:
        """The named authors, else the outreach sender as the editor; empty means the brand signs itself."""
        if self.authors:
            return list(self.authors)
        if self.outreach:
            return [Author(name=self.outreach.sender_name, role="Editor", expertise=list(self.seed_topics))]
        return []

    @property
    def enabled_channels(self) -> dict[str, Channel]:
        return {name: channel for name, channel in self.channels.items() if channel.enabled}

    def windows_for(self, platform: str) -> list[PostingWindow]:
        """The channel's own posting windows, else the brand's default windows."""
        channel = self.channels.get(platform)  # type: ignore[call-overload]
        if channel and channel.posting_windows:
            return list(channel.posting_windows)
        return list(self.posting_windows)


def _field_path(location: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in location:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts)


def parse_brand(data: object, source: Path | str = "<brand>") -> BrandProfile:
    """Validate already-parsed YAML data; errors name `source` and the first bad field."""
    if not isinstance(data, dict):
        raise BrandFileError(source, "", f"expected a mapping at the top level, got {type(data).__name__}")
    try:
        return BrandProfile.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = _field_path(tuple(loc for loc in error["loc"] if loc not in ("function-after",)))
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "is required but missing"
        elif error["type"] == "extra_forbidden":
            message = "is not a known field (check the spelling)"
        more = len(exc.errors()) - 1
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise BrandFileError(source, field, message) from None


def load_brand(path: Path | str) -> BrandProfile:
    """Read and validate a brand file."""
    path = Path(path)
    if not path.is_file():
        raise BrandFileError(path, "", "file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise BrandFileError(path, "", f"not valid YAML: {where}{getattr(exc, 'problem', exc)}") from None
    return parse_brand(data, path)
