"""X through tweepy's v2 Client at the HTTP layer (`responses`): threads as replies, token refresh,
429 with x-rate-limit-reset, 5xx, timeouts after acceptance, duplicate refusals and read-back."""

from __future__ import annotations

import json
import time

import pytest
import requests
import responses

from marketing_engine.publishing.outgoing import AmbiguousPublish, PublishRejected, RateLimited
from marketing_engine.publishing.queue import deliver
from marketing_engine.resources.publishers.base import NotSent, TokenExpired
from marketing_engine.resources.publishers.x import XPublisher
from publishing.platform_helpers import clip, no_sleep, outgoing

TWEETS = "https://api.twitter.com/2/tweets"
POST = outgoing(
    "x",
    "Cargo e-bikes, explained 🧵",
    key="b" * 32,
    payload={
        "fields": {"text": "Cargo e-bikes, explained 🧵"},
        "parts": ["2/ Range matters.", "3/ Read more https://k.example/?utm_source=x"],
    },
)


def _created(tweet_id: str, text: str) -> dict:
    return {"data": {"id": tweet_id, "edit_history_tweet_ids": [tweet_id], "text": text}}


@responses.activate
def test_thread_is_posted_as_replies_to_the_first_post() -> None:
    for number in (1, 2, 3):
        responses.post(TWEETS, json=_created(f"10{number}", "t"), status=201)
    result = XPublisher("user-token").publish(POST)
    assert result.post_id == "101" and result.url == "https://x.com/i/web/status/101"
    bodies = [json.loads(call.request.body) for call in responses.calls]
    assert bodies[0] == {"text": "Cargo e-bikes, explained 🧵"}
    assert bodies[1] == {"text": "2/ Range matters.", "reply": {"in_reply_to_tweet_id": "101"}}
    assert bodies[2]["reply"] == {"in_reply_to_tweet_id": "102"}
    assert responses.calls[0].request.headers["Authorization"] == "Bearer user-token"


@responses.activate
def test_expired_token_is_refreshed_with_the_oauth2_flow() -> None:
    responses.post(
        TWEETS,
        status=401,
        json={"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"},
    )
    responses.post(
        "https://api.x.com/2/oauth2/token",
        json={"token_type": "bearer", "expires_in": 7200, "access_token": "fresh", "refresh_token": "r2"},
    )
    responses.post(TWEETS, json=_created("201", "t"), status=201)
    single = outgoing("x", "hello", id=2, key="c" * 32)
    publisher = XPublisher("stale", refresh_token="r1", client_id="cid")
    assert publisher.publish(single).post_id == "201"
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer fresh"
    assert "grant_type=refresh_token" in responses.calls[1].request.body and publisher.refresh_token == "r2"
    responses.post(
        TWEETS, status=401, json={"title": "Unauthorized", "status": 401, "detail": "Unauthorized"}
    )
    with pytest.raises(TokenExpired):
        XPublisher("stale").publish(single)


