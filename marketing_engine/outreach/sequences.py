"""Outreach sequences: a first email and follow-ups (day 3 and 7 by default), stopped at once by a
reply (matched through In-Reply-To/References), a bounce or an unsubscribe; a suppression list
honoured across every campaign; a daily send cap per mailbox.

Exactly-once toward the recipient: each email is recorded with its Message-ID (committed) before it
is handed to the sender. A re-run finds the row and never sends that step again; an email whose
send was interrupted is reconciled with the sender (the outbox can tell) or left "unknown" and not
resent, because a duplicate pitch is worse than a missing follow-up.
"""

from __future__ import annotations

import email.policy
import hashlib
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses

from sqlalchemy.orm import Session

from marketing_engine.brand import BrandProfile
from marketing_engine.outreach import store
from marketing_engine.outreach.unsubscribe import unsubscribe_token
from marketing_engine.signing import signing_secret
from marketing_engine.warehouse.models import OutreachEmail, OutreachSequence, Suppression
from marketing_engine.wording import frames

DEFAULT_FOLLOW_UPS = (3, 7)
NO_SENDER = (
    "the brand file has no `outreach` section (sender, postal address): "
    "no email can be sent lawfully without it"
)
# No folding below SMTP's 998-character limit: List-Unsubscribe must stay a plain header (long
# unbreakable URLs would otherwise be turned into RFC 2047 encoded words mail clients ignore).
MAIL_POLICY = email.policy.default.clone(max_line_length=998)


class SendFailed(RuntimeError):
    """The sender refused a message; the email row keeps the error and the step is not retried."""


@dataclass(frozen=True)
class Identity:
    brand: str
    sender_name: str
    sender_email: str
    postal_address: str
    domain: str
    daily_cap: int
    language: str = "en"  # the recipients' language: greeting, follow-ups and the opt-out line

    @classmethod
    def of(cls, profile: BrandProfile) -> Identity:
        """The brand's sender, from its file's `outreach` section (required to send any email)."""
        out = profile.outreach
        if out is None:
            raise ValueError(f"brand {profile.slug!r}: {NO_SENDER}")
        return cls(
            profile.slug,
            out.sender_name,
            out.sender_email,
            out.postal_address,
            profile.domain,
            out.daily_send_cap,
            profile.language,
        )

    @property
    def words(self) -> dict:
        return frames("outreach", self.language)["email"]

    @property
    def opt_out_words(self) -> tuple[str, ...]:
        """Words that, in a reply's subject or first line, mean "stop": the language's and English."""
        english = frames("outreach", "en")["email"]["opt_out_words"]
        return tuple(dict.fromkeys([*self.words["opt_out_words"], *english]))

    def unsubscribe_token(self, recipient: str) -> str:
        return hashlib.sha256(f"{self.brand}|{recipient.lower()}".encode()).hexdigest()[:20]

    def unsubscribe_mailto(self, recipient: str) -> str:
        local, _, host = self.sender_email.partition("@")
        return f"{local}+unsubscribe-{self.unsubscribe_token(recipient)}@{host}"

    def unsubscribe_url(self, recipient: str) -> str:
        """The one-click link: the address signed with the installation's secret (the desk answers it)."""
        token = unsubscribe_token(signing_secret(), self.brand, recipient)
        return f"https://{self.domain}/unsubscribe?t={token}"


def normalize_address(address: str) -> str:
    return address.strip().lower()


def mailbox(name: str, address: str) -> Address | str:
    """A From/To value that keeps any display name intact: `formataddr` leaves `<`, `>` and quotes
    unquoted once a name also holds non-ASCII, so `Evil <b> é` would parse back as another address.
    A name the header cannot hold is dropped rather than risked; the address is kept."""
    try:
        return Address(display_name=name, addr_spec=address)
    except (ValueError, IndexError, HeaderParseError):
        return Address(addr_spec=address)


