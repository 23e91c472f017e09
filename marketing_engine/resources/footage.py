"""The Footage resource: b-roll for each beat of a script.

`motion` (offline default): no clips are fetched; the motion graphics drawn from the video DNA are
the picture. `runway`, `pika`, `kling`: text-to-video job APIs (submit, poll, download) tried in
the order of `chain`; a provider that fails, times out or is not configured hands over to the next,
and `motion` at the end of the chain always succeeds. Cost per clip is recorded.

Runway and Pika take their API key as it is; Kling wants a JWT signed with the account's secret key
(`KlingJWT`), so its requests carry a short-lived token and never the secret itself.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
import jwt
from dagster import ConfigurableResource
from pydantic import Field, PrivateAttr

from marketing_engine.resources.http import ProviderError
from marketing_engine.resources.media_jobs import JobAPI, JobShape

Provider = Literal["motion", "runway", "pika", "kling"]
# Published list prices per generated second (USD), used for the cost metadata.
PRICE_PER_SECOND = {"runway": 0.05, "pika": 0.04, "kling": 0.07}


@dataclass(frozen=True)
class ProviderAPI:
    base_url: str
    submit_path: str
    status_path: str  # with {id}
    result_path: str | None
    shape: JobShape

    def payload(self, prompt: str, seconds: int, ratio: str) -> dict[str, Any]:
        raise NotImplementedError


class _Runway(ProviderAPI):
    def payload(self, prompt: str, seconds: int, ratio: str) -> dict[str, Any]:
        size = {"9:16": "720:1280", "16:9": "1280:720"}.get(ratio, "960:960")
        return {"model": "gen4_turbo", "promptText": prompt, "duration": seconds, "ratio": size}


class _Pika(ProviderAPI):
    def payload(self, prompt: str, seconds: int, ratio: str) -> dict[str, Any]:
        return {"prompt": prompt, "duration": seconds, "aspect_ratio": ratio, "resolution": "720p"}


class _Kling(ProviderAPI):
    def payload(self, prompt: str, seconds: int, ratio: str) -> dict[str, Any]:
        return {"model_name": "kling-v1-6", "prompt": prompt, "duration": str(seconds), "aspect_ratio": ratio}


class KlingJWT(httpx.Auth):
    """Kling's authentication: each request carries `Authorization: Bearer <JWT>`, an HS256 token
    whose header is {"alg": "HS256", "typ": "JWT"} and whose claims are iss = the access key,
    exp = now + 30 min, nbf = now - 5 s (Kling API reference, "General information: authentication").
    A token is reused until a minute before it expires, then a fresh one is signed."""

    TTL_S = 1800
    NOT_BEFORE_S = 5
    RENEW_BEFORE_S = 60

    def __init__(self, access_key: str, secret_key: str, clock: Callable[[], float] = time.time):
        self._access_key, self._secret_key, self._clock = access_key, secret_key, clock
        self._token: str | None = None
        self._expires = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never the keys
        return "KlingJWT(***)"

    def token(self) -> str:
        with self._lock:
            now = int(self._clock())
            if self._token is None or now >= self._expires - self.RENEW_BEFORE_S:
                self._expires = now + self.TTL_S
                claims = {"iss": self._access_key, "exp": self._expires, "nbf": now - self.NOT_BEFORE_S}
                self._token = jwt.encode(
                    claims, self._secret_key, algorithm="HS256", headers={"alg": "HS256", "typ": "JWT"}
                )
            return self._token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        yield request


PROVIDERS: dict[str, ProviderAPI] = {
    "runway": _Runway(
        "https://api.dev.runwayml.com",
        "/v1/text_to_video",
        "/v1/tasks/{id}",
        None,
        JobShape(
            output_path="output.0",
            error_path="failure",
            done=frozenset({"succeeded"}),
            failed=frozenset({"failed", "cancelled"}),
            extra_headers={"X-Runway-Version": "2024-11-06"},
        ),
    ),
    "pika": _Pika(
        "https://queue.fal.run",
        "/fal-ai/pika/v2.2/text-to-video",
        "/fal-ai/pika/requests/{id}/status",
        "/fal-ai/pika/requests/{id}",
        JobShape(
            id_path="request_id",
            output_path="video.url",
            error_path="error",
            done=frozenset({"completed"}),
            failed=frozenset({"failed", "error"}),
            auth_prefix="Key ",
        ),
    ),
    "kling": _Kling(
        "https://api.klingai.com",
        "/v1/videos/text2video",
        "/v1/videos/text2video/{id}",
        None,
        JobShape(
            id_path="data.task_id",
            status_path="data.task_status",
            output_path="data.task_result.videos.0.url",
            error_path="data.task_status_msg",
            done=frozenset({"succeed"}),
            failed=frozenset({"failed"}),
        ),
    ),
}


class FootageResource(ConfigurableResource):
    """`backend: motion` (offline default) or a job API; `chain` lists fallbacks tried in order."""

    backend: Provider = "motion"
    chain: list[str] = Field(
        default_factory=list, description="Fallbacks after `backend`: runway, pika, kling, motion."
    )
    runway_api_key: str | None = Field(default=None, description="Only through EnvVar('RUNWAY_API_KEY').")
    pika_api_key: str | None = Field(default=None, description="Only through EnvVar('FAL_KEY').")
    kling_access_key: str | None = Field(default=None, description="Only through EnvVar('KLING_ACCESS_KEY').")
    kling_secret_key: str | None = Field(default=None, description="Only through EnvVar('KLING_SECRET_KEY').")
    clip_seconds: int = 5
    poll_interval_s: float = 5.0
    timeout_s: float = 600.0
    base_urls: dict[str, str] = Field(
        default_factory=dict, description="Override provider base URLs (tests)."
    )

    _log: list[dict[str, Any]] = PrivateAttr(default_factory=list)
    _kling: KlingJWT | None = PrivateAttr(default=None)

    def _key(self, provider: str) -> str | None:
        return {"runway": self.runway_api_key, "pika": self.pika_api_key}.get(provider)

    def _auth(self, provider: str) -> httpx.Auth | None:
        """Kling's request signer (one per resource, so its token is reused); None for the others."""
        if provider != "kling":
            return None
        if self._kling is None:
            missing = [
                name
                for name, value in (
                    ("KLING_ACCESS_KEY", self.kling_access_key),
                    ("KLING_SECRET_KEY", self.kling_secret_key),
                )
                if not value
            ]
            if missing:
                raise ProviderError(
                    "kling", f"{' and '.join(missing)} not set: Kling signs each request with both keys"
                )
            self._kling = KlingJWT(str(self.kling_access_key), str(self.kling_secret_key))
        return self._kling

    def generate_clip(self, provider: str, prompt: str, ratio: str, target: Path) -> dict[str, Any]:
        """Run one job at one provider; raises ProviderError (JobFailed, JobTimedOut) when it fails."""
        api = PROVIDERS[provider]
        client = JobAPI(
            provider=provider,
            base_url=self.base_urls.get(provider, api.base_url),
            api_key=self._key(provider),
            auth=self._auth(provider),
            shape=api.shape,
            poll_interval_s=self.poll_interval_s,
            timeout_s=self.timeout_s,
        )
        job = client.submit(api.submit_path, api.payload(prompt, self.clip_seconds, ratio))
        done = client.wait(
            api.status_path.format(id=job.id), api.result_path.format(id=job.id) if api.result_path else None
        )
        client.download(str(done.output_url), target)
        return {
            "provider": provider,
            "job_id": job.id,
            "seconds": self.clip_seconds,
            "cost_usd": round(PRICE_PER_SECOND[provider] * self.clip_seconds, 4),
        }

    def clip_with_fallback(self, prompt: str, ratio: str, target: Path) -> dict[str, Any] | None:
        """The first provider of the chain that delivers; None means motion graphics stay the picture."""
        attempts = []
        for provider in [self.backend, *self.chain]:
            if provider == "motion":
                break
            if provider not in PROVIDERS:
                raise ValueError(
                    f"footage chain: unknown provider {provider!r} (runway, pika, kling, motion)"
                )
            try:
                return {**self.generate_clip(provider, prompt, ratio, target), "attempts": attempts}
            except ProviderError as exc:
                attempts.append({"provider": provider, "error": str(exc)})
        self._log.append({"prompt": prompt, "attempts": attempts})
        return None

    def b_roll_clips(self, script: Any, store: Any, tracks: dict[str, dict]) -> dict[str, Any]:
        """Fetch one clip per beat and put it under that beat's card in every rendition."""
        if self.backend == "motion" and not self.chain:
            return {"clips": 0, "cost_usd": 0.0, "failed": 0}
        clips, cost, failed = 0, 0.0, 0
        for name, track in tracks.items():
            ratio = {"vertical": "9:16", "landscape": "16:9", "portrait": "4:5"}.get(name, "1:1")
            beats = [s for s in track["segments"] if s["kind"] == "beat"]
            for index, segment in enumerate(beats):
                with tempfile.TemporaryDirectory() as tmp:
                    target = Path(tmp) / "clip.mp4"
                    got = self.clip_with_fallback(segment["b_roll"], ratio, target)
                    if got is None:
                        failed += 1
                        continue
                    stored = store.put_file(target)
                track["layers"].insert(
                    1,
                    {
                        "name": f"clip-{index}",
                        "kind": "clip",
                        "key": stored.key,
                        "start": segment["start"],
                        "end": segment["end"],
                        "x": "0",
                        "y": "0",
                    },
                )
                clips += 1
                cost += got["cost_usd"]
        return {"clips": clips, "cost_usd": round(cost, 4), "failed": failed}