@responses.activate
def test_429_uses_the_reset_header() -> None:
    reset = int(time.time()) + 40
    responses.post(
        TWEETS,
        status=429,
        headers={"x-rate-limit-reset": str(reset)},
        json={"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
    )
    with pytest.raises(RateLimited) as caught:
        XPublisher("t").publish(outgoing("x", "hi", id=3, key="d" * 32))
    assert 35 <= caught.value.wait <= 41


def _timeline(text: str) -> None:
    responses.get(
        "https://api.twitter.com/2/users/me", json={"data": {"id": "42", "name": "K", "username": "k"}}
    )
    responses.get(
        "https://api.twitter.com/2/users/42/tweets",
        json={
            "data": [
                {
                    "id": "301",
                    "text": text,
                    "created_at": "2027-01-04T16:00:00.000Z",
                    "edit_history_tweet_ids": ["301"],
                }
            ],
            "meta": {"result_count": 1},
        },
    )


@responses.activate
def test_timeout_after_acceptance_is_found_by_reading_the_timeline() -> None:
    responses.post(TWEETS, body=requests.ReadTimeout("read timed out"))
    _timeline("Big news https://t.co/abc123")  # X rewrites links to t.co
    post = outgoing("x", "Big news https://k.example/?utm_source=x", id=4, key="e" * 32)
    assert deliver(XPublisher("t"), post, sleep=no_sleep).post_id == "301"
    assert sum(call.request.method == "POST" for call in responses.calls) == 1


@responses.activate
def test_5xx_duplicate_refusal_and_bad_request() -> None:
    post = outgoing("x", "Same words again", id=5, key="f" * 32)
    responses.post(TWEETS, status=503, json={"title": "Service Unavailable", "status": 503, "detail": "busy"})
    with pytest.raises(AmbiguousPublish, match="HTTP 503"):
        XPublisher("t").publish(post)
    responses.replace(
        responses.POST,
        TWEETS,
        status=403,
        json={
            "detail": "You are not allowed to create a Tweet with duplicate content.",
            "status": 403,
            "title": "Forbidden",
            "type": "about:blank",
        },
    )
    _timeline("Same words again")
    assert deliver(XPublisher("t"), post, sleep=no_sleep).post_id == "301"
    responses.replace(
        responses.POST,
        TWEETS,
        status=400,
        json={
            "errors": [{"message": "text is too long"}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
    )
    with pytest.raises(PublishRejected, match="HTTP 400"):
        XPublisher("t").publish(post)
    responses.replace(responses.POST, TWEETS, body=requests.ConnectTimeout("connect timed out"))
    with pytest.raises(NotSent):
        XPublisher("t").publish(post)


@responses.activate
def test_video_is_uploaded_in_chunks_and_attached_to_the_first_post(tmp_path) -> None:
    video = clip(tmp_path, b"v" * (4 * 1024 * 1024 + 10))  # two segments
    media = "https://api.x.com/2/media/upload"
    responses.post(
        f"{media}/initialize",
        json={"data": {"id": "188", "media_key": "13_188", "expires_after_secs": 86400}},
    )
    append = responses.post(f"{media}/188/append", status=204)
    responses.post(
        f"{media}/188/finalize",
        json={"data": {"id": "188", "processing_info": {"state": "pending", "check_after_secs": 2}}},
    )
    responses.get(
        media,
        json={"data": {"id": "188", "processing_info": {"state": "succeeded", "progress_percent": 100}}},
    )
    tweet = responses.post(TWEETS, json=_created("401", "t"), status=201)
    naps: list[float] = []
    post = outgoing("x", "Watch this", id=6, key="g" * 32, media_keys=("ab/ab.mp4",))
    result = XPublisher("t", media_path=lambda _k: video, sleep=naps.append).publish(post)
    assert result.post_id == "401" and append.call_count == 2 and naps == [2.0]
    assert json.loads(tweet.calls[0].request.body) == {"text": "Watch this", "media": {"media_ids": ["188"]}}
    status = next(c.request for c in responses.calls if c.request.method == "GET")
    assert "command=STATUS" in status.url and "media_id=188" in status.url
    with pytest.raises(PublishRejected, match="needs the media store"):
        XPublisher("t").publish(post)


@responses.activate
def test_verify_reads_the_post() -> None:
    responses.get(
        "https://api.twitter.com/2/tweets/301",
        json={"data": {"id": "301", "text": "x", "edit_history_tweet_ids": ["301"]}},
    )
    responses.get(
        "https://api.twitter.com/2/tweets/302", status=404, json={"title": "Not Found", "status": 404}
    )
    assert XPublisher("t").verify("301", None)
    assert not XPublisher("t").verify("302", None)


@responses.activate
def test_a_rate_limit_mid_thread_resumes_without_reposting_the_head() -> None:
    responses.post(TWEETS, json=_created("501", "t"), status=201)
    responses.post(
        TWEETS,
        status=429,
        headers={"x-rate-limit-reset": str(int(time.time()) + 5)},
        json={"title": "Too Many Requests", "status": 429, "detail": "Too Many Requests"},
    )
    responses.post(TWEETS, json=_created("502", "t"), status=201)
    responses.post(TWEETS, json=_created("503", "t"), status=201)
    waits: list[float] = []
    result = deliver(XPublisher("t"), POST, sleep=waits.append)
    bodies = [json.loads(call.request.body) for call in responses.calls]
    assert result.post_id == "501" and len(waits) == 1
    assert [b["text"] for b in bodies].count(POST.body) == 1  # the head went out once
    assert bodies[-1]["reply"] == {"in_reply_to_tweet_id": "502"}
