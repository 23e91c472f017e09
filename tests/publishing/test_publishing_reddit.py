"""Reddit through praw at the HTTP layer (`responses`): submit, Reddit's RATELIMIT answer, no silent
retry of a submit after a 5xx, and read-back from the account's submissions."""

from __future__ import annotations

import pytest
import responses

from marketing_engine.publishing.outgoing import AmbiguousPublish, PublishRejected, RateLimited
from marketing_engine.publishing.queue import deliver
from marketing_engine.resources.publishers.reddit import RedditPublisher
from publishing.platform_helpers import no_sleep, outgoing

SUBMIT = "https://oauth.reddit.com/api/submit/"
POST = outgoing(
    "reddit",
    "Best cargo e-bike in Portland",
    payload={
        "fields": {
            "title": "Best cargo e-bike in Portland",
            "text": "Range and brakes.",
            "community": "Portland",
        }
    },
)


def _token() -> None:
    responses.post(
        "https://www.reddit.com/api/v1/access_token",
        json={
            "access_token": "tok",
            "token_type": "bearer",
            "expires_in": 86400,
            "scope": "submit identity read",
        },
    )


def _publisher() -> RedditPublisher:
    return RedditPublisher("cid", "secret", "refresh")


@responses.activate
def test_submit_sends_a_self_post_to_the_community() -> None:
    _token()
    submit = responses.post(
        SUBMIT,
        json={
            "json": {
                "errors": [],
                "data": {
                    "url": "https://www.reddit.com/r/Portland/comments/1abcde/best_cargo/",
                    "drafts_count": 0,
                    "id": "1abcde",
                    "name": "t3_1abcde",
                },
            }
        },
    )
    result = _publisher().publish(POST)
    assert result.post_id == "1abcde" and result.url == "https://www.reddit.com/comments/1abcde/"
    body = submit.calls[0].request.body
    assert "sr=Portland" in body and "kind=self" in body and "title=Best+cargo" in body
    assert submit.calls[0].request.headers["Authorization"] == "bearer tok"


@responses.activate
def test_reddit_ratelimit_and_rule_errors() -> None:
    _token()
    responses.post(
        SUBMIT,
        json={
            "json": {
                "errors": [
                    [
                        "RATELIMIT",
                        "Looks like you've been doing that a lot. Take a break for 9 minutes before trying again.",
                        "ratelimit",
                    ]
                ]
            }
        },
    )
    with pytest.raises(RateLimited) as caught:
        _publisher().publish(POST)
    assert caught.value.wait == 540
    responses.replace(
        responses.POST,
        SUBMIT,
        json={"json": {"errors": [["SUBREDIT_NOEXIST", "that community doesn't exist", "sr"]]}},
    )
    with pytest.raises(PublishRejected, match="SUBREDIT_NOEXIST"):
        _publisher().publish(POST)
    with pytest.raises(PublishRejected, match="names no community"):
        _publisher().publish(outgoing("reddit", "x", id=2, key="b" * 32, payload={"fields": {"title": "x"}}))


@responses.activate
def test_5xx_is_not_retried_blindly_and_the_post_is_found() -> None:
    _token()
    submit = responses.post(SUBMIT, status=503, body="upstream")
    responses.get("https://oauth.reddit.com/api/v1/me", json={"name": "kestrelcycles", "id": "u1"})
    responses.get(
        "https://oauth.reddit.com/user/kestrelcycles/submitted",
        json={
            "kind": "Listing",
            "data": {
                "after": None,
                "children": [
                    {
                        "kind": "t3",
                        "data": {
                            "id": "1zzz",
                            "name": "t3_1zzz",
                            "title": POST.fields["title"],
                            "created_utc": 1799000000.0,
                            "permalink": "/r/Portland/comments/1zzz/best_cargo/",
                            "subreddit": "Portland",
                        },
                    }
                ],
            },
        },
    )
    with pytest.raises(AmbiguousPublish, match="HTTP 503"):
        _publisher().publish(POST)
    assert submit.call_count == 1  # prawcore's own retry is off
    result = deliver(_publisher(), POST, sleep=no_sleep)
    assert (
        result.post_id == "1zzz"
        and result.url == "https://www.reddit.com/r/Portland/comments/1zzz/best_cargo/"
    )
