"""The brand profile: the one file a growth team writes, and everything the engine reads from it.

`load_brand(path)` parses and validates `brand.yaml`; any problem raises `BrandFileError` naming the
file, the field (as a dotted path) and what is wrong, so a marketer can fix it without reading code.
Everything a run could trip over later is checked here, before any work: the encoding, control
characters and line breaks, lengths that keep every slug inside the warehouse's columns and every
file name short, unique slugs, product paths on the brand's own site, posting windows (overnight
allowed, overlaps refused) and a seed-topic count one run can handle.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
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

# Lengths that keep slugs inside the warehouse's columns (brand String(100), campaign and product
# slugs String(200), topic keys String(200), keywords String(300) with modifiers and a city added)
# and file names such as `calendar/<brand slug>.ics.partial` far below the 255-byte limit.
NAME_MAX = 80
PRODUCT_NAME_MAX = 120
TOPIC_MAX = 80
PLACE_MAX = 80
LINE_MAX = 300
TEXT_MAX = 5000
# One `make run` expands every seed topic into keywords, embeds and clusters them, and writes pages
# for the largest clusters: 5 topics take about 10 s; 200 took 87 s for 20,613 keywords.
MAX_SEED_TOPICS = 30
OVERNIGHT_MAX_HOURS = 12
Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX)]
Place = Annotated[str, Field(min_length=1, max_length=PLACE_MAX)]
Line = Annotated[str, Field(min_length=1, max_length=LINE_MAX)]


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


Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY_INDEX = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_LOCALE = re.compile(r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})*$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def slug(text: str, max_length: int = 80) -> str:
    """A URL and file-name slug that keeps every letter, transliterated (`Invisíveis` → `invisiveis`)."""
    from slugify import slugify

    return slugify(text, max_length=max_length, word_boundary=True, save_order=True)


class PostingWindow(_Model):
    """A daily window in the brand's time zone, e.g. days [mon, tue] 08:00–10:00. An end at or before
    the start runs overnight: [fri] 22:00–02:00 is Friday 22:00 to Saturday 02:00."""

    days: list[Day] = Field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    start: time
    end: time

    @model_validator(mode="after")
    def _has_length(self) -> PostingWindow:
        if self.start == self.end:
            raise ValueError(
                f"start and end are both {self.start:%H:%M}: a window needs a length "
                "(an end before the start runs overnight, e.g. 22:00-02:00)"
            )
        if self.overnight and self.length_minutes() > OVERNIGHT_MAX_HOURS * 60:
            raise ValueError(
                f"start {self.start:%H:%M} is after end {self.end:%H:%M}: that is an overnight window of "
                f"{self.length_minutes() / 60:.1f} hours (at most {OVERNIGHT_MAX_HOURS}); "
                "swap them if the window is meant to be within one day"
            )
        repeated = sorted({day for day in self.days if self.days.count(day) > 1})
        if repeated:
            raise ValueError(f"days lists {', '.join(repeated)} more than once")
        return self

    @property
    def overnight(self) -> bool:
        return self.end < self.start

    def length_minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute - self.start.hour * 60 - self.start.minute) % (24 * 60)

    def minutes(self) -> list[tuple[int, int]]:
        """The window as [start, end) minutes of the week (Monday 00:00 is 0), split at the week's end."""
        week = 7 * 24 * 60
        start = self.start.hour * 60 + self.start.minute
        length = self.length_minutes()
        spans = []
        for day in self.days:
            first = DAY_INDEX[day] * 24 * 60 + start
            last = first + length
            spans += [(first, min(last, week))] + ([(0, last - week)] if last > week else [])
        return spans

    def label(self) -> str:
        return f"{', '.join(self.days)} {self.start:%H:%M}-{self.end:%H:%M}"