def build_email(
    identity: Identity, sequence: OutreachSequence, step: int, first_message_id: str | None, now: datetime
) -> EmailMessage:
    """The email for `step` (0 = first), with unsubscribe header, postal address and opt-out line."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = mailbox(identity.sender_name, identity.sender_email)
    message["To"] = mailbox(sequence.recipient_name, sequence.recipient)
    message["Subject"] = sequence.subject if step == 0 else f"Re: {sequence.subject}"
    message["Date"] = format_datetime(now)
    # Short enough never to be folded, so the ID reads back byte-identical from any server.
    message["Message-ID"] = f"<{uuid.uuid4().hex[:16]}.seq{sequence.id}.s{step}@{identity.domain}>"
    if first_message_id:
        message["In-Reply-To"] = first_message_id
        message["References"] = first_message_id
    mailto = identity.unsubscribe_mailto(sequence.recipient)
    message["List-Unsubscribe"] = (
        f"<mailto:{mailto}?subject=unsubscribe>, <{identity.unsubscribe_url(sequence.recipient)}>"
    )
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["X-Outreach-Campaign"] = sequence.campaign_slug
    words = identity.words
    follow_ups = words["follow_ups"]
    text = sequence.body if step == 0 else follow_ups[min(step - 1, len(follow_ups) - 1)]
    name = sequence.recipient_name.split()[0] if sequence.recipient_name.strip() else ""
    greeting = words["greeting_named"].format(name=name) if name else words["greeting"]
    opt_out = words["opt_out"].format(
        word=words["opt_out_words"][0], url=identity.unsubscribe_url(sequence.recipient)
    )
    footer = f"\n\n{identity.sender_name}\n{identity.postal_address}\n\n{opt_out}"
    message.set_content(f"{greeting}\n\n{text}{footer}")
    return message


# -- inbound: replies, bounces, unsubscribes ------------------------------------------------------
@dataclass(frozen=True)
class Inbound:
    kind: str  # reply | bounce | unsubscribe
    message_ids: tuple[str, ...]
    address: str
    source_message_id: str


_IDS = re.compile(r"<[^<>\s]+>")


def _is_bounce(message: EmailMessage) -> bool:
    sender = (message.get("From") or "").lower()
    return (
        message.get_content_type() == "multipart/report"
        or "mailer-daemon" in sender
        or "postmaster" in sender
        or bool(
            re.search(
                r"undeliver|delivery status notification|returned mail",
                message.get("Subject", ""),
                re.IGNORECASE,
            )
        )
    )


def _bounced_ids(message: EmailMessage) -> tuple[list[str], str]:
    """Message-IDs and the failed address from a DSN's attached original headers."""
    ids, failed = [], message.get("X-Failed-Recipients", "")
    for part in message.walk():
        kind = part.get_content_type()
        if kind in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            payload = part.get_payload()
            text = payload[0].as_string() if isinstance(payload, list) else str(payload)
            ids += re.findall(r"^Message-ID:\s*(<[^>]+>)", text, re.MULTILINE | re.IGNORECASE)
        if kind == "message/delivery-status":
            text = part.as_string()
            found = re.search(r"Final-Recipient:\s*rfc822;\s*(\S+)", text, re.IGNORECASE)
            failed = failed or (found.group(1) if found else "")
    return ids, failed


def classify(message: EmailMessage, identity: Identity) -> Inbound | None:
    """What an incoming message means for our sequences, or None if it is not about them."""
    refs = tuple(_IDS.findall(f"{message.get('In-Reply-To', '')} {message.get('References', '')}"))
    source = message.get("Message-ID", "")
    sender = normalize_address(getaddresses([message.get("From", "")])[0][1])
    recipients = [normalize_address(a) for _, a in getaddresses(message.get_all("To", []))]
    if _is_bounce(message):
        ids, failed = _bounced_ids(message)
        return Inbound("bounce", tuple(ids) + refs, normalize_address(failed), source)
    unsubscribe_box = any("+unsubscribe-" in r for r in recipients)
    first_line = ""
    body = message.get_body(preferencelist=("plain",))
    if body is not None:
        first_line = next((line for line in body.get_content().splitlines() if line.strip()), "")
    stop_words = "|".join(re.escape(word) for word in identity.opt_out_words)
    if unsubscribe_box or re.search(
        rf"\b(?:{stop_words})\b", f"{message.get('Subject', '')} {first_line}", re.IGNORECASE
    ):
        return Inbound("unsubscribe", refs, sender, source)
    if refs:
        return Inbound("reply", refs, sender, source)
    return None


