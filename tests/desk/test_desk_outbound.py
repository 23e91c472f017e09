"""Videos and pitches in the review queue (read-only): a rendition plays from the media store through a
route that serves only the brand's own renditions; a ready pitch shows as its email; hostile text in a
topic, a gate failure, a subject or a body stays text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from desk.conftest import XSS
from marketing_engine.outreach.store import save_pitches
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.video.store import latest_renditions, save_renditions

CLIP = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8  # bytes enough to seek in


@pytest.fixture
def outbound(desk_warehouse, profile) -> int:
    """One failed rendition (hostile topic and failure) and one ready pitch (hostile subject and body)."""
    stored = MediaStoreResource().put_bytes(CLIP, suffix=".mp4")
    rendition = {
        "topic": f"commute {XSS}",
        "length_s": 15,
        "rendition": "vertical",
        "width": 1080,
        "height": 1920,
        "duration_s": 15.0,
        "media_key": stored.key,
        "sha256": stored.sha256,
        "gate_status": "failed",
        "gate_report": {"passed": False, "failures": [f"loudness {XSS}"]},
    }
    save_renditions(desk_warehouse, profile.slug, [rendition], [])
    pitch = {
        "brand": profile.slug,
        "query_key": "q1",
        "recipient": "reporter@example.test",
        "subject": f"Re: bikes {XSS}",
        "body": f"Here is what we know {XSS}",
        "word_count": 5,
        "word_limit": 150,
        "cited_urls": ["https://kestrelcycles.example/guide/"],
        "send_by": datetime(2027, 1, 6, 12, tzinfo=UTC),
        "status": "ready",
    }
    save_pitches(desk_warehouse, [pitch])
    return latest_renditions(desk_warehouse, profile.slug)[0].id


def test_videos_and_pitches_render_as_they_will_appear(outbound, login) -> None:
    text = login("viewer").get("/review").text
    assert (
        f'<video class="video-preview" controls preload="metadata" src="/review/videos/{outbound}">' in text
    )
    assert "Video gate: loudness &lt;script&gt;" in text and "gate failed" in text
    assert "To reporter@example.test" in text and "Subject: Re: bikes &lt;script&gt;" in text
    assert "Here is what we know &lt;script&gt;" in text and "5 / 150 words" in text
    assert "<script>alert" not in text and "<img src=x" not in text


def test_the_video_route_serves_only_the_brands_renditions(outbound, login, app) -> None:
    client = login("viewer")
    video = client.get(f"/review/videos/{outbound}")
    assert video.status_code == 200 and video.content == CLIP
    assert video.headers["content-type"] == "video/mp4"
    assert "sandbox" in video.headers["content-security-policy"]
    part = client.get(f"/review/videos/{outbound}", headers={"range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == CLIP[:100]
    assert client.get(f"/review/videos/{outbound + 1}").status_code == 404
    assert client.get("/review/videos/..%2F..%2Fetc").status_code == 404  # only ids route here
    anonymous = TestClient(app).get(f"/review/videos/{outbound}", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login"