def _overlap(windows: list[PostingWindow]) -> str | None:
    """A sentence naming the first two windows that share a minute of the week, or None."""
    week_days = list(DAY_INDEX)
    for i, first in enumerate(windows):
        for j in range(i):
            second = windows[j]
            for a_start, a_end in first.minutes():
                for b_start, b_end in second.minutes():
                    if a_start < b_end and b_start < a_end:
                        at = max(a_start, b_start)
                        day, minute = week_days[at // 1440], at % 1440
                        return (
                            f"[{i}] ({first.label()}) overlaps [{j}] ({second.label()}) "
                            f"on {day} at {minute // 60:02d}:{minute % 60:02d}: merge them into one window"
                        )
    return None


class Audience(_Model):
    description: NonEmpty
    personas: list[NonEmpty] = Field(default_factory=list)
    locale: str = "en-US"
    timezone: str = "UTC"

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        from babel import Locale, UnknownLocaleError

        if not _LOCALE.match(value):
            raise ValueError(f"{value!r} is not a locale like en-US, pt-PT or de")
        try:
            Locale.parse(value.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            raise ValueError(f"unknown locale {value!r} (use a language code such as en-GB, pt-PT or fr)") from None
        return value

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


def _currency(value: str | None) -> str | None:
    if value is None:
        return None
    from babel.numbers import get_currency_name

    code = value.strip().upper()
    if not _CURRENCY.match(code) or get_currency_name(code) == code:
        raise ValueError(f"{value!r} is not an ISO 4217 currency code such as EUR, USD or GBP")
    return code


class Product(_Model):
    """A product or service; `features` are specifics the owner vouches for (sizes, what is included)."""

    name: Annotated[str, Field(min_length=1, max_length=PRODUCT_NAME_MAX)]
    description: NonEmpty
    kind: Literal["product", "service"] = "product"
    price: float | None = Field(default=None, ge=0)
    price_unit: str = ""  # e.g. "per user per month", "per person"
    currency: str | None = None  # None: the brand's currency
    url_path: str | None = None
    features: list[NonEmpty] = Field(default_factory=list)

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str | None) -> str | None:
        return _currency(value)

    @field_validator("url_path")
    @classmethod
    def _own_site_path(cls, value: str | None) -> str | None:
        return None if value is None else site_path(value)

    @property
    def slug(self) -> str:
        return slug(self.name) or "item"


_PATH = re.compile(r"^/[^\s\\@]*$")


def site_path(value: str) -> str:
    """A path on the brand's own site: starts with one `/`; no scheme, host, `@`, `\\` or `..`."""
    problem = ""
    if "://" in value or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", value):
        problem = "has a scheme; write only the path, e.g. /products/first-product"
    elif not value.startswith("/") or value.startswith("//"):
        problem = "must start with a single / (a path on the brand's own domain, e.g. /products/first-product)"
    elif "@" in value:
        problem = "contains '@', which would send readers to another host"
    elif ".." in value.split("?")[0].split("#")[0].split("/"):
        problem = "contains a '..' segment"
    elif not _PATH.match(value):
        problem = "contains spaces, backslashes or control characters"
    if problem:
        raise ValueError(f"{value!r} {problem}")
    return value


class Address(_Model):
    street: NonEmpty
    postal_code: NonEmpty


class OpeningHours(_Model):
    """When a location is open, in the brand's time zone, e.g. days [mon, tue] 09:00–18:00."""

    days: list[Day] = Field(min_length=1)
    opens: time
    closes: time

    @model_validator(mode="after")
    def _opens_before_closes(self) -> OpeningHours:
        if self.opens >= self.closes:
            raise ValueError(f"opens {self.opens} must be before closes {self.closes}")
        return self


class Location(_Model):
    city: Place
    region: Place
    country: str = "US"
    name: Annotated[str, Field(max_length=PLACE_MAX)] = ""  # e.g. "Baixa": a city with two locations
    address: Address | None = None
    phone: str | None = None
    hours: list[OpeningHours] = Field(default_factory=list)


class Competitor(_Model):
    name: Name
    domain: NonEmpty

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        value = value.lower()
        if not _DOMAIN.match(value):
            raise ValueError(f"{value!r} is not a domain name (write example.com, without https://)")
        return value


class SourcedFigure(_Model):
    """A number the owner vouches for, with where it comes from (shown beside it when published)."""

    statement: NonEmpty  # e.g. "4,200 repairs since 2015"
    source: NonEmpty  # e.g. "workshop ledger, 2025"


class FAQ(_Model):
    question: NonEmpty
    answer: NonEmpty


class CustomerQuote(_Model):
    text: NonEmpty
    author: NonEmpty
    permission: bool = False  # only quotes the customer agreed to publish are used


class CitedSource(_Model):
    """A public source the brand cites (a regulator's page, a study); pages on its topics link to it."""

    title: NonEmpty
    url: NonEmpty
    publisher: str = ""
    topics: list[NonEmpty] = Field(default_factory=list)  # the seed topics it supports; empty: all
    summary: str = ""  # what it says, in the owner's words; writers may restate it with the citation

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/@]+\.[^\s/@]+(/\S*)?$", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value


