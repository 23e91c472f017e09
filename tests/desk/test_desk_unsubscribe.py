"""RFC 8058 one-click unsubscribe: the POST a mail client sends suppresses the address (once, and
asking again changes nothing), no later sequence email reaches it, and a token names one address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from desk.conftest import SECRET
from marketing_engine.outreach.sequences import Identity, build_email, ensure_sequence, run_sequences
from marketing_engine.outreach.unsubscribe import BadToken, token_address, unsubscribe_token
from marketing_engine.resources.mail import OutboxSender
from marketing_engine.signing import SECRET_ENV
from marketing_engine.warehouse.models import OutreachEmail, OutreachSequence, Suppression

NOW = datetime(2027, 1, 4, 16, tzinfo=UTC)


@pytest.fixture
def identity(profile, monkeypatch) -> Identity:
    monkeypatch.setenv(SECRET_ENV, SECRET)  # the desk and the emails sign with the same secret
    return Identity(profile.slug, "Maya", "maya@shop.example", "1 Main St", profile.domain, 40)


def _link(identity: Identity, sequence: OutreachSequence) -> str:
    header = build_email(identity, sequence, 0, None, NOW)["List-Unsubscribe"]
    url = header.split("<")[2].rstrip(">")
    parts = urlsplit(url)
    assert parts.path == "/unsubscribe"
    return parse_qs(parts.query)["t"][0]


def test_one_click_post_suppresses_and_no_later_email_reaches_the_address(
    app, desk_warehouse, identity, tmp_path
) -> None:
    with desk_warehouse.session() as session:
        for address in ("bye@example.org", "stay@example.org"):
            ensure_sequence(
                session,
                identity,
                campaign_slug="c",
                kind="pitch",
                recipient=address,
                recipient_name="Sam",
                subject="Hello",
                body="A note",
                now=NOW,
            )
    sender = OutboxSender(tmp_path / "outbox")
    assert run_sequences(desk_warehouse.session, identity, sender, NOW).sent == 2
    with desk_warehouse.session() as session:
        leaving = session.scalar(
            select(OutreachSequence).where(OutreachSequence.recipient == "bye@example.org")
        )
        token = _link(identity, leaving)

    client = TestClient(app)
    confirm = client.get(f"/unsubscribe?t={token}")
    assert confirm.status_code == 200 and "bye@example.org" in confirm.text
    with desk_warehouse.session() as session:
        assert not list(session.scalars(select(Suppression)))  # a GET (a link scanner) changes nothing
    for _ in range(2):  # what a mail client sends; sent twice, it is still one suppression
        answer = client.post(f"/unsubscribe?t={token}", data={"List-Unsubscribe": "One-Click"})
        assert answer.status_code == 200 and "Unsubscribed" in answer.text
    with desk_warehouse.session() as session:
        assert [s.email for s in session.scalars(select(Suppression))] == ["bye@example.org"]
        states = dict(session.execute(select(OutreachSequence.recipient, OutreachSequence.state)).all())
    assert states == {"bye@example.org": "unsubscribed", "stay@example.org": "active"}

    for day in (3, 7):  # stay@ gets each follow-up; bye@ gets nothing more
        assert run_sequences(desk_warehouse.session, identity, sender, NOW + timedelta(days=day)).sent == 1
    with desk_warehouse.session() as session:
        to_leaver = list(
            session.scalars(select(OutreachEmail).where(OutreachEmail.recipient == "bye@example.org"))
        )
    assert len(to_leaver) == 1  # only the first email, sent before the unsubscribe


def test_a_token_names_one_address_and_a_forged_one_is_refused(app, desk_warehouse, profile) -> None:
    token = unsubscribe_token(SECRET, profile.slug, "Bye@Example.org")
    assert token_address(SECRET, token) == (profile.slug, "bye@example.org")
    with pytest.raises(BadToken):
        token_address("another secret of enough length ...........", token)
    forged = unsubscribe_token("another secret of enough length ...........", profile.slug, "x@example.org")
    tampered = token.replace(
        token.split(".")[0], unsubscribe_token(SECRET, profile.slug, "x@example.org").split(".")[0]
    )
    client = TestClient(app)
    for bad in (forged, tampered, ""):
        answer = client.post(f"/unsubscribe?t={bad}", data={"List-Unsubscribe": "One-Click"})
        assert answer.status_code == 400
    assert client.post(f"/unsubscribe?t={token}", data={}).status_code == 400  # not the one-click body
    with desk_warehouse.session() as session:
        assert not list(session.scalars(select(Suppression)))
