"""LinkedIn Posts API at the HTTP layer (respx): documented request and response shapes, token
refresh, 429 with reset headers, 5xx, timeouts after acceptance, read-back and verification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from marketing_engine.publishing.outgoing import AmbiguousPublish, PublishRejected, RateLimited
from marketing_engine.publishing.queue import deliver
from marketing_engine.resources.publishers.base import NotSent, TokenExpired
from marketing_engine.resources.publishers.linkedin import LinkedInPublisher, escape_commentary
from publishing.platform_helpers import clip, no_sleep, outgoing, sent_json

AUTHOR = "urn:li:organization:2414183"
POSTS = "https://api.linkedin.com/rest/posts"
POST = outgoing("linkedin", "Cargo e-bikes (two kids) #family https://k.example/?utm_source=linkedin")


def _publisher(**kwargs) -> LinkedInPublisher:
    return LinkedInPublisher("token-1", AUTHOR, sleep=no_sleep, **kwargs)


@respx.mock
def test_create_sends_the_documented_body_and_reads_the_restli_id() -> None:
    route = respx.post(POSTS).mock(
        return_value=httpx.Response(201, headers={"x-restli-id": "urn:li:share:6844785523593134080"})
    )
    result = _publisher().publish(POST)
    assert result.post_id == "urn:li:share:6844785523593134080"
    assert result.url == "https://www.linkedin.com/feed/update/urn:li:share:6844785523593134080/"
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer token-1"
    assert (
        request.headers["LinkedIn-Version"] == "202511"
        and request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    )
    body = sent_json(route)
    assert (
        body["author"] == AUTHOR and body["lifecycleState"] == "PUBLISHED" and body["visibility"] == "PUBLIC"
    )
    assert (
        body["commentary"]
        == "Cargo e-bikes \\(two kids\\) \\#family https://k.example/?utm\\_source=linkedin"
    )
    assert body["distribution"]["feedDistribution"] == "MAIN_FEED"


@respx.mock
def test_expired_token_is_refreshed_once() -> None:
    respx.post(POSTS).mock(
        side_effect=[
            httpx.Response(
                401,
                json={
                    "serviceErrorCode": 65601,
                    "message": "The token used in the request has expired",
                    "status": 401,
                },
            ),
            httpx.Response(201, headers={"x-restli-id": "urn:li:share:2"}),
        ]
    )
    token = respx.post("https://www.linkedin.com/oauth/v2/accessToken").mock(
        return_value=httpx.Response(
            200,
            json={
                "access_token": "token-2",
                "expires_in": 5184000,
                "refresh_token": "refresh-2",
                "refresh_token_expires_in": 525600,
            },
        )
    )
    publisher = _publisher(refresh_token="refresh-1", client_id="cid", client_secret="secret")
    assert publisher.publish(POST).post_id == "urn:li:share:2"
    assert b"grant_type=refresh_token" in token.calls.last.request.content
    assert publisher.access_token == "token-2" and publisher.refresh_token == "refresh-2"


@respx.mock
def test_expired_token_without_refresh_fails_with_the_message() -> None:
    respx.post(POSTS).mock(
        return_value=httpx.Response(401, json={"message": "Invalid access token", "status": 401})
    )
    with pytest.raises(TokenExpired, match="linkedin: HTTP 401: Invalid access token"):
        _publisher().publish(POST)


@respx.mock
def test_429_reports_the_reset_and_deliver_waits_for_it() -> None:
    reset = str(int(datetime.now(UTC).timestamp()) + 30)
    respx.post(POSTS).mock(
        side_effect=[
            httpx.Response(
                429, headers={"x-ratelimit-reset": reset}, json={"message": "Resource level throttle"}
            ),
            httpx.Response(201, headers={"x-restli-id": "urn:li:share:3"}),
        ]
    )
    with pytest.raises(RateLimited) as caught:
        _publisher().publish(POST)
    assert 25 <= caught.value.wait <= 31
    waits: list[float] = []
    respx.post(POSTS).mock(
        side_effect=[
            httpx.Response(429, headers={"retry-after": "7"}, json={}),
            httpx.Response(201, headers={"x-restli-id": "urn:li:share:3"}),
        ]
    )
    assert deliver(_publisher(), POST, sleep=waits.append).post_id == "urn:li:share:3"
    assert waits == [7.0]


def _finder(elements: list[dict]) -> httpx.Response:
    return httpx.Response(200, json={"elements": elements, "paging": {"start": 0, "count": 10}})


@respx.mock
def test_timeout_after_acceptance_is_found_not_resent() -> None:
    create = respx.post(POSTS).mock(side_effect=httpx.ReadTimeout("read timed out"))
    created = int((datetime.now(UTC) + timedelta(seconds=1)).timestamp() * 1000)
    finder = respx.get(url__startswith=POSTS).mock(
        return_value=_finder(
            [
                {
                    "id": "urn:li:share:9",
                    "author": AUTHOR,
                    "commentary": escape_commentary(POST.body),
                    "createdAt": created,
                }
            ]
        )
    )
    result = deliver(_publisher(), POST, sleep=no_sleep)
    assert result.post_id == "urn:li:share:9" and create.call_count == 1
    request = finder.calls.last.request
    assert request.url.params["q"] == "author" and request.url.params["author"] == AUTHOR
    assert request.headers["X-RestLi-Method"] == "FINDER"


@respx.mock
def test_5xx_not_found_is_sent_again_and_4xx_fails_at_once() -> None:
    respx.post(POSTS).mock(
        side_effect=[
            httpx.Response(503, json={"message": "Service Unavailable"}),
            httpx.Response(201, headers={"x-restli-id": "urn:li:share:4"}),
        ]
    )
    respx.get(url__startswith=POSTS).mock(return_value=_finder([]))
    assert deliver(_publisher(), POST, sleep=no_sleep).post_id == "urn:li:share:4"
    respx.post(POSTS).mock(
        return_value=httpx.Response(
            422, json={"message": "/commentary :: length 3200 exceeds 3000", "status": 422}
        )
    )
    with pytest.raises(PublishRejected, match="HTTP 422: /commentary :: length 3200 exceeds 3000"):
        deliver(_publisher(), POST, sleep=no_sleep)
    respx.post(POSTS).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(NotSent):
        _publisher().publish(POST)
    respx.post(POSTS).mock(return_value=httpx.Response(502, text="<html>bad gateway</html>"))
    with pytest.raises(AmbiguousPublish, match="HTTP 502"):
        _publisher().publish(POST)


@respx.mock
def test_verify_sees_deleted_posts() -> None:
    respx.get(f"{POSTS}/urn%3Ali%3Ashare%3A5").mock(
        return_value=httpx.Response(200, json={"id": "urn:li:share:5"})
    )
    respx.get(f"{POSTS}/urn%3Ali%3Ashare%3A6").mock(
        return_value=httpx.Response(404, json={"message": "Not found"})
    )
    assert _publisher().verify("urn:li:share:5", None)
    assert not _publisher().verify("urn:li:share:6", None)


@respx.mock
def test_video_post_uploads_parts_then_names_the_video(tmp_path) -> None:
    video = clip(tmp_path, b"a" * 10 + b"b" * 6)
    respx.post(f"{POSTS.replace('/posts', '/videos')}?action=initializeUpload").mock(
        return_value=httpx.Response(
            200,
            json={
                "value": {
                    "uploadUrlsExpireAt": 1799000000000,
                    "video": "urn:li:video:C5F10AQGKQg_6y2a4sQ",
                    "uploadInstructions": [
                        {
                            "uploadUrl": "https://www.linkedin.com/dms-uploads/part1",
                            "firstByte": 0,
                            "lastByte": 9,
                        },
                        {
                            "uploadUrl": "https://www.linkedin.com/dms-uploads/part2",
                            "firstByte": 10,
                            "lastByte": 15,
                        },
                    ],
                    "uploadToken": "",
                }
            },
        )
    )
    part1 = respx.put("https://www.linkedin.com/dms-uploads/part1").mock(
        return_value=httpx.Response(200, headers={"etag": "e1"})
    )
    respx.put("https://www.linkedin.com/dms-uploads/part2").mock(
        return_value=httpx.Response(200, headers={"etag": "e2"})
    )
    finalize = respx.post(f"{POSTS.replace('/posts', '/videos')}?action=finalizeUpload").mock(
        return_value=httpx.Response(200)
    )
    create = respx.post(POSTS).mock(
        return_value=httpx.Response(201, headers={"x-restli-id": "urn:li:share:8"})
    )
    post = outgoing("linkedin", "Watch", id=2, key="v" * 32, media_keys=("ab/ab.mp4",))
    assert _publisher(media_path=lambda _k: video).publish(post).post_id == "urn:li:share:8"
    assert part1.calls.last.request.content == b"a" * 10
    assert sent_json(finalize)["finalizeUploadRequest"]["uploadedPartIds"] == ["e1", "e2"]
    assert sent_json(create)["content"]["media"]["id"] == "urn:li:video:C5F10AQGKQg_6y2a4sQ"
    with pytest.raises(PublishRejected, match="needs the media store"):
        _publisher().publish(post)
