"""The Voice resource: text in, a WAV and one start/end time per spoken word out.

Backends: `espeak` (default, offline: libespeak-ng word events through ctypes) and `elevenlabs`
(the with-timestamps endpoint over httpx; character alignment grouped into words). `elevenlabs`
without its key is not configured: the offline espeak voice speaks and `not_configured()` says why.
Results are cached by content: the same text, voice, rate and engine version are never synthesized twice.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import wave
from pathlib import Path
from typing import Any, Literal

from dagster import ConfigurableResource
from pydantic import Field

from marketing_engine.files import write_bytes, write_text
from marketing_engine.settings import home_dir

ELEVENLABS_URL = "https://api.elevenlabs.io"


class VoiceError(RuntimeError):
    """The voice backend is misconfigured or returned unusable audio."""


def words_from_alignment(text: str, alignment: dict[str, Any]) -> list[dict[str, Any]]:
    """Group ElevenLabs' per-character times into words, keeping each word's position in `text`."""
    chars = alignment.get("characters") or []
    starts = alignment.get("character_start_times_seconds") or []
    ends = alignment.get("character_end_times_seconds") or []
    if not (len(chars) == len(starts) == len(ends)) or not chars:
        raise VoiceError("elevenlabs: alignment is missing or its arrays differ in length")
    words: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for index, char in enumerate(chars):
        if char.isalnum() or char in "'’-":
            if current is None:
                current = {"word": "", "start": float(starts[index]), "char_start": index}
            current["word"] += char
            current["end"] = float(ends[index])
        elif current is not None:
            words.append(current)
            current = None
    if current is not None:
        words.append(current)
    return [{**w, "start": round(w["start"], 3), "end": round(w["end"], 3)} for w in words]


def pcm_to_wav(pcm: bytes, sample_rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(sample_rate)
        handle.writeframes(pcm)
    return buffer.getvalue()


class VoiceResource(ConfigurableResource):
    """`backend: espeak` (offline default) or `elevenlabs` (needs ELEVENLABS_API_KEY)."""

    backend: Literal["espeak", "elevenlabs"] = "espeak"
    api_key: str | None = Field(default=None, description="Only through EnvVar('ELEVENLABS_API_KEY').")
    voice_id: str = Field(default="21m00Tcm4TlvDq8ikWAM", description="ElevenLabs voice id.")
    model_id: str = "eleven_multilingual_v2"
    base_url: str = ELEVENLABS_URL
    timeout_s: float = 60.0

    def not_configured(self) -> list[str]:
        """The settings the chosen backend lacks; while any is missing the espeak voice speaks."""
        return ["ELEVENLABS_API_KEY"] if self.backend == "elevenlabs" and not self.api_key else []

    def engine(self) -> str:
        """The backend that speaks: the chosen one, or espeak when that one is not configured."""
        return "espeak" if self.not_configured() else self.backend

    def engine_version(self) -> str:
        if self.engine() == "espeak":
            from marketing_engine.video.speech import TIMINGS_VERSION, espeak_version

            return f"espeak-ng {espeak_version()} (timings v{TIMINGS_VERSION})"
        return f"elevenlabs {self.model_id} {self.voice_id}"

    def voice_name(self, language: str) -> str:
        """Which voice speaks `language` on this backend (for metadata and reports)."""
        if self.engine() == "espeak":
            from marketing_engine.video.speech import resolve_voice

            chosen = resolve_voice(language)
            return f"{chosen.name} ({chosen.identifier}) for {language}"
        return f"{self.voice_id} ({self.model_id}) for {language}"

    def speak(self, text: str, voice: str, words_per_minute: int) -> tuple[Path, list[dict[str, Any]], bool]:
        """(WAV path, word timings, whether it came from the cache)."""
        payload = json.dumps([text, voice, words_per_minute, self.engine(), self.engine_version()])
        digest = hashlib.sha256(payload.encode()).hexdigest()
        folder = home_dir("cache") / "voice"
        folder.mkdir(parents=True, exist_ok=True)
        wav, timings = folder / f"{digest}.wav", folder / f"{digest}.json"
        if wav.is_file() and timings.is_file():
            return wav, json.loads(timings.read_text()), True
        if self.engine() == "espeak":
            words = self._espeak(text, voice, words_per_minute, wav)
        else:
            words = self._elevenlabs(text, wav)
        write_text(timings, json.dumps(words))
        return wav, words, False

    def _espeak(self, text: str, voice: str, words_per_minute: int, target: Path) -> list[dict[str, Any]]:
        from marketing_engine.video.speech import synthesize

        speech = synthesize(text, voice=voice, rate=words_per_minute)
        partial = target.with_suffix(".partial")
        speech.write_wav(partial)
        partial.replace(target)
        return [
            {"word": w.word, "start": w.start, "end": w.end, "char_start": w.char_start} for w in speech.words
        ]

    def _elevenlabs(self, text: str, target: Path) -> list[dict[str, Any]]:
        import httpx

        from marketing_engine.resources.http import ProviderError, send_with_retry

        with httpx.Client(base_url=self.base_url, timeout=self.timeout_s) as client:
            response = send_with_retry(
                client,
                "POST",
                f"/v1/text-to-speech/{self.voice_id}/with-timestamps",
                provider="elevenlabs",
                params={"output_format": "pcm_22050"},
                headers={"xi-api-key": self.api_key or ""},
                json={"text": text, "model_id": self.model_id},
            )
        try:
            body = response.json()
            pcm = base64.b64decode(body["audio_base64"], validate=True)
            alignment = body.get("alignment") or body.get("normalized_alignment") or {}
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError("elevenlabs", f"malformed with-timestamps response: {exc}") from None
        words = words_from_alignment(text, alignment)
        write_bytes(target, pcm_to_wav(pcm, 22050))
        return words
