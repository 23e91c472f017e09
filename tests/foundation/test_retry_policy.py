"""The shared retry policy (tenacity) and the platform clients that carry it: 429 with Retry-After
or a reset header, 5xx with exponential backoff and jitter, waits longer than the policy allows,
the total time bound per provider, and each platform's own rate-limit wait."""

from __future__ import annotations

import importlib
import json
import time

import httpx
import pytest
import respx

from marketing_engine.resources.platforms.meta import GraphClient
from marketing_engine.resources.retry import ProviderError, RetryPolicy, Transient, reset_provider_bounds

PLATFORMS = ("x", "google", "meta", "reddit", "linkedin", "tiktok", "pinterest", "bluesky")


@pytest.fixture(autouse=True)
def _fresh_bounds():
    reset_provider_bounds()
    yield
    reset_provider_bounds()


def _script(*outcomes):
    """An attempt function that raises or returns the outcomes in order, counting its calls."""
    calls = []

    def attempt():
        outcome = outcomes[len(calls)]
        calls.append(outcome)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return attempt, calls


def _busy(status: int = 503, asked: float | None = None, rate_limited: bool = False) -> Transient:
    return Transient(ProviderError("probe", "busy", status, True), asked, rate_limited)


def test_a_429_waits_as_asked_then_succeeds():
    attempt, calls = _script(_busy(429, asked=7.0, rate_limited=True), "ok")
    waits: list[float] = []
    assert RetryPolicy(jitter=0.1).run("probe", attempt, sleep=waits.append) == "ok"
    assert len(calls) == 2 and len(waits) == 1
    assert 7.0 <= waits[0] <= 7.7  # as asked, plus at most 10% jitter


def test_5xx_backs_off_exponentially_with_jitter_until_the_tries_run_out():
    attempt, calls = _script(*[_busy(503)] * 4)
    waits: list[float] = []
    with pytest.raises(ProviderError, match="probe: HTTP 503: busy") as raised:
        RetryPolicy(max_retries=3, base_delay=1.0, jitter=0.25).run("probe", attempt, sleep=waits.append)
    assert len(calls) == 4 and raised.value.retryable
    for wait, base in zip(waits, (1.0, 2.0, 4.0), strict=True):
        assert base <= wait <= base * 1.25


def test_a_wait_longer_than_the_policy_allows_is_not_slept():
    attempt, calls = _script(_busy(429, asked=3600.0, rate_limited=True))
    waits: list[float] = []
    with pytest.raises(ProviderError, match=r"asks to wait 3600 s \(over 60 s\)") as raised:
        RetryPolicy(max_wait=60).run("probe", attempt, sleep=waits.append)
    assert waits == [] and len(calls) == 1 and raised.value.status == 429


def test_the_platforms_rate_limit_wait_stands_in_for_a_wait_not_named():
    attempt, _ = _script(_busy(429, rate_limited=True), "ok")
    waits: list[float] = []
    assert RetryPolicy(rate_limit_wait=2.0, jitter=0).run("probe", attempt, sleep=waits.append) == "ok"
    assert waits == [2.0]
    attempt, calls = _script(_busy(429, rate_limited=True))
    with pytest.raises(ProviderError, match="asks to wait 900 s"):  # X's 15-minute window
        RetryPolicy(rate_limit_wait=900.0).run("probe", attempt, sleep=waits.append)
    assert len(calls) == 1


def test_the_total_bound_gives_up_then_refuses_without_calling():
    now = [0.0]

    def failing():
        now[0] += 3.0  # each attempt takes three seconds to fail
        raise _busy(503)

    policy = RetryPolicy(max_retries=20, base_delay=1.0, jitter=0, budget=15.0)
    with pytest.raises(ProviderError, match=r"gave up after \d+ attempts: failing for \d+ s"):
        policy.run("probe", failing, sleep=lambda s: now.__setitem__(0, now[0] + s), clock=lambda: now[0])
    # the bound runs from the first failure (t = 3 s); past it, only the attempt under way finishes
    assert now[0] <= 3.0 + 15.0 + 3.0
    attempt, calls = _script("never")
    with pytest.raises(ProviderError, match=r"not called: failing for 16 s, over its 15 s bound"):
        policy.run("probe", attempt, clock=lambda: now[0])
    assert calls == []
    now[0] = 40.0  # quiet for twice the bound: a fresh chance
    assert policy.run("probe", attempt, clock=lambda: now[0]) == "never"