class Facts(_Model):
    """What the owner vouches for. Writers state nothing about the business beyond this and the
    rest of the brand file (names, products, prices, locations, people)."""

    founded: int | None = Field(default=None, ge=1000, le=2100)
    statements: list[NonEmpty] = Field(default_factory=list)  # plain facts, e.g. "Free parking behind the store"
    certifications: list[NonEmpty] = Field(default_factory=list)
    guarantees: list[NonEmpty] = Field(default_factory=list)
    figures: list[SourcedFigure] = Field(default_factory=list)
    faqs: list[FAQ] = Field(default_factory=list)
    quotes: list[CustomerQuote] = Field(default_factory=list)
    sources: list[CitedSource] = Field(default_factory=list)

    @property
    def publishable_quotes(self) -> list[CustomerQuote]:
        return [quote for quote in self.quotes if quote.permission]


class Channel(_Model):
    handle: Line
    enabled: bool = True
    posts_per_day: float = Field(default=1.0, gt=0, le=50)
    posting_windows: list[PostingWindow] = Field(default_factory=list)
    communities: list[NonEmpty] = Field(default_factory=list)

    @field_validator("posting_windows")
    @classmethod
    def _no_overlap(cls, value: list[PostingWindow]) -> list[PostingWindow]:
        return _windows_without_overlap(value)


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


def _windows_without_overlap(windows: list[PostingWindow]) -> list[PostingWindow]:
    overlap = _overlap(windows)
    if overlap:
        raise ValueError(overlap)
    return windows


class VisualIdentity(_Model):
    palette: Palette
    font: Annotated[str, Field(min_length=1, max_length=NAME_MAX, pattern=r"^[\w][\w .'-]*$")] = "DejaVu Sans"
    logo: str | None = None
    images: list[str] = Field(default_factory=list)
    music_mood: str = "upbeat"
    voice: str | None = None  # an espeak-ng language code (en-gb, pt, pt-br…); None: the audience locale


class Approval(_Model):
    required: bool = True


class TrendSettings(_Model):
    spike_threshold: float = Field(default=3.5, gt=0)
    feeds: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=lambda: ["US"])


class Outreach(_Model):
    sender_name: Name
    sender_email: NonEmpty
    postal_address: NonEmpty
    daily_send_cap: int = Field(default=50, gt=0)
    discord_invites: list[str] = Field(default_factory=list)  # servers to track as communities

    @field_validator("sender_email")
    @classmethod
    def _email(cls, value: str) -> str:
        from email_validator import EmailNotValidError, validate_email

        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError as exc:
            raise ValueError(f"{value!r} is not an email address: {exc}") from None
        return value


class Author(_Model):
    """A person who writes or checks the brand's articles; shown in bylines and on /authors/<slug>/."""

    name: Name
    role: Annotated[str, Field(min_length=1, max_length=NAME_MAX)] = "Editor"
    bio: str = ""
    expertise: list[NonEmpty] = Field(default_factory=list)

    @property
    def slug(self) -> str:
        return slug(self.name) or "author"


