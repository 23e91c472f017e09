"""Runway, Pika (fal queue) and Kling job clients, the fallback chain, and the Suno-style music job,
driven through respx against the providers' documented request/response shapes."""

from __future__ import annotations

import io
import subprocess
import wave
from types import SimpleNamespace

import httpx
import pytest
import respx

from marketing_engine.resources.footage import FootageResource
from marketing_engine.resources.http import ProviderError
from marketing_engine.resources.media_jobs import JobAPI, JobFailed, JobShape, JobTimedOut
from marketing_engine.resources.music import MusicResource

RUNWAY, KLING, PIKA = "https://runway.test", "https://kling.test", "https://fal.test"
CLIP = b"\x00\x00\x00\x18ftypmp42fake-clip-bytes"


def _footage(**overrides) -> FootageResource:
    settings = {
        "backend": "runway",
        "chain": ["kling", "pika", "motion"],
        "runway_api_key": "rw",
        "kling_api_key": "kl",
        "pika_api_key": "fa",
        "poll_interval_s": 0.0,
        "timeout_s": 0.05,
        "base_urls": {"runway": RUNWAY, "kling": KLING, "pika": PIKA},
    }
    return FootageResource(**{**settings, **overrides})


@respx.mock
def test_runway_submit_poll_download_and_cost(tmp_path):
    submit = respx.post(f"{RUNWAY}/v1/text_to_video").mock(
        return_value=httpx.Response(200, json={"id": "task-1"})
    )
    respx.get(f"{RUNWAY}/v1/tasks/task-1").mock(
        side_effect=[
            httpx.Response(200, json={"id": "task-1", "status": "RUNNING"}),
            httpx.Response(
                200, json={"id": "task-1", "status": "SUCCEEDED", "output": ["https://cdn.test/a.mp4"]}
            ),
        ]
    )
    respx.get("https://cdn.test/a.mp4").mock(return_value=httpx.Response(200, content=CLIP))
    got = _footage(timeout_s=30).generate_clip("runway", "rider at dusk", "9:16", tmp_path / "a.mp4")
    assert got == {"provider": "runway", "job_id": "task-1", "seconds": 5, "cost_usd": 0.25}
    assert (tmp_path / "a.mp4").read_bytes() == CLIP
    request = submit.calls[0].request
    assert (
        request.headers["authorization"] == "Bearer rw"
        and request.headers["x-runway-version"] == "2024-11-06"
    )
    assert b'"ratio":"720:1280"' in request.content.replace(b" ", b"")


@respx.mock
def test_fallback_chain_runway_fails_kling_times_out_pika_delivers(tmp_path):
    respx.post(f"{RUNWAY}/v1/text_to_video").mock(return_value=httpx.Response(200, json={"id": "r1"}))
    respx.get(f"{RUNWAY}/v1/tasks/r1").mock(
        return_value=httpx.Response(
            200, json={"id": "r1", "status": "FAILED", "failure": "content moderation"}
        )
    )
    respx.post(f"{KLING}/v1/videos/text2video").mock(
        return_value=httpx.Response(
            200, json={"code": 0, "data": {"task_id": "k1", "task_status": "submitted"}}
        )
    )
    respx.get(f"{KLING}/v1/videos/text2video/k1").mock(
        return_value=httpx.Response(
            200, json={"code": 0, "data": {"task_id": "k1", "task_status": "processing"}}
        )
    )
    respx.post(f"{PIKA}/fal-ai/pika/v2.2/text-to-video").mock(
        return_value=httpx.Response(200, json={"request_id": "p1", "status": "IN_QUEUE"})
    )
    respx.get(f"{PIKA}/fal-ai/pika/requests/p1/status").mock(
        return_value=httpx.Response(200, json={"request_id": "p1", "status": "COMPLETED"})
    )
    respx.get(f"{PIKA}/fal-ai/pika/requests/p1").mock(
        return_value=httpx.Response(
            200, json={"request_id": "p1", "video": {"url": "https://cdn.test/p.mp4"}}
        )
    )
    pika = respx.get("https://cdn.test/p.mp4").mock(return_value=httpx.Response(200, content=CLIP))
    got = _footage().clip_with_fallback("rider at dusk", "16:9", tmp_path / "p.mp4")
    assert got["provider"] == "pika" and got["cost_usd"] == 0.2 and pika.called
    assert [a["provider"] for a in got["attempts"]] == ["runway", "kling"]
    assert "content moderation" in got["attempts"][0]["error"]
    assert "still processing after" in got["attempts"][1]["error"]