# -- the run ----------------------------------------------------------------------------------------
@dataclass
class RunReport:
    sent: int = 0
    failed: int = 0
    capped: int = 0
    reconciled: int = 0
    unknown: int = 0
    stopped: dict[str, int] = field(default_factory=dict)
    suppressed_skips: int = 0
    expired: int = 0
    messages: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"sent_this_run": self.sent, "failed_this_run": self.failed, "capped": self.capped}


def suppress(session: Session, brand: str, address: str, reason: str, source: str | None) -> None:
    address = normalize_address(address)
    if address and address not in store.suppressed(session, brand):
        store.add(session, Suppression(brand=brand, email=address, reason=reason, source_message_id=source))


def _stop(sequence: OutreachSequence, state: str, reason: str, now: datetime, report: RunReport) -> None:
    if sequence.state == "active":
        sequence.state, sequence.stop_reason, sequence.stopped_at = state, reason, now
        report.stopped[state] = report.stopped.get(state, 0) + 1


def unsubscribe(session: Session, brand: str, address: str, now: datetime, source: str) -> int:
    """A one-click unsubscribe: the address is suppressed (once) and its active sequences stop;
    returns how many stopped. Asking again changes nothing."""
    address = normalize_address(address)
    suppress(session, brand, address, "unsubscribe", source)
    report = RunReport()
    for sequence in store.brand_sequences(session, brand):
        if normalize_address(sequence.recipient) == address:
            _stop(sequence, "unsubscribed", f"unsubscribe {source}", now, report)
    return sum(report.stopped.values())


def apply_inbound(
    session: Session, identity: Identity, messages: Iterable[EmailMessage], now: datetime, report: RunReport
) -> None:
    """Stop sequences on replies, bounces and unsubscribes; suppress bounced and opted-out addresses."""
    brand = identity.brand
    ours = store.sequence_of_message(session, brand)
    tokens = {identity.unsubscribe_token(s.recipient): s for s in store.brand_sequences(session, brand)}
    for message in messages:
        event = classify(message, identity)
        if event is None:
            continue
        ids = [ours[i] for i in event.message_ids if i in ours]
        sequences = [store.sequence_by_id(session, i) for i in dict.fromkeys(ids)]
        if event.kind == "unsubscribe":
            for recipient in getaddresses(message.get_all("To", [])):
                token = re.search(r"\+unsubscribe-([0-9a-f]+)@", recipient[1])
                if token and token.group(1) in tokens:
                    sequences.append(tokens[token.group(1)])
        if event.kind in ("bounce", "unsubscribe"):
            for address in {event.address, *(s.recipient for s in sequences if s)} - {""}:
                suppress(session, brand, address, event.kind, event.source_message_id)
        for sequence in sequences:
            if sequence is not None:
                state = {"reply": "replied", "bounce": "bounced", "unsubscribe": "unsubscribed"}[event.kind]
                _stop(sequence, state, f"{event.kind} {event.source_message_id}".strip(), now, report)


def sent_today(session: Session, brand: str, mailbox: str, now: datetime) -> int:
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return store.emails_recorded(session, brand, mailbox, start, start + timedelta(days=1))


def _aware(value: datetime | None, like: datetime) -> datetime | None:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return value.replace(tzinfo=like.tzinfo) if value is not None and value.tzinfo is None else value


def reconcile(session_factory: Callable, brand: str, sender, report: RunReport) -> None:
    """Emails recorded but not confirmed sent (a crash mid-send): ask the sender, never resend."""
    with session_factory() as session:
        for row in store.unconfirmed_emails(session, brand):
            known = sender.delivered(row.message_id)
            row.state = "sent" if known else ("unknown" if known is None else "lost")
            report.reconciled += 1
            report.unknown += known is None


