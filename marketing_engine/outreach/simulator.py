"""The offline world for outreach work: journalist digests arriving in a local mailbox (in the three
formats the parsers read, about the brand's topics and some that are not, in the brand's language).
Deterministic for (brand, day, seed)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape
from pathlib import Path

from marketing_engine.brand import BrandProfile
from marketing_engine.files import write_bytes
from marketing_engine.wording import frames


def _queries(brand: BrandProfile, rng: random.Random, now: datetime) -> list[dict]:
    """Today's journalist requests in the brand's language: four on its own topics, two on subjects
    no brand file is about (for the relevance filter), from outlets named only after its cities."""
    words = frames("outreach", brand.language)["queries"]
    cities = [location.city for location in brand.locations] or [brand.name]
    on_topic = [
        (rng.choice(words["angles"]).format(topic=t), words["details"].format(topic=t))
        for t in brand.seed_topics
    ]
    off_topic = [(q["topic"], q["details"]) for q in words["off_topic"]]
    chosen = rng.sample(on_topic, min(4, len(on_topic))) + rng.sample(off_topic, min(2, len(off_topic)))
    queries = []
    for n, (topic, details) in enumerate(chosen):
        queries.append(
            {
                "topic": topic,
                "details": details,
                "outlet": rng.choice(words["outlets"]).format(city=rng.choice(cities)),
                "journalist": rng.choice(words["journalists"]),
                "deadline": now + timedelta(days=1 + n % 4, hours=rng.randint(1, 9)),
                "reply_to": f"q{rng.randint(10000, 99999)}@reply.press.example",
                "limit": rng.choice([120, 150, 200]),
            }
        )
    queries[-1]["deadline"] = now - timedelta(hours=3)  # one already expired
    return queries


def _message(sender: str, subject: str, now: datetime, ident: str, to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<{ident}@digests.example>"
    return message


# One request in each digest's format ({n}: its number in the digest; Qwoted's is HTML).
HARO_REQUEST = (
    "{n}) Summary: {topic}\nName: {journalist}\nCategory: Lifestyle\nEmail: {reply_to}\n"
    "Media Outlet: {outlet}\nDeadline: {deadline:%I:%M %p UTC - %d %B %Y}\n\nQuery:\n{details}\n\n"
    "Requirements:\n{limit} words max.\n\nBack to Top\n-----------------------------------\n"
)
QWOTED_REQUEST = (
    '<div class="request"><h2 class="title">{topic}</h2>'
    '<p class="outlet">Outlet: {outlet}</p><p class="reporter">Reporter: {journalist}</p>'
    '<p class="deadline">Deadline: {deadline:%b %d, %Y %H:%M} UTC</p>'
    '<p class="details">{details}</p><p class="requirements">Up to {limit} words.</p>'
    '<p class="reply">Reply to: {reply_to}</p></div>'
)
SOURCEBOTTLE_REQUEST = (
    "== CALL-OUT ==\nTitle: {topic}\nPublication: {outlet}\nJournalist: {journalist}\n"
    "Closing date: {deadline:%Y-%m-%d %H:%M} UTC\nReply to: {reply_to}\n"
    "Description: {details}\nWord limit: {limit}\n\n"
)


def _requests(template: str, queries: list[dict], html: bool = False) -> str:
    """The digest's requests in its format, numbered from 1 (text HTML-escaped for an HTML digest)."""

    def slots(query: dict) -> dict:
        return {k: escape(v) if html and isinstance(v, str) else v for k, v in query.items()}

    return "".join(template.format(n=n, **slots(q)) for n, q in enumerate(queries, 1))


def haro_digest(queries: list[dict], now: datetime, to: str) -> EmailMessage:
    message = _message(
        "HARO <haro@helpareporter.example>", "[HARO] Morning Edition", now, f"haro-{now:%Y%m%d}", to
    )
    message.set_content("INDEX\n\n" + _requests(HARO_REQUEST, queries))
    return message


def qwoted_digest(queries: list[dict], now: datetime, to: str) -> EmailMessage:
    message = _message("Qwoted <requests@qwoted.example>", "New source requests", now, f"qw-{now:%Y%m%d}", to)
    message.set_content("View in your browser.")
    cards = _requests(QWOTED_REQUEST, queries, html=True)
    message.add_alternative(f"<html><body>{cards}</body></html>", subtype="html")
    return message


def sourcebottle_digest(queries: list[dict], now: datetime, to: str) -> EmailMessage:
    sender = "SourceBottle <alerts@sourcebottle.example>"
    message = _message(sender, "SourceBottle call-outs", now, f"sb-{now:%Y%m%d}", to)
    message.set_content(f"Today's call-outs.\n\n{_requests(SOURCEBOTTLE_REQUEST, queries)}== END ==\n")
    return message


def seed_inbox(folder: Path, brand: BrandProfile, now: datetime, seed: int = 0) -> list[Path]:
    """Write today's three digests into the offline mailbox (rewritten, not duplicated, on re-runs)."""
    rng = random.Random(f"{brand.name}|{now:%Y-%m-%d}|{seed}")
    queries = _queries(brand, rng, now)
    to = brand.outreach.sender_email if brand.outreach else f"press@{brand.domain}"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build, part in (
        ("haro", haro_digest, queries[0::3]),
        ("qwoted", qwoted_digest, queries[1::3]),
        ("sourcebottle", sourcebottle_digest, queries[2::3]),
    ):
        path = folder / f"{now:%Y-%m-%d}-{name}.eml"
        write_bytes(path, bytes(build(part, now, to)))
        written.append(path)
    return written
