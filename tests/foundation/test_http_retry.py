from __future__ import annotations

import email.utils

import httpx
import pytest
import respx

from marketing_engine.resources.http import ProviderError, error_message, retry_after_seconds, send_with_retry

URL = "https://api.example.test/v1/things"


def _client() -> httpx.Client:
    return httpx.Client()


@respx.mock
def test_429_with_retry_after_is_waited_then_succeeds():
    route = respx.get(URL).mock(
        side_effect=[
            httpx.Response(429, headers={"retry-after": "2"}),
            httpx.Response(200, json={"ok": True}),
        ]
    )
    waits: list[float] = []
    response = send_with_retry(_client(), "GET", URL, provider="demo", sleep=waits.append)
    assert response.json() == {"ok": True}
    assert route.call_count == 2
    assert 2.0 <= waits[0] <= 2.2


@respx.mock
def test_5xx_backs_off_exponentially_until_exhausted():
    respx.get(URL).mock(return_value=httpx.Response(503, json={"error": {"message": "overloaded"}}))
    waits: list[float] = []
    with pytest.raises(ProviderError) as raised:
        send_with_retry(
            _client(), "GET", URL, provider="demo", max_retries=3, base_delay=1, sleep=waits.append
        )
    assert raised.value.status == 503 and raised.value.retryable
    assert "demo: HTTP 503: overloaded" in str(raised.value)
    assert [round(w) for w in waits] == [1, 2, 4]


@respx.mock
def test_other_4xx_fail_at_once_with_the_providers_message():
    route = respx.post(URL).mock(return_value=httpx.Response(401, json={"message": "token expired"}))
    with pytest.raises(ProviderError, match="HTTP 401: token expired"):
        send_with_retry(_client(), "POST", URL, provider="demo", sleep=lambda _: None)
    assert route.call_count == 1


@respx.mock
def test_transport_errors_are_retried_then_reported():
    respx.get(URL).mock(side_effect=httpx.ConnectTimeout("slow"))
    with pytest.raises(ProviderError, match="ConnectTimeout after 3 attempts"):
        send_with_retry(_client(), "GET", URL, provider="demo", max_retries=2, sleep=lambda _: None)


@respx.mock
def test_a_wait_longer_than_allowed_is_not_slept():
    respx.get(URL).mock(return_value=httpx.Response(429, headers={"retry-after": "3600"}))
    with pytest.raises(ProviderError, match="wait 3600 s"):
        send_with_retry(_client(), "GET", URL, provider="demo", max_wait=60, sleep=lambda _: None)


def test_retry_after_forms():
    now = 1_800_000_000.0
    assert retry_after_seconds(httpx.Response(429, headers={"retry-after": "7"}), now) == 7
    http_date = email.utils.formatdate(now + 30, usegmt=True)
    assert retry_after_seconds(httpx.Response(429, headers={"retry-after": http_date}), now) == pytest.approx(
        30, abs=1
    )
    assert (
        retry_after_seconds(httpx.Response(429, headers={"x-rate-limit-reset": str(int(now) + 90)}), now)
        == 90
    )
    assert retry_after_seconds(httpx.Response(429, headers={"ratelimit-reset": "12"}), now) == 12
    assert retry_after_seconds(httpx.Response(429, headers={"x-ratelimit-reset": "soon"}), now) is None
    assert retry_after_seconds(httpx.Response(429), now) is None


def test_error_message_shapes():
    assert error_message(httpx.Response(400, json={"error": {"message": "bad"}})) == "bad"
    assert error_message(httpx.Response(400, json={"error_description": "nope"})) == "nope"
    assert error_message(httpx.Response(400, json=["x"])) == "['x']"
    assert error_message(httpx.Response(502, text="<html>gateway</html>")) == "<html>gateway</html>"
