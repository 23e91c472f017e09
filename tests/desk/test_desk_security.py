"""The desk's locks: sign-in required, CSRF on every form, roles, the login rate limit, argon2
hashes, the session secret kept 0600, and hostile text rendered as text on every view."""

from __future__ import annotations

import stat

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from desk.conftest import PASSWORD, csrf_of
from marketing_engine.desk.auth import UserError, add_user, authenticate
from marketing_engine.desk.cli import register_user  # noqa: F401 - the CLI module imports cleanly
from marketing_engine.signing import SECRET_ENV, signing_secret
from marketing_engine.warehouse.models import DeskUser, SocialPost


@pytest.mark.parametrize("path", ["/", "/review", "/calendar"])
def test_an_unauthenticated_request_lands_on_the_login_page(app, path) -> None:
    client = TestClient(app)
    answer = client.get(path)
    assert answer.url.path == "/login" and "Sign in" in answer.text
    assert (
        client.post("/review/1/approve", data={"csrf": "x"}, follow_redirects=False).headers["location"]
        == "/login"
    )


def test_a_form_without_its_csrf_token_is_forbidden(app, login, seed) -> None:
    post_id = seed(["first post"])[0]
    client = login("approver")
    assert client.post(f"/review/{post_id}/approve").status_code == 403
    assert client.post(f"/review/{post_id}/approve", data={"csrf": "forged"}).status_code == 403
    assert TestClient(app).post("/login", data={"name": "approver", "password": PASSWORD}).status_code == 403
    answer = client.post(f"/review/{post_id}/approve", data={"csrf": csrf_of(client, "/review")})
    assert answer.status_code == 200 and f"Post {post_id} approved" in answer.text


def test_a_viewer_cannot_approve_and_an_editor_cannot_either(login, seed, desk_warehouse) -> None:
    post_id = seed(["first post"])[0]
    for role in ("viewer", "editor"):
        client = login(role)
        answer = client.post(f"/review/{post_id}/approve", data={"csrf": csrf_of(client, "/review")})
        assert answer.status_code == 403
        assert "Approve</button>" not in client.get("/review").text
    viewer = login("viewer")
    token = csrf_of(viewer, "/review")
    assert viewer.post(f"/review/{post_id}/edit", data={"csrf": token, "text": "x"}).status_code == 403
    with desk_warehouse.session() as session:
        assert session.get(SocialPost, post_id).state == "pending_review"


def test_login_attempts_are_rate_limited_per_user_and_address(app) -> None:
    client = TestClient(app)
    token = csrf_of(client)
    codes = [
        client.post(
            "/login", data={"name": "editor", "password": "wrong password", "csrf": token}
        ).status_code
        for _ in range(6)
    ]
    assert codes == [401] * 5 + [429]
    right = client.post("/login", data={"name": "editor", "password": PASSWORD, "csrf": token})
    assert right.status_code == 429  # even the right password waits out the minute
    other = client.post("/login", data={"name": "viewer", "password": PASSWORD, "csrf": token})
    assert other.url.path == "/review"


def test_passwords_are_argon2_hashes_and_bad_users_are_refused(desk_warehouse) -> None:
    with desk_warehouse.session() as session:
        stored = session.scalar(select(DeskUser).where(DeskUser.name == "editor"))
        assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
        assert authenticate(session, "editor", PASSWORD) is not None
        assert (
            authenticate(session, "editor", "wrong") is None
            and authenticate(session, "nobody", PASSWORD) is None
        )
        with pytest.raises(UserError, match="role 'admin'"):
            add_user(session, "x", "admin", PASSWORD)
        with pytest.raises(UserError, match="at least 10"):
            add_user(session, "x", "viewer", "short")


def test_the_secret_is_kept_0600_and_a_short_env_secret_is_refused(engine_home, monkeypatch) -> None:
    first = signing_secret()
    assert signing_secret() == first and len(first) >= 32
    assert stat.S_IMODE((engine_home / "desk_secret").stat().st_mode) == 0o600
    monkeypatch.setenv(SECRET_ENV, "short")
    with pytest.raises(ValueError, match=SECRET_ENV):
        signing_secret()


def test_prod_needs_the_secret_from_the_environment(engine_home, monkeypatch) -> None:
    """Workers sign unsubscribe links on one machine, the desk checks them on another: in prod a
    secret kept in one engine home would differ per machine."""
    monkeypatch.setenv("MARKETING_ENGINE_ENV", "prod")
    monkeypatch.delenv(SECRET_ENV, raising=False)
    with pytest.raises(ValueError, match=f"{SECRET_ENV} is not set"):
        signing_secret()
    assert not (engine_home / "desk_secret").exists()
    monkeypatch.setenv(SECRET_ENV, "s" * 40)
    assert signing_secret() == "s" * 40


def test_the_cli_adds_a_user_with_the_password_from_stdin(engine_home, monkeypatch, capsys) -> None:
    import io

    from marketing_engine.cli import main
    from marketing_engine.settings import warehouse_url
    from marketing_engine.warehouse import Warehouse

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["user", "add", "maya", "--role", "approver"]) == 0
    assert "user maya: approver" in capsys.readouterr().out
    with Warehouse(warehouse_url()).session() as session:
        assert authenticate(session, "maya", PASSWORD).role == "approver"


def test_the_rate_limit_window_slides_and_quiet_keys_are_forgotten(monkeypatch) -> None:
    from marketing_engine.desk import auth

    now = [0.0]
    limit = auth.RateLimit(limit=2, window=60, clock=lambda: now[0])
    assert [limit.allow("a|ip") for _ in range(3)] == [True, True, False]
    now[0] = 61.0
    assert limit.allow("a|ip")  # a minute later the key may try again
    monkeypatch.setattr(auth, "MAX_KEYS", 5)
    for i in range(10):
        limit.allow(f"sprayed-{i}|ip")
    now[0] = 200.0
    limit.allow("late|ip")
    assert len(limit._seen) <= 2