class BrandProfile(_Model):
    name: Name
    domain: NonEmpty
    tagline: Annotated[str, Field(max_length=LINE_MAX)] = ""
    description: Annotated[str, Field(min_length=1, max_length=TEXT_MAX)]
    audience: Audience
    tone: Tone
    seed_topics: list[Annotated[str, Field(min_length=1, max_length=TOPIC_MAX)]] = Field(min_length=1)
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
    currency: str | None = None  # None: the currency of the audience locale's country
    facts: Facts = Facts()

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str | None) -> str | None:
        return _currency(value)

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        return Competitor._domain(value)

    @field_validator("seed_topics")
    @classmethod
    def _unique_topics(cls, value: list[str]) -> list[str]:
        if len(value) > MAX_SEED_TOPICS:
            raise ValueError(
                f"{len(value)} seed topics are more than one run can expand, cluster and write in its "
                f"budget (at most {MAX_SEED_TOPICS}); keep the {MAX_SEED_TOPICS} that matter most"
            )
        seen: dict[str, str] = {}
        for topic in value:
            key = slug(topic) or topic.strip().lower()
            if key in seen:
                raise ValueError(f"seed topic {topic!r} is listed twice (as {seen[key]!r})")
            seen[key] = topic
        return value

    @field_validator("posting_windows")
    @classmethod
    def _no_overlap(cls, value: list[PostingWindow]) -> list[PostingWindow]:
        return _windows_without_overlap(value)

    @model_validator(mode="after")
    def _unique_slugs(self) -> BrandProfile:
        for field, items in (("products", self.products), ("authors", self.authors)):
            seen: dict[str, int] = {}
            for index, item in enumerate(items):
                if item.slug in seen:
                    first = seen[item.slug]
                    raise ValueError(
                        f"{field}[{index}].name {item.name!r} makes the same slug {item.slug!r} as "
                        f"{field}[{first}].name {items[first].name!r}: give each a name with its own letters"
                    )
                seen[item.slug] = index
        return self

    @property
    def site_url(self) -> str:
        return f"https://{self.domain}"

    @property
    def slug(self) -> str:
        """The brand's key in the warehouse and in file names; never empty (falls back to the domain)."""
        return slug(self.name) or slug(self.domain.replace(".", " "))

    def llm_context(self, writes: str) -> str:
        """The one system prompt every writer sends (the Anthropic backend caches it): what is being
        written, for whom, in which language and voice, the facts block and the claims rule.
        `writes` names the work, e.g. "web pages", "social posts", "short video scripts"."""
        from babel import Locale

        from marketing_engine.seo.factsheet import CLAIMS_RULE, facts_block

        language = Locale.parse(self.babel_locale).get_display_name("en")
        tone = self.tone
        return (
            f"You write {writes} for {self.name} ({self.domain}), in {language}. {self.description}\n"
            f"Audience: {self.audience.description}. Personas: {'; '.join(self.audience.personas)}.\n"
            f"Voice: {', '.join(tone.voice)}. Never use: {', '.join(tone.avoid) or 'n/a'}. "
            f"Flesch reading ease between {tone.reading_ease.min:.0f} and {tone.reading_ease.max:.0f}. "
            "Write prices exactly as the facts give them.\n"
            f"{facts_block(self)}\nRULE: {CLAIMS_RULE}"
        )

    @property
    def language(self) -> str:
        """The audience's language code, e.g. `en`, `pt`."""
        return re.split(r"[-_]", self.audience.locale)[0].lower()

    @property
    def babel_locale(self) -> str:
        return self.audience.locale.replace("-", "_")

    @property
    def currency_code(self) -> str:
        """The brand's currency: set in the file, else the audience locale's country's currency."""
        if self.currency:
            return self.currency
        from babel import Locale
        from babel.numbers import get_territory_currencies

        territory = Locale.parse(self.babel_locale).territory
        found = get_territory_currencies(territory) if territory else []
        return found[0] if found else "USD"

    @property
    def voice_language(self) -> str:
        """The speech voice as a language code: the one set, else the audience locale (`en-GB` → `en-gb`)."""
        return (self.visual_identity.voice or self.audience.locale).replace("_", "-").lower()

    def money(self, amount: float, currency: str | None = None) -> str:
        """An amount as the audience reads it: `$2,499`, `12,50 €`, `£24`; whole amounts drop the cents."""
        from babel import Locale
        from babel.numbers import format_currency

        code = currency or self.currency_code
        if not float(amount).is_integer():
            return format_currency(amount, code, locale=self.babel_locale)
        pattern = Locale.parse(self.babel_locale).currency_formats["standard"].pattern
        whole = re.sub(r"0[.,]0+", "0", pattern)
        return format_currency(amount, code, format=whole, locale=self.babel_locale, currency_digits=False)

    def price_of(self, product: Product) -> str:
        if product.price is None:
            return ""
        text = self.money(product.price, product.currency)
        return f"{text} {product.price_unit}".strip()

    def number(self, value: float) -> str:
        from babel.numbers import format_decimal

        return format_decimal(value, locale=self.babel_locale)

    def date(self, when: date | datetime, form: str = "long") -> str:
        """A reader-facing date in the audience's locale (`November 30, 2026`, `30 de novembro de 2026`)."""
        from babel.dates import format_date

        day = when.date() if isinstance(when, datetime) else when
        return format_date(day, format=form, locale=self.babel_locale)

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


