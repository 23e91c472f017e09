"""Plumbing the platform publisher tests share: the post the queue hands a publisher, a stand-in
video file, a sleep that does not wait, and what a mocked route was sent. Each provider's documented
requests and responses stay spelled out in its own test file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import respx

from marketing_engine.publishing.outgoing import OutgoingPost


def outgoing(platform: str, body: str, *, id: int = 1, key: str = "a" * 32, **extra: Any) -> OutgoingPost:
    """A post as the queue hands it to `platform`'s publisher: `key` is its idempotency key, `extra`
    the media keys, link and payload a test needs."""
    return OutgoingPost(id=id, platform=platform, idempotency_key=key, body=body, **extra)


def no_sleep(_seconds: float) -> None:
    """A publisher's `sleep` that returns at once, so retries and polls do not slow the tests."""


def clip(folder: Path, data: bytes) -> Path:
    """A stand-in video file holding `data`, for the publishers that upload bytes."""
    path = folder / "clip.mp4"
    path.write_bytes(data)
    return path


def sent_json(route: respx.Route) -> Any:
    """The JSON body of the last request `route` answered."""
    return json.loads(route.calls.last.request.content)


def sent_form(route: respx.Route) -> dict[str, str]:
    """The form fields of the last request `route` answered."""
    return dict(httpx.QueryParams(route.calls.last.request.content.decode()))


def rendered_video(topic: str) -> dict[str, Any]:
    """A passed 30 s vertical video of `topic`, as the warehouse hands it to the copy writer."""
    return {
        "topic": topic,
        "length_s": 30,
        "media_key": "ab/ab.mp4",
        "sha256": "ab",
        "duration_s": 29.5,
        "width": 1080,
        "height": 1920,
    }
