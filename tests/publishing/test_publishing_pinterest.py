"""Pinterest API v5 at the HTTP layer (respx): image and video pins, refresh, rate limit, read-back."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import respx

from marketing_engine.publishing.outgoing import PublishRejected, RateLimited
from marketing_engine.publishing.queue import deliver
from marketing_engine.resources.publishers.pinterest import API, PinterestPublisher
from publishing.platform_helpers import clip, no_sleep, outgoing, sent_json

IMAGE = outgoing(
    "pinterest",
    "Cargo e-bike",
    media_keys=("ab/ab.png",),
    link_url="https://k.example/?utm_source=pinterest",
    payload={
        "fields": {
            "title": "Cargo e-bike",
            "text": "Two kids, one bike.",
            "link": "https://k.example/?utm_source=pinterest",
        },
        "media": [{"key": "ab/ab.png", "kind": "image"}],
    },
)
VIDEO = outgoing(
    "pinterest",
    "Cargo e-bike",
    id=2,
    key="b" * 32,
    media_keys=("cd/cd.mp4",),
    payload={"fields": {"title": "Ride", "text": "Watch"}, "media": [{"key": "cd/cd.mp4", "kind": "video"}]},
)


@respx.mock
def test_image_pin_with_expired_token_refreshed() -> None:
    pins = respx.post(f"{API}/pins").mock(
        side_effect=[
            httpx.Response(401, json={"code": 2, "message": "Authentication failed."}),
            httpx.Response(201, json={"id": "813744226420795884", "board_id": "b1", "title": "Cargo e-bike"}),
        ]
    )
    token = respx.post(f"{API}/oauth/token").mock(
        return_value=httpx.Response(
            200,
            json={
                "access_token": "pina_2",
                "token_type": "bearer",
                "expires_in": 2592000,
                "scope": "pins:write",
            },
        )
    )
    publisher = PinterestPublisher(
        "pina_1",
        "b1",
        media_base_url="https://cdn.k.example",
        refresh_token="r",
        client_id="c",
        client_secret="s",
        sleep=no_sleep,
    )
    result = publisher.publish(IMAGE)
    assert result.url == "https://www.pinterest.com/pin/813744226420795884/"
    body = sent_json(pins)
    assert body == {
        "board_id": "b1",
        "title": "Cargo e-bike",
        "description": "Two kids, one bike.",
        "link": "https://k.example/?utm_source=pinterest",
        "media_source": {"source_type": "image_url", "url": "https://cdn.k.example/ab/ab.png"},
    }
    assert token.calls.last.request.headers["Authorization"].startswith("Basic ")
    assert pins.calls.last.request.headers["Authorization"] == "Bearer pina_2"


@respx.mock
def test_video_pin_registers_uploads_and_waits(tmp_path: Path) -> None:
    video = clip(tmp_path, b"video")
    respx.post(f"{API}/media").mock(
        return_value=httpx.Response(
            201,
            json={
                "media_id": "12345",
                "media_type": "video",
                "upload_url": "https://pinterest-media-upload.s3.amazonaws.com/",
                "upload_parameters": {"key": "uploads/12345", "policy": "p", "x-amz-signature": "sig"},
            },
        )
    )
    upload = respx.post("https://pinterest-media-upload.s3.amazonaws.com/").mock(
        return_value=httpx.Response(204)
    )
    respx.get(f"{API}/media/12345").mock(
        side_effect=[
            httpx.Response(200, json={"status": "processing"}),
            httpx.Response(200, json={"status": "succeeded"}),
        ]
    )
    pins = respx.post(f"{API}/pins").mock(return_value=httpx.Response(201, json={"id": "99"}))
    publisher = PinterestPublisher("t", "b1", media_path=lambda _k: video, sleep=no_sleep)
    assert publisher.publish(VIDEO).post_id == "99"
    assert (
        b'name="key"' in upload.calls.last.request.content and b"video" in upload.calls.last.request.content
    )
    assert sent_json(pins)["media_source"] == {
        "source_type": "video_id",
        "media_id": "12345",
        "cover_image_key_frame_time": 1,
    }


@respx.mock
def test_rate_limit_timeout_read_back_and_refusals() -> None:
    publisher = PinterestPublisher("t", "b1", media_base_url="https://cdn", sleep=no_sleep)
    respx.post(f"{API}/pins").mock(
        return_value=httpx.Response(
            429, headers={"retry-after": "12"}, json={"code": 8, "message": "Rate limit exceeded"}
        )
    )
    with pytest.raises(RateLimited) as caught:
        publisher.publish(IMAGE)
    assert caught.value.wait == 12
    respx.post(f"{API}/pins").mock(side_effect=httpx.ReadTimeout("timed out"))
    respx.get(f"{API}/boards/b1/pins").mock(
        return_value=httpx.Response(
            200,
            json={
                "items": [
                    {"id": "77", "description": "Two kids, one bike.", "created_at": "2027-01-04T16:00:00"}
                ],
                "bookmark": None,
            },
        )
    )
    assert deliver(publisher, IMAGE, sleep=no_sleep).post_id == "77"
    with pytest.raises(PublishRejected, match="needs an image or a video"):
        publisher.publish(outgoing("pinterest", "x", id=3, key="c" * 32))
    respx.get(f"{API}/pins/77").mock(return_value=httpx.Response(200, json={"id": "77"}))
    respx.get(f"{API}/pins/78").mock(
        return_value=httpx.Response(404, json={"code": 50, "message": "Pin not found."})
    )
    assert publisher.verify("77", None) and not publisher.verify("78", None)
