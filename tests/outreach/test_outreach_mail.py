"""Journalist digests read over real IMAP (Dovecot), outreach sequences sent over real SMTP
(aiosmtpd) and SES (moto): follow-ups, stops on reply/bounce/unsubscribe, suppression, daily cap,
no duplicates across re-runs and crashes."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from marketing_engine.outreach import digests
from marketing_engine.outreach.relevance import relevance_scores
from marketing_engine.outreach.sequences import Identity, ensure_sequence, run_sequences
from marketing_engine.resources.mail import ImapMailbox, MailError, OutboxSender, SesSender, SmtpSender
from marketing_engine.warehouse.models import OutreachEmail, OutreachSequence, Suppression
from outreach.mailservers import PASSWORD, USER, Dovecot, start_smtp

DATA = Path(__file__).parents[1] / "data" / "outreach_digests"
NOW = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
IDENTITY = Identity(
    "kestrel-cycles",
    "Maya Chen",
    "maya@kestrelcycles.example",
    "Kestrel Cycles, 1220 SE Hawthorne Blvd, Portland, OR 97214, USA",
    "kestrelcycles.example",
    40,
)


def _samples() -> list[EmailMessage]:
    return [digests.read_message(p.read_bytes()) for p in sorted(DATA.glob("*.eml"))]


@pytest.fixture
def dovecot():
    server = Dovecot(Path(tempfile.mkdtemp(prefix="dovecot-"))).start()
    yield server
    server.stop()


@pytest.fixture
def smtp():
    controller, recorder = start_smtp()
    yield controller, recorder
    controller.stop()


def test_three_digest_formats_parse_dedupe_and_drop_expired() -> None:
    queries, skipped = digests.queries_from_messages(_samples())
    assert skipped == [] and len(queries) == 8
    assert {q.source for q in queries} == {"haro", "qwoted", "sourcebottle"}
    winter = next(q for q in queries if q.topic == "E-bike commuting tips for winter")
    assert (winter.outlet, winter.journalist, winter.reply_to, winter.word_limit) == (
        "Bicycle Times",
        "Jordan Lee",
        "query-7f3a1@helpareporter.example",
        150,
    )
    assert winter.deadline == datetime(2026, 11, 28, 22, 0, tzinfo=UTC)  # 5 PM EST
    assert "Must work at a bike shop" in winter.requirements
    cargo = next(q for q in queries if q.source == "qwoted")
    assert cargo.word_limit == 200 and cargo.outlet == "The Family Finance Weekly"
    assert cargo.deadline == datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # 5 PM PST
    tax = next(q for q in queries if q.source == "sourcebottle")
    assert tax.word_limit == 120 and tax.reply_to == "callout-4431@sourcebottle.example"
    fresh = digests.fresh_queries(queries, NOW)
    assert len(fresh) == 6  # one duplicate card, one deadline already passed
    assert "Bike shop owners: e-bike battery care myths" not in {q.topic for q in fresh}
    assert next(q for q in fresh if q.source == "qwoted" and "Cargo" in q.topic).word_limit == 200


def test_unknown_mail_is_not_a_digest() -> None:
    message = EmailMessage()
    message["From"], message["Subject"] = "friend@example.com", "lunch?"
    message.set_content("see you at noon")
    with pytest.raises(digests.DigestError, match="friend@example.com"):
        digests.parse_digest(message)


def test_relevance_ranks_brand_topics_first() -> None:
    queries = digests.fresh_queries(digests.queries_from_messages(_samples())[0], NOW)
    topics = ["electric bike commuting", "cargo e-bike", "e-bike battery care", "e-bike tax credit"]
    scores = dict(
        zip(
            (q.topic for q in queries),
            relevance_scores([f"{q.topic}. {q.details}" for q in queries], topics, "tfidf"),
            strict=True,
        )
    )
    on_topic = [s for t, s in scores.items() if "bike" in t.lower()]
    off_topic = [s for t, s in scores.items() if "bike" not in t.lower()]
    assert min(on_topic) > 0.25 > max(off_topic)
    with pytest.raises(ValueError, match="seed_topics"):
        relevance_scores(["x"], [], "tfidf")


def test_digests_read_over_imap_from_dovecot(dovecot) -> None:
    for message in _samples():
        dovecot.deliver(bytes(message))
    dovecot.deliver(b"From: friend@example.com\r\nSubject: lunch\r\nMessage-ID: <l@x>\r\n\r\nnoon?\r\n")
    box = ImapMailbox("127.0.0.1", dovecot.port, USER, PASSWORD, use_ssl=False)
    queries, skipped = digests.queries_from_messages(box.messages())
    assert len(queries) == 8 and len(skipped) == 1
    assert len(list(box.messages(since=datetime.now(UTC) - timedelta(days=30)))) == 4  # SEARCH SINCE
    with pytest.raises(MailError, match="login refused"):
        list(ImapMailbox("127.0.0.1", dovecot.port, USER, "wrong", use_ssl=False).messages())


def _start(warehouse, recipients, campaign="broken-links", follow_ups=(3, 7), send_by=None, now=NOW):
    with warehouse.session() as session:
        for address in recipients:
            ensure_sequence(
                session,
                IDENTITY,
                campaign_slug=campaign,
                kind="broken_link",
                recipient=address,
                recipient_name="Alex Editor",
                subject="A replacement for a dead link",
                body="Your resources page links to a guide that is gone; ours covers it.",
                now=now,
                follow_up_days=follow_ups,
                send_by=send_by,
            )


def _reply_to(message_id: str, sender: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: maya@kestrelcycles.example\r\nSubject: Re: link\r\n"
        f"Message-ID: <reply-{abs(hash(message_id))}@example.org>\r\nIn-Reply-To: {message_id}\r\n"
        f"References: {message_id}\r\n\r\nThanks, we will add it!\r\n"
    ).encode()


def test_sequence_over_smtp_with_follow_ups_and_reply_stop_over_imap(warehouse, smtp, dovecot) -> None:
    controller, recorder = smtp
    sender = SmtpSender("127.0.0.1", controller.port, None, None, starttls=False)
    _start(warehouse, ["alex@citycyclingguide.example", "sam@familyrides.example"])
    first = run_sequences(warehouse.session, IDENTITY, sender, NOW)
    assert first.sent == 2 and len(recorder.messages) == 2
    message = recorder.messages[0]
    assert message["List-Unsubscribe"].startswith("<mailto:maya+unsubscribe-")
    assert "https://kestrelcycles.example/unsubscribe?t=" in message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert b"\r\nList-Unsubscribe: <mailto:maya+unsubscribe-" in recorder.envelopes[0].original_content
    body = message.get_body(("plain",)).get_content()
    assert IDENTITY.postal_address in body and "Not interested?" in body
    with warehouse.session() as session:
        recorded = {row.message_id for row in session.scalars(select(OutreachEmail))}
    assert {m["Message-ID"] for m in recorder.messages} == recorded
    # Same day again: nothing is due, nothing is sent twice.
    assert run_sequences(warehouse.session, IDENTITY, sender, NOW + timedelta(hours=2)).sent == 0
    third_day = run_sequences(warehouse.session, IDENTITY, sender, NOW + timedelta(days=3))
    assert third_day.sent == 2 and len(recorder.messages) == 4
    follow_up = recorder.messages[2]
    first_alex = next(m for m in recorder.messages[:2] if "alex" in m["To"])
    assert follow_up["Subject"].startswith("Re: ") and follow_up["In-Reply-To"] == first_alex["Message-ID"]
    # Alex replies to the follow-up; it reaches us over IMAP and stops Alex's sequence.
    dovecot.deliver(
        _reply_to(
            next(m for m in recorder.messages[2:] if "alex" in m["To"])["Message-ID"],
            "alex@citycyclingguide.example",
        )
    )
    inbound = list(ImapMailbox("127.0.0.1", dovecot.port, USER, PASSWORD, use_ssl=False).messages())
    week = run_sequences(warehouse.session, IDENTITY, sender, NOW + timedelta(days=7), inbound)
    assert week.stopped == {"replied": 1} and week.sent == 1
    assert [m["To"] for m in recorder.messages[4:]] == ["Alex Editor <sam@familyrides.example>"]
    done = run_sequences(warehouse.session, IDENTITY, sender, NOW + timedelta(days=8), inbound)
    assert done.sent == 0 and done.stopped == {"completed": 1}
    with warehouse.session() as session:
        states = {s.recipient: s.state for s in session.scalars(select(OutreachSequence))}
    assert states == {"alex@citycyclingguide.example": "replied", "sam@familyrides.example": "completed"}


class _CrashAfterSend:
    """Delivers, then dies before the run can mark the email sent (a killed process)."""

    name = "smtp"

    def __init__(self, inner, before: bool = False):
        self.inner, self.before = inner, before

    def send(self, message):
        if not self.before:
            self.inner.send(message)
        raise KeyboardInterrupt("killed mid-send")

    def delivered(self, message_id):
        return self.inner.delivered(message_id)


@pytest.mark.parametrize("before", [False, True])
def test_a_crash_mid_send_never_duplicates(warehouse, smtp, before: bool) -> None:
    controller, recorder = smtp
    sender = SmtpSender("127.0.0.1", controller.port, None, None, starttls=False)
    _start(warehouse, ["alex@citycyclingguide.example"])
    with pytest.raises(KeyboardInterrupt):
        run_sequences(warehouse.session, IDENTITY, _CrashAfterSend(sender, before), NOW)
    again = run_sequences(warehouse.session, IDENTITY, sender, NOW + timedelta(minutes=5))
    assert again.sent == 0 and again.unknown == 1
    assert len(recorder.messages) == (0 if before else 1)
    with warehouse.session() as session:
        assert [row.state for row in session.scalars(select(OutreachEmail))] == ["unknown"]


def test_outbox_reconciles_an_interrupted_send(warehouse, tmp_path) -> None:
    outbox = OutboxSender(tmp_path / "outbox")
    _start(warehouse, ["alex@citycyclingguide.example"])
    with pytest.raises(KeyboardInterrupt):
        run_sequences(warehouse.session, IDENTITY, _CrashAfterSend(outbox), NOW)
    again = run_sequences(warehouse.session, IDENTITY, outbox, NOW)
    assert again.reconciled == 1 and again.unknown == 0 and again.sent == 0
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def _bounce_for(message_id: str, address: str) -> EmailMessage:
    bounce = EmailMessage()
    bounce["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example.org>"
    bounce["To"] = IDENTITY.sender_email
    bounce["Subject"] = "Undelivered Mail Returned to Sender"
    bounce["Message-ID"] = "<bounce-1@mx.example.org>"
    bounce["X-Failed-Recipients"] = address
    bounce.set_content("This is the mail system. Your message could not be delivered.")
    original = EmailMessage()
    original["Message-ID"] = message_id
    original["To"] = address
    original.set_content("original")
    bounce.add_attachment(original)
    return bounce


def test_bounce_and_unsubscribe_stop_and_suppress_across_campaigns(warehouse, tmp_path) -> None:
    outbox = OutboxSender(tmp_path / "outbox")
    _start(warehouse, ["gone@citycyclingguide.example", "bye@familyrides.example", "ok@pedalpower.example"])
    run_sequences(warehouse.session, IDENTITY, outbox, NOW)
    with warehouse.session() as session:
        ids = {row.recipient: row.message_id for row in session.scalars(select(OutreachEmail))}
    unsubscribe = EmailMessage()
    unsubscribe["From"] = "bye@familyrides.example"
    unsubscribe["To"] = IDENTITY.unsubscribe_mailto("bye@familyrides.example")
    unsubscribe["Subject"] = "unsubscribe"
    unsubscribe["Message-ID"] = "<u1@familyrides.example>"
    unsubscribe.set_content("")
    inbound = [
        _bounce_for(ids["gone@citycyclingguide.example"], "gone@citycyclingguide.example"),
        unsubscribe,
    ]
    report = run_sequences(warehouse.session, IDENTITY, outbox, NOW + timedelta(days=3), inbound)
    assert report.stopped == {"bounced": 1, "unsubscribed": 1} and report.sent == 1
    with warehouse.session() as session:
        assert {(s.email, s.reason) for s in session.scalars(select(Suppression))} == {
            ("gone@citycyclingguide.example", "bounce"),
            ("bye@familyrides.example", "unsubscribe"),
        }
    # A new campaign to the same people: the suppressed ones never get mail.
    _start(
        warehouse,
        ["gone@citycyclingguide.example", "bye@familyrides.example", "new@x.example"],
        campaign="partnerships",
        now=NOW + timedelta(days=4),
    )
    later = run_sequences(warehouse.session, IDENTITY, outbox, NOW + timedelta(days=4), inbound)
    assert later.sent == 1
    sent_to = [f.read_text() for f in (tmp_path / "outbox").glob("*.eml")]
    assert sum("gone@citycyclingguide.example" in text for text in sent_to) == 1  # only the first email


def test_daily_cap_per_mailbox_and_deadline(warehouse, tmp_path) -> None:
    outbox = OutboxSender(tmp_path / "outbox")
    capped = Identity(**{**IDENTITY.__dict__, "daily_cap": 2})
    _start(warehouse, [f"r{n}@example.org" for n in range(5)])
    first = run_sequences(warehouse.session, capped, outbox, NOW)
    assert first.sent == 2 and first.capped == 1
    assert run_sequences(warehouse.session, capped, outbox, NOW + timedelta(hours=1)).sent == 0
    assert run_sequences(warehouse.session, capped, outbox, NOW + timedelta(days=1)).sent == 2
    _start(
        warehouse,
        ["journalist@news.example"],
        campaign="pitch-x",
        follow_ups=(),
        send_by=NOW - timedelta(hours=1),
    )
    late = run_sequences(warehouse.session, IDENTITY, outbox, NOW + timedelta(days=1, hours=1))
    assert late.expired == 1


def test_ses_sender_through_moto() -> None:
    import boto3
    from moto import mock_aws
    from moto.ses import ses_backends

    with mock_aws():
        client = boto3.client(
            "ses", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
        )
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = IDENTITY.sender_email, "a@b.example", "hi"
        message["Message-ID"] = "<ses-1@kestrelcycles.example>"
        message.set_content("hello")
        with pytest.raises(MailError, match="SES"):
            SesSender(client).send(message)  # sender identity not verified yet
        client.verify_email_identity(EmailAddress=IDENTITY.sender_email)
        provider_id = SesSender(client).send(message)
        sent = ses_backends["123456789012"]["us-east-1"].sent_messages
        assert provider_id and len(sent) == 1 and "a@b.example" in sent[0].destinations


def test_smtp_errors_are_mail_errors() -> None:
    from outreach.mailservers import free_port

    message = EmailMessage()
    message["From"], message["To"], message["Message-ID"] = "a@b.example", "c@d.example", "<x@y>"
    with pytest.raises(MailError, match="SMTP 127.0.0.1"):
        SmtpSender("127.0.0.1", free_port(), None, None, starttls=False, timeout=2).send(message)


def test_smtp_starttls_against_a_server_that_requires_it(tmp_path: Path) -> None:
    import ssl

    from outreach.mailservers import self_signed_tls

    server_context, cert = self_signed_tls(tmp_path)
    controller, recorder = start_smtp(server_context)
    try:
        message = EmailMessage()
        message["From"], message["To"] = IDENTITY.sender_email, "editor@citycyclingguide.example"
        message["Subject"], message["Message-ID"] = "tls", "<tls-1@kestrelcycles.example>"
        message.set_content("over TLS")
        trusted = ssl.create_default_context(cafile=str(cert))
        SmtpSender("127.0.0.1", controller.port, None, None, starttls=True, ssl_context=trusted).send(message)
        assert [m["Message-ID"] for m in recorder.messages] == ["<tls-1@kestrelcycles.example>"]
        with pytest.raises(MailError, match="SMTP 127.0.0.1"):  # plain text is refused by this server
            SmtpSender("127.0.0.1", controller.port, None, None, starttls=False).send(message)
        with pytest.raises(MailError, match="SSL|certificate"):  # an untrusted certificate is refused by us
            SmtpSender("127.0.0.1", controller.port, None, None, starttls=True).send(message)
        assert len(recorder.messages) == 1
    finally:
        controller.stop()
