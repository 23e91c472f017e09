"""TikTok Content Posting API at the HTTP layer (respx): init, chunked upload, status polling,
token refresh, rate limits and errors in TikTok's own error shape."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import respx

from marketing_engine.publishing.outgoing import AcceptedUnconfirmed, PublishRejected, RateLimited
from marketing_engine.publishing.queue import deliver
from marketing_engine.resources.publishers.tiktok import TikTokPublisher, chunk_plan
from publishing.platform_helpers import clip, no_sleep, outgoing, sent_json

API = "https://open.tiktokapis.com"
OK = {"code": "ok", "message": "", "log_id": "202701040000"}
POST = outgoing("tiktok", "Cargo e-bike in 30 s #ebike", media_keys=("ab/ab.mp4",))


def test_chunk_plan_follows_the_media_transfer_rules() -> None:
    assert chunk_plan(3_000_000) == (3_000_000, 1)
    assert chunk_plan(25 * 1024 * 1024) == (10 * 1024 * 1024, 2)  # the last chunk carries the remainder
    assert chunk_plan(12 * 1024 * 1024, chunk=1024) == (5 * 1024 * 1024, 2)


@pytest.fixture
def video(tmp_path: Path) -> Path:
    return clip(tmp_path, b"v" * 1000)


@respx.mock
def test_direct_post_uploads_then_polls_until_complete(video: Path) -> None:
    init = respx.post(f"{API}/v2/post/publish/video/init/").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": {
                    "publish_id": "v_pub_file~v2-1.123",
                    "upload_url": "https://open-upload.tiktokapis.com/video/?upload_id=1",
                },
                "error": OK,
            },
        )
    )
    upload = respx.put("https://open-upload.tiktokapis.com/video/?upload_id=1").mock(
        return_value=httpx.Response(201)
    )
    respx.post(f"{API}/v2/post/publish/status/fetch/").mock(
        side_effect=[
            httpx.Response(200, json={"data": {"status": "PROCESSING_UPLOAD"}, "error": OK}),
            httpx.Response(
                200,
                json={
                    "data": {"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [7312345]},
                    "error": OK,
                },
            ),
        ]
    )
    naps: list[float] = []
    result = TikTokPublisher("act.1", media_path=lambda _k: video, sleep=naps.append).publish(POST)
    assert result.post_id == "7312345" and naps == [3.0]
    body = sent_json(init)
    assert body["source_info"] == {
        "source": "FILE_UPLOAD",
        "video_size": 1000,
        "chunk_size": 1000,
        "total_chunk_count": 1,
    }
    assert body["post_info"]["title"] == POST.body
    assert upload.calls.last.request.headers["Content-Range"] == "bytes 0-999/1000"


@respx.mock
def test_refresh_rate_limit_and_failed_publish(video: Path) -> None:
    init = respx.post(f"{API}/v2/post/publish/video/init/")
    init.mock(
        side_effect=[
            httpx.Response(
                401, json={"error": {"code": "access_token_invalid", "message": "expired", "log_id": "x"}}
            ),
            httpx.Response(
                200, json={"data": {"publish_id": "p2", "upload_url": "https://up.example/2"}, "error": OK}
            ),
        ]
    )
    respx.post(f"{API}/v2/oauth/token/").mock(
        return_value=httpx.Response(
            200,
            json={
                "access_token": "act.2",
                "expires_in": 86400,
                "refresh_token": "rft.2",
                "refresh_expires_in": 31536000,
                "open_id": "o",
                "scope": "video.publish",
                "token_type": "Bearer",
            },
        )
    )
    respx.put("https://up.example/2").mock(return_value=httpx.Response(201))
    respx.post(f"{API}/v2/post/publish/status/fetch/").mock(
        return_value=httpx.Response(
            200, json={"data": {"status": "FAILED", "fail_reason": "video_pull_failed"}, "error": OK}
        )
    )
    publisher = TikTokPublisher(
        "act.1",
        media_path=lambda _k: video,
        refresh_token="rft.1",
        client_key="ck",
        client_secret="cs",
        sleep=no_sleep,
    )
    with pytest.raises(PublishRejected, match="video_pull_failed"):
        publisher.publish(POST)
    assert publisher.access_token == "act.2"
    init.mock(
        return_value=httpx.Response(
            429,
            headers={"retry-after": "60"},
            json={
                "error": {
                    "code": "rate_limit_exceeded",
                    "message": "API rate limit was exceeded",
                    "log_id": "y",
                }
            },
        )
    )
    with pytest.raises(RateLimited) as caught:
        publisher.publish(POST)
    assert caught.value.wait == 60
    init.mock(
        return_value=httpx.Response(
            200, json={"error": {"code": "spam_risk_too_many_posts", "message": "", "log_id": "z"}}
        )
    )
    with pytest.raises(RateLimited):
        publisher.publish(POST)
    with pytest.raises(PublishRejected, match="needs a video"):
        publisher.publish(outgoing("tiktok", "x", id=2, key="b" * 32))


@respx.mock
def test_find_reads_the_video_list() -> None:
    respx.post(url__startswith=f"{API}/v2/video/list/").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": {
                    "videos": [
                        {
                            "id": "7312345",
                            "video_description": POST.body,
                            "create_time": 1799000000,
                            "share_url": "https://www.tiktok.com/@k/video/7312345",
                        }
                    ],
                    "cursor": 0,
                    "has_more": False,
                },
                "error": OK,
            },
        )
    )
    found = TikTokPublisher("t", media_path=Path).find(POST)
    assert found is not None and found.post_id == "7312345"


@respx.mock
def test_status_unknown_after_acceptance_is_left_for_the_reconciler(video: Path) -> None:
    init = respx.post(f"{API}/v2/post/publish/video/init/").mock(
        return_value=httpx.Response(
            200, json={"data": {"publish_id": "p3", "upload_url": "https://up.example/3"}, "error": OK}
        )
    )
    respx.put("https://up.example/3").mock(return_value=httpx.Response(201))
    respx.post(f"{API}/v2/post/publish/status/fetch/").mock(return_value=httpx.Response(503, json={}))
    publisher = TikTokPublisher("t", media_path=lambda _k: video, sleep=no_sleep, max_retries=1)
    with pytest.raises(AcceptedUnconfirmed, match="p3 accepted"):
        deliver(publisher, POST, sleep=no_sleep)
    assert init.call_count == 1  # never sent twice
