"""One client for asynchronous media-generation job APIs (video footage, music): submit a job, poll
it until it succeeds, fails or runs out of time, download the result.

Providers differ only in paths and JSON shapes, so each is a `JobShape` (how to read a job id, a
status, an output URL and an error from its responses); HTTP retries use the shared policy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from marketing_engine.files import write_bytes
from marketing_engine.resources.http import ProviderError, send_with_retry


class JobFailed(ProviderError):
    """The provider ran the job and reported failure."""


class JobTimedOut(ProviderError):
    """The job did not finish within the allowed time."""


def _dig(body: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(body, list):
            body = body[int(part)] if part.isdigit() and int(part) < len(body) else None
        elif isinstance(body, dict):
            body = body.get(part)
        else:
            return None
    return body


@dataclass(frozen=True)
class JobShape:
    """Where a provider puts the job id, status, output URL and error message in its JSON."""

    id_path: str = "id"
    status_path: str = "status"
    output_path: str = "output_url"
    error_path: str = "error"
    done: frozenset[str] = frozenset({"succeeded", "complete", "completed", "finished", "succeed"})
    failed: frozenset[str] = frozenset({"failed", "error", "cancelled", "canceled"})
    auth_header: str = "Authorization"
    auth_prefix: str = "Bearer "
    extra_headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    id: str
    status: str
    output_url: str | None = None
    body: Any = None


@dataclass
class JobAPI:
    provider: str
    base_url: str
    api_key: str | None
    shape: JobShape = field(default_factory=JobShape)
    poll_interval_s: float = 5.0
    timeout_s: float = 600.0
    sleep: Callable[[float], None] = field(default=lambda seconds: time.sleep(seconds))
    clock: Callable[[], float] = time.monotonic
    transport: httpx.BaseTransport | None = None
    # Signs each request itself (Kling's short-lived JWT) instead of sending `api_key` as it is.
    auth: httpx.Auth | None = None

    def _client(self) -> httpx.Client:
        headers = dict(self.shape.extra_headers)
        if self.auth is None:
            if not self.api_key:
                raise ProviderError(self.provider, "no API key configured")
            headers[self.shape.auth_header] = f"{self.shape.auth_prefix}{self.api_key}"
        return httpx.Client(
            base_url=self.base_url, headers=headers, auth=self.auth, timeout=60.0, transport=self.transport
        )

    def _job(self, body: Any, submitted: bool = False) -> Job:
        job_id = _dig(body, self.shape.id_path)
        status = str(_dig(body, self.shape.status_path) or ("queued" if submitted else "")).lower()
        if not job_id or not status:
            raise ProviderError(self.provider, f"malformed job response: {str(body)[:200]}")
        return Job(str(job_id), status, _dig(body, self.shape.output_path), body)

    def submit(self, path: str, payload: dict[str, Any]) -> Job:
        with self._client() as client:
            response = send_with_retry(
                client, "POST", path, provider=self.provider, json=payload, sleep=self.sleep
            )
        try:
            return self._job(response.json(), submitted=True)
        except ValueError:
            raise ProviderError(self.provider, "submit response is not JSON") from None

    def wait(self, path: str, result_path: str | None = None) -> Job:
        """Poll until done; JobFailed with the provider's reason, JobTimedOut after `timeout_s`."""
        deadline = self.clock() + self.timeout_s
        with self._client() as client:
            while True:
                response = send_with_retry(client, "GET", path, provider=self.provider, sleep=self.sleep)
                try:
                    job = self._job(response.json())
                except ValueError:
                    raise ProviderError(self.provider, "status response is not JSON") from None
                if job.status in self.shape.done:
                    if result_path:  # queue APIs (fal) keep the output at a separate result URL
                        body = send_with_retry(
                            client, "GET", result_path, provider=self.provider, sleep=self.sleep
                        ).json()
                        job = Job(job.id, job.status, _dig(body, self.shape.output_path), body)
                    if not job.output_url:
                        raise ProviderError(self.provider, f"job {job.id} finished without an output URL")
                    return job
                if job.status in self.shape.failed:
                    reason = _dig(job.body, self.shape.error_path) or "no reason given"
                    raise JobFailed(self.provider, f"job {job.id} failed: {reason}")
                if self.clock() >= deadline:
                    raise JobTimedOut(
                        self.provider,
                        f"job {job.id} still {job.status} after {self.timeout_s:.0f} s",
                        retryable=True,
                    )
                self.sleep(self.poll_interval_s)

    def download(self, url: str, target: Path) -> Path:
        with httpx.Client(timeout=120.0, transport=self.transport, follow_redirects=True) as client:
            response = send_with_retry(client, "GET", url, provider=self.provider, sleep=self.sleep)
        if not response.content:
            raise ProviderError(self.provider, f"empty download from {url}")
        write_bytes(target, response.content)
        return target
