"""YouTube videos.insert through google-api-python-client at the HTTP layer (HttpMockSequence):
the resumable upload handshake, quota errors, 5xx and read-back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from googleapiclient.http import HttpMockSequence

from marketing_engine.publishing.outgoing import AmbiguousPublish, PublishRejected, RateLimited
from marketing_engine.resources.publishers.youtube import YouTubePublisher
from publishing.platform_helpers import clip, outgoing

POST = outgoing(
    "youtube",
    "Cargo e-bike",
    media_keys=("ab/ab.mp4",),
    payload={"fields": {"title": "Cargo e-bike, explained", "text": "Range, brakes, price."}},
)


def _error(status: int, reason: str) -> tuple[dict, bytes]:
    return (
        {"status": str(status)},
        json.dumps(
            {
                "error": {
                    "code": status,
                    "message": reason,
                    "errors": [{"domain": "youtube.quota", "reason": reason, "message": reason}],
                }
            }
        ).encode(),
    )


@pytest.fixture
def video(tmp_path: Path) -> Path:
    return clip(tmp_path, b"v" * 2048)


class RecordingHttp(HttpMockSequence):
    """The client's own HTTP mock, remembering each request it answered."""

    def __init__(self, responses: list):
        super().__init__(responses)
        self.requests: list[tuple[str, str, bytes | str | None]] = []

    def request(self, uri, method="GET", body=None, headers=None, *args, **kwargs):
        if hasattr(body, "read"):  # an upload chunk: keep its bytes
            body = body.read()
        self.requests.append((method, uri, body))
        return super().request(uri, method, body, headers, *args, **kwargs)


def _publisher(video: Path, responses: list) -> tuple[YouTubePublisher, RecordingHttp]:
    http = RecordingHttp(responses)
    return YouTubePublisher(media_path=lambda _k: video, http=http), http


def test_resumable_insert_sends_snippet_and_status(video: Path) -> None:
    publisher, http = _publisher(
        video,
        [
            (
                {
                    "status": "200",
                    "location": "https://www.googleapis.com/upload/youtube/v3/videos?upload_id=xyz",
                },
                b"",
            ),
            (
                {"status": "200"},
                json.dumps(
                    {"kind": "youtube#video", "id": "dQw4w9WgXcQ", "status": {"uploadStatus": "uploaded"}}
                ).encode(),
            ),
        ],
    )
    result = publisher.publish(POST)
    assert result.post_id == "dQw4w9WgXcQ" and result.url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    (start_method, start_uri, start_body), (put_method, put_uri, put_body) = http.requests
    assert (
        start_method == "POST"
        and "uploadType=resumable" in start_uri
        and "part=snippet%2Cstatus" in start_uri
    )
    sent = json.loads(start_body)
    assert (
        sent["snippet"]["title"] == "Cargo e-bike, explained" and sent["status"]["privacyStatus"] == "public"
    )
    assert put_method == "PUT" and put_uri.endswith("upload_id=xyz") and put_body == b"v" * 2048


def test_quota_and_server_errors(video: Path) -> None:
    publisher, _ = _publisher(video, [_error(403, "quotaExceeded")])
    with pytest.raises(RateLimited, match="quotaExceeded"):
        publisher.publish(POST)
    publisher, _ = _publisher(video, [_error(400, "invalidTitle")])
    with pytest.raises(PublishRejected, match="invalidTitle"):
        publisher.publish(POST)
    publisher, _ = _publisher(video, [_error(503, "backendError")] * 4)
    with pytest.raises(AmbiguousPublish, match="HTTP 503"):
        publisher._call(lambda: publisher.service().videos().list(part="id", id="x").execute(num_retries=0))


def test_find_matches_the_title_of_a_recent_upload(video: Path) -> None:
    publisher, _ = _publisher(
        video,
        [
            (
                {"status": "200"},
                json.dumps(
                    {
                        "items": [
                            {
                                "id": {"kind": "youtube#video", "videoId": "abc"},
                                "snippet": {
                                    "title": "Cargo e-bike, explained",
                                    "publishedAt": "2027-01-04T16:00:00Z",
                                },
                            }
                        ]
                    }
                ).encode(),
            ),
            ({"status": "200"}, json.dumps({"items": []}).encode()),
        ],
    )
    found = publisher.find(POST)
    assert found is not None and found.post_id == "abc"
    assert not publisher.verify("gone", None)
