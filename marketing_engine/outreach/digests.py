"""Journalist-request digests (HARO-like, Qwoted-like, SourceBottle-like) parsed into one query each.

Each parser takes a parsed email and returns `JournalistQuery`s; `parse_digest` picks the parser by
the sender and layout. Queries are deduplicated on (reply address, topic) and those whose deadline
has passed are dropped by `fresh_queries`.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

import lxml.html
from dateutil import parser as dateparser

DEFAULT_WORD_LIMIT = 250
_ZONES = {
    "EST": -5,
    "EDT": -4,
    "ET": -5,
    "CST": -6,
    "CDT": -5,
    "CT": -6,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "PT": -8,
    "UTC": 0,
    "GMT": 0,
    "AEDT": 11,
    "AEST": 10,
}
TZINFOS = {name: hours * 3600 for name, hours in _ZONES.items()}


class DigestError(ValueError):
    """A digest email that none of the parsers understands, naming its sender and subject."""


@dataclass(frozen=True)
class JournalistQuery:
    source: str
    outlet: str
    journalist: str
    topic: str
    details: str
    requirements: str
    deadline: datetime
    reply_to: str
    word_limit: int
    received_at: datetime
    digest_message_id: str

    @property
    def key(self) -> str:
        raw = f"{self.reply_to.lower()}|{' '.join(self.topic.lower().split())}"
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    def row(self) -> dict:
        return {**asdict(self), "query_key": self.key}


def read_message(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def _body(message: EmailMessage, kind: str) -> str:
    part = message.get_body(preferencelist=(kind,))
    return part.get_content() if part is not None else ""


def _received(message: EmailMessage) -> datetime:
    try:
        return parsedate_to_datetime(message["Date"]).astimezone(UTC)
    except (TypeError, ValueError):
        return datetime.now(UTC)


def parse_deadline(text: str, received: datetime) -> datetime:
    """'5:00 PM EST - 28 November' has no year: take the first such date not before the digest."""
    cleaned = re.sub(r"\s+-\s+", " ", text).strip()
    default = received.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    value = dateparser.parse(cleaned, default=default, tzinfos=TZINFOS, fuzzy=True)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not re.search(r"\b\d{4}\b", cleaned) and value < received - timedelta(days=180):
        value = value.replace(year=value.year + 1)
    return value.astimezone(UTC)


def word_limit(*texts: str) -> int:
    for text in texts:
        found = re.search(r"(\d{2,4})\s*words?", text, re.IGNORECASE) or re.search(
            r"word limit:?\s*(\d{2,4})", text, re.IGNORECASE
        )
        if found:
            return int(found.group(1))
    return DEFAULT_WORD_LIMIT


def _fields(block: str, names: Iterable[str]) -> dict[str, str]:
    """`Name: value` lines (a value may continue on following lines until the next field)."""
    pattern = "|".join(re.escape(n) for n in names)
    found: dict[str, str] = {}
    matches = list(re.finditer(rf"^({pattern}):[ \t]*", block, re.MULTILINE))
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(block)
        found[match.group(1).lower()] = " ".join(block[match.end() : end].split())
    return found


def parse_haro(message: EmailMessage) -> list[JournalistQuery]:
    text = _body(message, "plain")
    received = _received(message)
    queries = []
    blocks = re.split(r"^\s*\d+\)\s+(?=Summary:)", text, flags=re.MULTILINE)[1:]
    for block in blocks:
        block = block.split("Back to Top")[0]
        f = _fields(
            block,
            ["Summary", "Name", "Category", "Email", "Media Outlet", "Deadline", "Query", "Requirements"],
        )
        if not f.get("email") or not f.get("deadline"):
            continue
        queries.append(
            JournalistQuery(
                "haro",
                f.get("media outlet", ""),
                f.get("name", ""),
                f.get("summary", ""),
                f.get("query", ""),
                f.get("requirements", ""),
                parse_deadline(f["deadline"], received),
                f["email"],
                word_limit(f.get("requirements", ""), f.get("query", "")),
                received,
                message["Message-ID"] or "",
            )
        )
    return queries


def _text(node: lxml.html.HtmlElement, css_class: str, prefix: str = "") -> str:
    found = node.xpath(f".//*[contains(concat(' ', normalize-space(@class), ' '), ' {css_class} ')]")
    value = " ".join(found[0].text_content().split()) if found else ""
    return value[len(prefix) :].strip() if prefix and value.lower().startswith(prefix.lower()) else value


def parse_qwoted(message: EmailMessage) -> list[JournalistQuery]:
    html = _body(message, "html")
    received = _received(message)
    doc = lxml.html.document_fromstring(html)
    queries = []
    for card in doc.xpath("//div[contains(@class, 'request')]"):
        reply = _text(card, "reply", "Reply to:")
        deadline = _text(card, "deadline", "Deadline:")
        if not reply or not deadline:
            continue
        requirements = _text(card, "requirements")
        details = _text(card, "details")
        queries.append(
            JournalistQuery(
                "qwoted",
                _text(card, "outlet", "Outlet:"),
                _text(card, "reporter", "Reporter:"),
                _text(card, "title"),
                details,
                requirements,
                parse_deadline(deadline, received),
                reply,
                word_limit(requirements, details),
                received,
                message["Message-ID"] or "",
            )
        )
    return queries


def parse_sourcebottle(message: EmailMessage) -> list[JournalistQuery]:
    text = _body(message, "plain").split("== END ==")[0]
    received = _received(message)
    queries = []
    for block in text.split("== CALL-OUT ==")[1:]:
        f = _fields(
            block,
            ["Title", "Publication", "Journalist", "Closing date", "Reply to", "Description", "Word limit"],
        )
        if not f.get("reply to") or not f.get("closing date"):
            continue
        queries.append(
            JournalistQuery(
                "sourcebottle",
                f.get("publication", ""),
                f.get("journalist", ""),
                f.get("title", ""),
                f.get("description", ""),
                "",
                parse_deadline(f["closing date"], received),
                f["reply to"],
                int(f["word limit"]) if f.get("word limit", "").isdigit() else DEFAULT_WORD_LIMIT,
                received,
                message["Message-ID"] or "",
            )
        )
    return queries


PARSERS: list[tuple[Callable[[EmailMessage], bool], Callable[[EmailMessage], list[JournalistQuery]]]] = [
    (lambda m: "Summary:" in _body(m, "plain") and "Media Outlet:" in _body(m, "plain"), parse_haro),
    (lambda m: 'class="request"' in _body(m, "html"), parse_qwoted),
    (lambda m: "== CALL-OUT ==" in _body(m, "plain"), parse_sourcebottle),
]


def parse_digest(message: EmailMessage) -> list[JournalistQuery]:
    for recognises, parse in PARSERS:
        if recognises(message):
            return parse(message)
    raise DigestError(f"digest from {message['From']!r} ({message['Subject']!r}): no parser recognises it")


def fresh_queries(queries: Iterable[JournalistQuery], now: datetime) -> list[JournalistQuery]:
    """One query per key (the latest digest wins), deadlines still ahead of `now`."""
    unique: dict[str, JournalistQuery] = {}
    for query in queries:
        kept = unique.get(query.key)
        if kept is None or query.received_at > kept.received_at:
            unique[query.key] = query
    return sorted((q for q in unique.values() if q.deadline > now), key=lambda q: q.deadline)


def queries_from_messages(messages: Iterable[EmailMessage]) -> tuple[list[JournalistQuery], list[str]]:
    """Every query in the digests among `messages`; other mail is skipped and named."""
    queries, skipped = [], []
    for message in messages:
        try:
            queries += parse_digest(message)
        except DigestError as exc:
            skipped.append(str(exc))
    return queries, skipped
