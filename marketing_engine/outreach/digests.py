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
MAILBOX_DAYS = 30  # digests older than this are expired; replies come within a sequence's 7 days
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


# Where a plain-text digest keeps each part of a request: the label of its "Label: value" field
# (`labels` lists them all, in order: a value runs on to the next label).
HARO_LABELS = ("Summary", "Name", "Category", "Email", "Media Outlet", "Deadline", "Query", "Requirements")
HARO_PARTS = {
    "topic": "summary",
    "journalist": "name",
    "reply_to": "email",
    "outlet": "media outlet",
    "deadline": "deadline",
    "details": "query",
    "requirements": "requirements",
}
SOURCEBOTTLE_LABELS = (
    "Title",
    "Publication",
    "Journalist",
    "Closing date",
    "Reply to",
    "Description",
    "Word limit",
)
SOURCEBOTTLE_PARTS = {
    "topic": "title",
    "outlet": "publication",
    "journalist": "journalist",
    "deadline": "closing date",
    "reply_to": "reply to",
    "details": "description",
    "word_limit": "word limit",
}


def _labelled(block: str, labels: Iterable[str], parts: dict[str, str]) -> dict[str, str]:
    found = _fields(block, labels)
    return {part: found.get(label, "") for part, label in parts.items()}


def _queries(message: EmailMessage, source: str, requests: Iterable[dict[str, str]]) -> list[JournalistQuery]:
    """A digest's requests as queries. One without a reply address or a deadline is skipped; the deadline
    is read against the digest's date; the word limit is the stated one (a digest with a word-limit
    field and none stated: the default), else the first limit the requirements or details mention."""
    received = _received(message)
    queries = []
    for r in requests:
        if not r["reply_to"] or not r["deadline"]:
            continue
        stated = r.get("word_limit")
        if stated is None:
            limit = word_limit(r.get("requirements", ""), r["details"])
        else:
            limit = int(stated) if stated.isdigit() else DEFAULT_WORD_LIMIT
        queries.append(
            JournalistQuery(
                source=source,
                outlet=r["outlet"],
                journalist=r["journalist"],
                topic=r["topic"],
                details=r["details"],
                requirements=r.get("requirements", ""),
                deadline=parse_deadline(r["deadline"], received),
                reply_to=r["reply_to"],
                word_limit=limit,
                received_at=received,
                digest_message_id=message["Message-ID"] or "",
            )
        )
    return queries


def parse_haro(message: EmailMessage) -> list[JournalistQuery]:
    blocks = re.split(r"^\s*\d+\)\s+(?=Summary:)", _body(message, "plain"), flags=re.MULTILINE)[1:]
    requests = (_labelled(b.split("Back to Top")[0], HARO_LABELS, HARO_PARTS) for b in blocks)
    return _queries(message, "haro", requests)


def _text(node: lxml.html.HtmlElement, css_class: str, prefix: str = "") -> str:
    found = node.xpath(f".//*[contains(concat(' ', normalize-space(@class), ' '), ' {css_class} ')]")
    value = " ".join(found[0].text_content().split()) if found else ""
    return value[len(prefix) :].strip() if prefix and value.lower().startswith(prefix.lower()) else value


def parse_qwoted(message: EmailMessage) -> list[JournalistQuery]:
    doc = lxml.html.document_fromstring(_body(message, "html"))
    requests = (
        {
            "outlet": _text(card, "outlet", "Outlet:"),
            "journalist": _text(card, "reporter", "Reporter:"),
            "topic": _text(card, "title"),
            "details": _text(card, "details"),
            "requirements": _text(card, "requirements"),
            "deadline": _text(card, "deadline", "Deadline:"),
            "reply_to": _text(card, "reply", "Reply to:"),
        }
        for card in doc.xpath("//div[contains(@class, 'request')]")
    )
    return _queries(message, "qwoted", requests)


def parse_sourcebottle(message: EmailMessage) -> list[JournalistQuery]:
    text = _body(message, "plain").split("== END ==")[0]
    blocks = text.split("== CALL-OUT ==")[1:]
    return _queries(
        message, "sourcebottle", (_labelled(b, SOURCEBOTTLE_LABELS, SOURCEBOTTLE_PARTS) for b in blocks)
    )


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


def mailbox_since(now: datetime) -> datetime:
    """How far back the mailbox is read: the last MAILBOX_DAYS."""
    return now - timedelta(days=MAILBOX_DAYS)


@dataclass(frozen=True)
class Inbox:
    parsed: list[JournalistQuery]  # every query in the digests
    fresh: list[JournalistQuery]  # one per key, deadline ahead
    skipped: list[str]  # the other mail, named

    def counts(self) -> dict[str, int]:
        return {
            "digest_queries": len(self.parsed),
            "fresh_queries": len(self.fresh),
            "dropped_expired_or_duplicate": len(self.parsed) - len(self.fresh),
            "other_mail_skipped": len(self.skipped),
        }


def read_inbox(messages: Iterable[EmailMessage], now: datetime) -> Inbox:
    """The journalist queries in the mailbox's digests, and those still open at `now`."""
    parsed, skipped = queries_from_messages(messages)
    return Inbox(parsed, fresh_queries(parsed, now), skipped)
