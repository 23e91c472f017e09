"""Runway, Pika (fal queue) and Kling job clients, the fallback chain, and the Suno-style music job,
driven through respx against the providers' documented request/response shapes."""

from __future__ import annotations

import io
import subprocess
import time
import wave
from types import SimpleNamespace

import httpx
import jwt
import pytest
import respx

from marketing_engine.resources.footage import FootageResource, KlingJWT
from marketing_engine.resources.http import ProviderError
from marketing_engine.resources.media_jobs import JobAPI, JobFailed, JobShape, JobTimedOut
from marketing_engine.resources.music import MusicResource

RUNWAY, KLING, PIKA = "https://runway.test", "https://kling.test", "https://fal.test"
CLIP = b"\x00\x00\x00\x18ftypmp42fake-clip-bytes"
# Kling's keys are 32-character strings; the secret must never travel or be printed.
KLING_AK, KLING_SK = "AkTestAccessKey0123456789abcdefX", "SkTestSecretKey0123456789abcdefY"


def _footage(**overrides) -> FootageResource:
    settings = {
        "backend": "runway",
        "chain": ["kling", "pika", "motion"],
        "runway_api_key": "rw",
        "kling_access_key": KLING_AK,
        "kling_secret_key": KLING_SK,
        "pika_api_key": "fa",
        "poll_interval_s": 0.0,
        "timeout_s": 0.05,
        "base_urls": {"runway": RUNWAY, "kling": KLING, "pika": PIKA},
    }
    return FootageResource(**{**settings, **overrides})


def _pika_delivers(base: str, request_id: str, clip_url: str):
    """Pika on fal's queue at `base` takes the job, completes it and serves the clip (the download's
    route is returned)."""
    pika = f"{base}/fal-ai/pika"
    respx.post(f"{pika}/v2.2/text-to-video").mock(
        return_value=httpx.Response(200, json={"request_id": request_id, "status": "IN_QUEUE"})
    )
    respx.get(f"{pika}/requests/{request_id}/status").mock(
        return_value=httpx.Response(200, json={"request_id": request_id, "status": "COMPLETED"})
    )
    respx.get(f"{pika}/requests/{request_id}").mock(
        return_value=httpx.Response(200, json={"request_id": request_id, "video": {"url": clip_url}})
    )
    return respx.get(clip_url).mock(return_value=httpx.Response(200, content=CLIP))


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
    pika = _pika_delivers(PIKA, "p1", "https://cdn.test/p.mp4")
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


def _kling_claims(request: httpx.Request) -> tuple[dict, dict]:
    scheme, token = request.headers["authorization"].split(" ", 1)
    assert scheme == "Bearer" and KLING_SK not in request.headers["authorization"]
    claims = jwt.decode(token, KLING_SK, algorithms=["HS256"], issuer=KLING_AK)
    return jwt.get_unverified_header(token), claims


@respx.mock
def test_kling_requests_carry_a_jwt_signed_with_the_secret_key(tmp_path):
    submit = respx.post(f"{KLING}/v1/videos/text2video").mock(
        return_value=httpx.Response(
            200, json={"code": 0, "data": {"task_id": "k9", "task_status": "submitted"}}
        )
    )
    status = respx.get(f"{KLING}/v1/videos/text2video/k9").mock(
        return_value=httpx.Response(
            200,
            json={
                "code": 0,
                "data": {
                    "task_id": "k9",
                    "task_status": "succeed",
                    "task_result": {"videos": [{"id": "v", "url": "https://cdn.test/k.mp4"}]},
                },
            },
        )
    )
    download = respx.get("https://cdn.test/k.mp4").mock(return_value=httpx.Response(200, content=CLIP))
    before = int(time.time())
    got = _footage(backend="kling", chain=[]).generate_clip("kling", "rider", "9:16", tmp_path / "k.mp4")
    assert got["provider"] == "kling" and got["job_id"] == "k9" and got["cost_usd"] == 0.35
    header, claims = _kling_claims(submit.calls[0].request)
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert claims["iss"] == KLING_AK and set(claims) == {"iss", "exp", "nbf"}
    assert before + 1800 <= claims["exp"] <= int(time.time()) + 1800
    assert claims["exp"] - claims["nbf"] == 1805
    assert _kling_claims(status.calls[0].request)[1] == claims  # the poll is signed too
    assert "authorization" not in download.calls[0].request.headers  # the CDN gets no token
    with pytest.raises(jwt.InvalidSignatureError):  # signed with the secret key, not anything else
        jwt.decode(submit.calls[0].request.headers["authorization"][7:], "x" * 32, algorithms=["HS256"])