def run_sequences(
    session_factory: Callable, identity: Identity, sender, now: datetime, inbound: Sequence[EmailMessage] = ()
) -> RunReport:
    """One pass: read inbound, then send every due step that the cap and suppressions allow."""
    report = RunReport()
    reconcile(session_factory, identity.brand, sender, report)
    with session_factory() as session:
        apply_inbound(session, identity, inbound, now, report)
    with session_factory() as session:
        work = store.active_sequence_ids(session, identity.brand)
    for sequence_id in work:
        if not _send_due_step(session_factory, identity, sender, sequence_id, now, report):
            break
    return report


def _send_due_step(
    session_factory, identity: Identity, sender, sequence_id: int, now: datetime, report: RunReport
) -> bool:
    """Send this sequence's next step if due; False when the mailbox's daily cap is reached."""
    with session_factory() as session:
        sequence = store.sequence_by_id(session, sequence_id)
        if normalize_address(sequence.recipient) in store.suppressed(session, identity.brand):
            _stop(sequence, "suppressed", "address on the suppression list", now, report)
            report.suppressed_skips += 1
            return True
        emails = store.sequence_emails(session, sequence_id)
        schedule = [0, *sequence.follow_up_days]
        step = len(emails)
        if step >= len(schedule):
            _stop(sequence, "completed", "all steps sent", now, report)
            return True
        if step == 0 and (send_by := _aware(sequence.send_by, now)) and now > send_by:
            _stop(sequence, "expired", "deadline passed before the first email", now, report)
            report.expired += 1
            return True
        due = _aware(sequence.started_at, now) + timedelta(days=schedule[step])
        if now < due:
            return True
        if sent_today(session, identity.brand, identity.sender_email, now) >= identity.daily_cap:
            report.capped += 1
            return False
        message = build_email(identity, sequence, step, emails[0].message_id if emails else None, now)
        row = OutreachEmail(
            brand=identity.brand,
            sequence_id=sequence_id,
            step=step,
            message_id=message["Message-ID"],
            mailbox=identity.sender_email,
            recipient=sequence.recipient,
            subject=message["Subject"],
            state="recorded",
            recorded_at=now,
        )
        store.add(session, row)
        row_id = row.id
    # committed: the Message-ID is on record before the message leaves
    try:
        provider_id, error = sender.send(message), None
    except Exception as exc:  # noqa: BLE001 - any sender failure is recorded on the row, not retried
        provider_id, error = None, f"{type(exc).__name__}: {exc}"
    with session_factory() as session:
        row = store.email_by_id(session, row_id)
        if error:
            row.state, row.error = "failed", error
            report.failed += 1
        else:
            row.state, row.sent_at, row.provider_id = "sent", now, provider_id
            report.sent += 1
            report.messages.append(message["Message-ID"])
    return True


def ensure_sequence(
    session: Session,
    identity: Identity,
    *,
    campaign_slug: str,
    kind: str,
    recipient: str,
    recipient_name: str,
    subject: str,
    body: str,
    now: datetime,
    follow_up_days: Sequence[int] = DEFAULT_FOLLOW_UPS,
    send_by: datetime | None = None,
) -> OutreachSequence:
    """Start a sequence once per (campaign, recipient); an existing one is left as it is, so a re-run
    never restarts or rewrites what was already sent. A suppressed address starts stopped."""
    recipient = normalize_address(recipient)
    existing = store.find_sequence(session, identity.brand, campaign_slug, recipient)
    if existing is not None:
        return existing
    sequence = OutreachSequence(
        brand=identity.brand,
        campaign_slug=campaign_slug,
        kind=kind,
        recipient=recipient,
        recipient_name=recipient_name,
        subject=subject,
        body=body,
        follow_up_days=list(follow_up_days),
        send_by=send_by,
        state="active",
        started_at=now,
    )
    if recipient in store.suppressed(session, identity.brand):
        sequence.state, sequence.stop_reason, sequence.stopped_at = (
            "suppressed",
            "on the suppression list",
            now,
        )
    store.add(session, sequence)
    return sequence