@respx.mock
def test_all_providers_failing_leave_motion_graphics(tmp_path, monkeypatch):
    slept = []
    monkeypatch.setattr("marketing_engine.resources.media_jobs.time.sleep", slept.append)
    respx.post(url__startswith=RUNWAY).mock(return_value=httpx.Response(500, json={"error": "down"}))
    respx.post(url__startswith=KLING).mock(return_value=httpx.Response(401, json={"message": "bad token"}))
    respx.post(url__startswith=PIKA).mock(return_value=httpx.Response(200, text="<html>oops</html>"))
    assert _footage().clip_with_fallback("x", "1:1", tmp_path / "x.mp4") is None
    assert len(slept) == 4  # the 500s were retried with backoff before falling through


class _Store:
    def __init__(self):
        self.files = []

    def put_file(self, path):
        self.files.append(path)
        return SimpleNamespace(key=f"k{len(self.files)}", sha256="0" * 64)


@respx.mock
def test_b_roll_clips_go_under_each_beat(tmp_path):
    respx.post(f"{RUNWAY}/v1/text_to_video").mock(return_value=httpx.Response(200, json={"id": "t"}))
    respx.get(f"{RUNWAY}/v1/tasks/t").mock(
        return_value=httpx.Response(
            200, json={"id": "t", "status": "SUCCEEDED", "output": ["https://cdn.test/t.mp4"]}
        )
    )
    respx.get("https://cdn.test/t.mp4").mock(return_value=httpx.Response(200, content=CLIP))
    tracks = {
        "vertical": {
            "layers": [{"name": "background"}, {"name": "brand"}],
            "segments": [
                {"kind": "hook", "start": 0, "end": 3, "b_roll": ""},
                {"kind": "beat", "start": 3, "end": 9, "b_roll": "bike"},
                {"kind": "beat", "start": 9, "end": 15, "b_roll": "lock"},
            ],
        }
    }
    summary = _footage(timeout_s=30).b_roll_clips(None, _Store(), tracks)
    assert summary == {"clips": 2, "cost_usd": 0.5, "failed": 0}
    names = [layer["name"] for layer in tracks["vertical"]["layers"]]
    assert names == ["background", "clip-1", "clip-0", "brand"]
    assert FootageResource().b_roll_clips(None, _Store(), tracks) == {
        "clips": 0,
        "cost_usd": 0.0,
        "failed": 0,
    }


def test_job_api_needs_a_key_and_reads_shapes():
    api = JobAPI(provider="runway", base_url=RUNWAY, api_key=None)
    with pytest.raises(ProviderError, match="no API key"):
        api.submit("/v1/x", {})
    shaped = JobAPI(provider="kling", base_url=KLING, api_key="k", shape=JobShape(id_path="data.task_id"))
    with pytest.raises(ProviderError, match="malformed job response"):
        shaped._job({"data": {}})
    assert issubclass(JobFailed, ProviderError) and issubclass(JobTimedOut, ProviderError)


def _mp3_like_wav(seconds: float = 2.0) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(44100)
        handle.writeframes(b"\x10\x00" * int(44100 * seconds))
    return buffer.getvalue()


@respx.mock
def test_suno_style_music_job_is_converted_to_a_48k_stereo_wav():
    base = "https://suno.test"
    submit = respx.post(f"{base}/api/v1/generate").mock(
        return_value=httpx.Response(200, json={"id": "s1", "status": "queued"})
    )
    respx.get(f"{base}/api/v1/generate/s1").mock(
        side_effect=[
            httpx.Response(200, json={"id": "s1", "status": "streaming"}),
            httpx.Response(
                200, json={"id": "s1", "status": "complete", "output_url": "https://cdn.test/s.mp3"}
            ),
        ]
    )
    respx.get("https://cdn.test/s.mp3").mock(return_value=httpx.Response(200, content=_mp3_like_wav()))
    music = MusicResource(backend="suno", api_key="su", base_url=base, poll_interval_s=0.0)
    path, cached = music.soundtrack("upbeat", 1.5, seed=1)
    assert not cached and submit.calls[0].request.headers["authorization"] == "Bearer su"
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "stream=sample_rate,channels:format=duration",
            "-of",
            "csv=p=0",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "48000,2" in probe


@respx.mock
def test_suno_failed_job_names_the_reason():
    base = "https://suno.test"
    respx.post(f"{base}/api/v1/generate").mock(
        return_value=httpx.Response(200, json={"id": "s2", "status": "queued"})
    )
    respx.get(f"{base}/api/v1/generate/s2").mock(
        return_value=httpx.Response(200, json={"id": "s2", "status": "error", "error": "prompt rejected"})
    )
    with pytest.raises(JobFailed, match="job s2 failed: prompt rejected"):
        MusicResource(backend="suno", api_key="su", base_url=base, poll_interval_s=0.0).soundtrack(
            "calm", 2, 1
        )
