"""The Music resource: a soundtrack WAV for a mood and length.

Backends: `synth` (default, offline: the seeded synthesizer in `video/music.py`, royalty-free by
construction) and `suno` (a Suno-style job API: submit a generation, poll it, download the audio).
`suno` without SUNO_API_KEY or SUNO_BASE_URL is not configured: the synthesizer plays and
`not_configured()` names what is missing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from dagster import ConfigurableResource
from pydantic import Field

from marketing_engine.ffmpeg import run as run_child
from marketing_engine.resources.media_jobs import JobAPI
from marketing_engine.settings import home_dir


class MusicResource(ConfigurableResource):
    """`backend: synth` (offline default) or `suno` (needs SUNO_API_KEY and SUNO_BASE_URL)."""

    backend: Literal["synth", "suno"] = "synth"
    api_key: str | None = Field(default=None, description="Only through EnvVar('SUNO_API_KEY').")
    base_url: str | None = Field(default=None, description="EnvVar('SUNO_BASE_URL') in prod.")
    poll_interval_s: float = 5.0
    timeout_s: float = 600.0

    def not_configured(self) -> list[str]:
        """The settings the chosen backend lacks; while any is missing the synthesizer plays."""
        if self.backend != "suno":
            return []
        return [
            name
            for name, value in (("SUNO_API_KEY", self.api_key), ("SUNO_BASE_URL", self.base_url))
            if not value
        ]

    def engine(self) -> str:
        """The backend that plays: the chosen one, or synth when that one is not configured."""
        return "synth" if self.not_configured() else self.backend

    def soundtrack(self, mood: str, seconds: float, seed: int) -> tuple[Path, bool]:
        """(WAV path at 48 kHz stereo, whether it came from the cache)."""
        digest = hashlib.sha256(
            json.dumps([self.engine(), mood, round(seconds, 3), seed]).encode()
        ).hexdigest()
        target = home_dir("cache") / "music" / f"{digest}.wav"
        if target.is_file():
            return target, True
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial.wav")
        if self.engine() == "synth":
            from marketing_engine.video.music import synthesize, write_wav

            write_wav(synthesize(mood, seconds, seed), partial)
        else:
            self._suno(mood, seconds, partial)
        partial.replace(target)
        return target, False

    def _suno(self, mood: str, seconds: float, target: Path) -> None:
        api = JobAPI(
            provider="suno",
            base_url=self.base_url or "",
            api_key=self.api_key,
            poll_interval_s=self.poll_interval_s,
            timeout_s=self.timeout_s,
        )
        job = api.submit(
            "/api/v1/generate",
            {
                "prompt": f"{mood} instrumental background music for a short marketing video",
                "make_instrumental": True,
                "duration": round(seconds),
            },
        )
        result = api.wait(f"/api/v1/generate/{job.id}")
        downloaded = target.with_suffix(".download")
        api.download(result.output_url, downloaded)
        # The provider returns MP3; the renderer and the gates want a fixed-length 48 kHz WAV.
        run_child(
            [
                "ffmpeg",
                "-y",
                "-loglevel",
                "error",
                "-i",
                str(downloaded),
                "-ar",
                "48000",
                "-ac",
                "2",
                "-t",
                f"{seconds:.3f}",
                str(target),
            ],
            check=True,
        )
        downloaded.unlink(missing_ok=True)