def test_other_errors_are_not_retried():
    attempt, calls = _script(ProviderError("probe", "bad request", 400), "ok")
    with pytest.raises(ProviderError, match="HTTP 400: bad request"):
        RetryPolicy().run("probe", attempt, sleep=lambda s: None)
    assert len(calls) == 1


@respx.mock
def test_a_platform_client_retries_with_its_policy_and_reads_its_error_shape():
    route = respx.get("https://graph.facebook.com/v21.0/42/insights").mock(
        side_effect=[
            httpx.Response(503, json={"error": {"message": "down", "code": 2}}),
            httpx.Response(429, headers={"Retry-After": "1"}, json={"error": {"message": "slow"}}),
            httpx.Response(200, json={"data": []}),
        ]
    )
    waits: list[float] = []
    graph = GraphClient("t", sleep=waits.append)
    assert graph.get_json(graph.url("42/insights"), params=graph.params()) == {"data": []}
    assert route.call_count == 3 and 0.5 <= waits[0] <= 0.55 and 1.0 <= waits[1] <= 1.1
    # Graph's rate limit comes as code 4 with HTTP 400 and no header: Meta's wait is five minutes
    respx.get("https://graph.facebook.com/v21.0/43").mock(
        return_value=httpx.Response(400, json={"error": {"message": "Application request limit", "code": 4}})
    )
    with pytest.raises(ProviderError, match="asks to wait 300 s"):
        graph.get_json(graph.url("43"))


def test_x_reads_wait_for_the_reset_header():
    import responses

    from marketing_engine.resources.platforms.x import XApi

    url = "https://api.twitter.com/2/tweets"
    waits: list[float] = []
    with responses.RequestsMock() as mock:
        mock.get(url, status=429, headers={"x-rate-limit-reset": str(int(time.time()) + 5)}, json={})
        mock.get(url, json={"data": [{"id": "1", "text": "t"}]})
        api = XApi("bearer", sleep=waits.append)
        answer = api.read(lambda: api.tweepy.get_tweets(["1"]))
    assert answer.data[0].id == 1 and len(waits) == 1 and 3.0 <= waits[0] <= 6.0


def test_google_quota_errors_keep_their_reason_and_are_not_waited_for():
    from googleapiclient.http import HttpMockSequence

    from marketing_engine.resources.platforms.google import build_service, execute, settings

    body = {"error": {"code": 403, "message": "quota", "errors": [{"reason": "quotaExceeded"}]}}
    http = HttpMockSequence([({"status": "403"}, json.dumps(body))])
    service = build_service(settings.YOUTUBE_DATA, http=http, developer_key="k")
    waits: list[float] = []
    with pytest.raises(ProviderError, match="asks to wait 3600 s") as raised:
        execute("youtube", service.videos().list(part="id", id="x").execute, sleep=waits.append)
    assert raised.value.code == "quotaExceeded" and raised.value.status == 403 and waits == []


def test_reddit_reads_retry_once_under_the_policy_not_again_in_prawcore():
    import responses

    from marketing_engine.resources.platforms.reddit import RedditApi

    token = "https://www.reddit.com/api/v1/access_token"
    about = "https://oauth.reddit.com/r/ebikes/about/"
    waits: list[float] = []
    with responses.RequestsMock() as mock:
        mock.post(token, json={"access_token": "a", "token_type": "bearer", "expires_in": 3600, "scope": "*"})
        mock.get(about, status=503, json={})
        mock.get(about, json={"kind": "t5", "data": {"display_name": "ebikes", "subscribers": 7}})
        api = RedditApi("id", "secret", user_agent="test", sleep=waits.append)
        subscribers = api.read(lambda: api.reddit.subreddit("ebikes").subscribers)
        calls = [c.request.url for c in mock.calls if "about" in c.request.url]
    assert subscribers == 7 and len(calls) == 2 and len(waits) == 1


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_platform_package_holds_its_settings_and_retry_policy(platform):
    settings = importlib.import_module(f"marketing_engine.resources.platforms.{platform}.settings")
    importlib.import_module(f"marketing_engine.resources.platforms.{platform}.client")
    assert isinstance(settings.RETRY, RetryPolicy)
    assert any(
        name.endswith("_URL") and value.startswith("https://") for name, value in vars(settings).items()
    )