def test_kling_token_is_reused_then_renewed_before_it_expires():
    now = [1_000_000.0]
    signer = KlingJWT(KLING_AK, KLING_SK, clock=lambda: now[0])
    first = signer.token()
    now[0] += 1700  # still more than a minute left
    assert signer.token() == first
    now[0] += 50  # 50 s left: sign a fresh one
    fresh = signer.token()
    assert fresh != first
    claims = jwt.decode(
        fresh, KLING_SK, algorithms=["HS256"], options={"verify_exp": False, "verify_nbf": False}
    )
    assert claims == {"iss": KLING_AK, "exp": 1_001_750 + 1800, "nbf": 1_001_750 - 5}
    assert KLING_SK not in repr(signer) and KLING_AK not in repr(signer)


@respx.mock
def test_kling_without_both_keys_names_the_missing_one_and_hands_over(tmp_path):
    kling = respx.post(url__startswith=KLING)
    half = _footage(backend="kling", chain=["motion"], kling_secret_key=None)
    with pytest.raises(ProviderError, match="kling: KLING_SECRET_KEY not set") as raised:
        half.generate_clip("kling", "rider", "1:1", tmp_path / "k.mp4")
    assert KLING_AK not in str(raised.value)
    neither = _footage(backend="kling", chain=[], kling_access_key=None, kling_secret_key=None)
    assert neither.clip_with_fallback("rider", "1:1", tmp_path / "k.mp4") is None
    assert "KLING_ACCESS_KEY and KLING_SECRET_KEY not set" in neither._log[0]["attempts"][0]["error"]
    assert not kling.called


@respx.mock
def test_kling_rejecting_the_token_never_echoes_a_key(tmp_path):
    respx.post(f"{KLING}/v1/videos/text2video").mock(
        return_value=httpx.Response(401, json={"code": 1004, "message": "token expired"})
    )
    with pytest.raises(ProviderError) as raised:
        _footage(backend="kling", chain=[]).generate_clip("kling", "rider", "1:1", tmp_path / "k.mp4")
    assert str(raised.value) == "kling: HTTP 401: token expired"


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


@respx.mock
def test_suno_without_a_base_url_is_not_configured_sends_nothing_and_the_synth_plays(monkeypatch):
    keyless = MusicResource(backend="suno", api_key="su")
    wav, _ = keyless.soundtrack("calm", 2, 7)
    assert not respx.calls and wav.stat().st_size > 1000
    assert keyless.not_configured() == ["SUNO_BASE_URL"] and keyless.engine() == "synth"
    # the same soundtrack the synth backend makes (one cache entry per engine, mood, length, seed)
    assert MusicResource().soundtrack("calm", 2, 7) == (wav, True)
    assert MusicResource(backend="suno").not_configured() == ["SUNO_API_KEY", "SUNO_BASE_URL"]


@respx.mock
def test_prod_music_calls_the_suno_host_the_settings_name(monkeypatch):
    from dagster import build_resources

    from marketing_engine.resources import prod_resources

    monkeypatch.setenv("SUNO_API_KEY", "su-prod")
    monkeypatch.setenv("SUNO_BASE_URL", "https://music.example.org/suno")
    route = respx.post("https://music.example.org/suno/api/v1/generate").mock(
        return_value=httpx.Response(200, json={"id": "s3", "status": "error", "error": "quota"})
    )
    respx.get("https://music.example.org/suno/api/v1/generate/s3").mock(
        return_value=httpx.Response(200, json={"id": "s3", "status": "error", "error": "quota"})
    )
    with build_resources({"music": prod_resources()["music"]}) as resources:
        assert resources.music.base_url == "https://music.example.org/suno"
        with pytest.raises(JobFailed, match="quota"):
            resources.music.soundtrack("calm", 2, 8)
    assert route.calls[0].request.headers["authorization"] == "Bearer su-prod"


@respx.mock
def test_prod_footage_skips_the_providers_left_unset(tmp_path, monkeypatch):
    """In prod every footage key is optional: with only Pika's FAL_KEY the resource builds, Runway and
    Kling are skipped as not configured (nothing sent to them) and Pika delivers."""
    from dagster import build_resources

    from marketing_engine.pipeline import _env_names
    from marketing_engine.resources import prod_resources

    for name in ("RUNWAY_API_KEY", "KLING_ACCESS_KEY", "KLING_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FAL_KEY", "fa-prod")
    footage = prod_resources()["footage"]
    assert _env_names(footage) == ["FAL_KEY"]  # the only setting `make run` asks for
    runway, kling = respx.route(host="api.dev.runwayml.com"), respx.route(host="api.klingai.com")
    _pika_delivers("https://queue.fal.run", "p2", "https://cdn.test/q.mp4")  # Pika's own host
    with build_resources({"footage": footage}) as resources:
        got = resources.footage.clip_with_fallback("a calm morning", "9:16", tmp_path / "q.mp4")
    assert got["provider"] == "pika" and not runway.called and not kling.called
    errors = [a["error"] for a in got["attempts"]]
    assert errors == [
        "runway: no API key configured",
        "kling: KLING_ACCESS_KEY and KLING_SECRET_KEY not set: Kling signs each request with both keys",
    ]