# Fields whose text lands in one line of some output (a title, a header, a file name, a caption
# style): a line break there would split a header or a calendar line.
_ONE_LINE = {
    "name", "domain", "tagline", "handle", "city", "region", "country", "sender_name", "sender_email",
    "url_path", "font", "role", "title", "publisher", "url", "author", "locale", "timezone", "currency",
    "price_unit", "seed_topics", "personas", "expertise", "communities", "feeds", "regions", "phone",
    "street", "postal_code",
}  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")


def _check_text(value: object, location: tuple[int | str, ...], source: Path | str) -> None:
    """Refuse control characters anywhere, and line breaks in one-line fields, naming the field."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_text(item, (*location, str(key)), source)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_text(item, (*location, index), source)
    elif isinstance(value, str):
        field = next((part for part in reversed(location) if isinstance(part, str)), "")
        bad = _CONTROL.search(value)
        if bad is None and field in _ONE_LINE and ("\n" in value.strip() or "\t" in value):
            bad = re.search(r"[\n\t]", value.strip())
        if bad is not None:
            raise BrandFileError(
                source,
                _field_path(location),
                f"contains the control character U+{ord(bad.group()):04X} at character {bad.start() + 1}"
                + (" (one-line fields take no line breaks or tabs)" if bad.group() in "\n\t" else ""),
            )


def parse_brand(data: object, source: Path | str = "<brand>") -> BrandProfile:
    """Validate already-parsed YAML data; errors name `source` and the first bad field."""
    if not isinstance(data, dict):
        raise BrandFileError(source, "", f"expected a mapping at the top level, got {type(data).__name__}")
    _check_text(data, (), source)
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
        raw = path.read_bytes()
    except OSError as exc:
        raise BrandFileError(path, "", f"cannot be read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
        line = raw[:start].count(b"\n") + 1
        column = start - (raw.rfind(b"\n", 0, start) + 1) + 1
        raise BrandFileError(
            path,
            "",
            f"is not UTF-8: byte 0x{raw[start]:02x} at offset {start} (line {line}, column {column}); "
            "save the file as UTF-8",
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise BrandFileError(path, "", f"not valid YAML: {where}{getattr(exc, 'problem', exc)}") from None
    return parse_brand(data, path)


def brand_file_version(path: Path | str) -> str:
    """The sha256 of the brand file's bytes: the brand's data version, so an unchanged file is no
    change to anything made from it."""
    import hashlib

    path = Path(path)
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise BrandFileError(path, "", f"cannot be read: {exc.strerror or exc}") from None
