"""From a script and its spoken word timings to the timeline: segments, caption words, manifest."""

from __future__ import annotations

import re
from typing import Any

from marketing_engine.video.captions import TimedWord
from marketing_engine.video.library import Rendition
from marketing_engine.video.render import ENCODER, MANIFEST_VERSION
from marketing_engine.video.script import VideoScript, beat_headline
from marketing_engine.video.visuals import Segment

VOICE_OFFSET = 0.3


class TimelineError(ValueError):
    """The voice-over does not fit the video's length, or its timings do not match the script."""


def caption_words(narration: str, spoken: list[dict[str, Any]], offset: float) -> list[TimedWord]:
    """Spoken words shifted by the voice offset; a word followed by . ! ? closes a sentence."""
    timed = []
    for word in spoken:
        end_char = int(word["char_start"]) + len(word["word"])
        following = narration[end_char : end_char + 2]
        timed.append(
            TimedWord(
                word["word"],
                round(word["start"] + offset, 3),
                round(word["end"] + offset, 3),
                bool(re.match(r"\W*[.!?]", following)),
            )
        )
    return timed


def segments(
    script: VideoScript, spoken: list[dict[str, Any]], duration: float, offset: float
) -> list[Segment]:
    """Hook, beats and call to action, each starting when its first word is spoken."""
    if not spoken:
        raise TimelineError(f"voice-over for {script.topic!r} has no word timings")
    parts = script.narration_parts()
    starts, position = [], 0
    for part in parts:
        first = next((w for w in spoken if int(w["char_start"]) >= position), spoken[-1])
        starts.append(0.0 if not starts else round(first["start"] + offset - 0.15, 3))
        position += len(part) + 1
    last_word_end = spoken[-1]["end"] + offset
    if last_word_end > duration - 0.5:
        raise TimelineError(
            f"voice-over for {script.topic!r} runs {last_word_end:.1f} s; the {duration:.0f} s video needs it "
            "to end half a second before the end"
        )
    kinds = ["hook", *["beat"] * len(script.beats), "cta"]
    labels = ["", *(beat.on_screen for beat in script.beats), ""]
    texts = [script.hook_on_screen, *(beat.on_screen for beat in script.beats), script.cta_on_screen]
    b_rolls = ["", *(beat.b_roll for beat in script.beats), ""]
    built = []
    for index, kind in enumerate(kinds):
        end = starts[index + 1] if index + 1 < len(starts) else duration
        text = texts[index] if kind != "beat" else beat_headline(script.beats[index - 1])
        word_starts = _hook_word_starts(spoken, len(parts[0]), offset) if kind == "hook" else ()
        built.append(
            Segment(kind, labels[index], text, starts[index], round(end, 3), b_rolls[index], word_starts)
        )
    return built


def _hook_word_starts(spoken: list[dict[str, Any]], hook_chars: int, offset: float) -> tuple[float, ...]:
    """Start times of the hook's words (its on-screen text is the spoken hook, word for word)."""
    return tuple(round(w["start"] + offset, 3) for w in spoken if int(w["char_start"]) < hook_chars)


def build_manifest(
    *,
    dna: dict[str, Any],
    rendition: Rendition,
    duration: float,
    layers: list[dict[str, Any]],
    captions_key: str,
    voice_key: str,
    music_key: str,
    loudness: dict[str, str],
    music_gain: float,
    script_sha256: str,
) -> dict[str, Any]:
    """Everything the renderer needs, media by content key, nothing machine-specific."""
    return {
        "version": MANIFEST_VERSION,
        "dna_fingerprint": dna["fingerprint"],
        "script_sha256": script_sha256,
        "rendition": {
            "name": rendition.name,
            "width": rendition.width,
            "height": rendition.height,
            "aspect": rendition.aspect,
        },
        "fps": dna["fps"],
        "duration": round(duration, 3),
        "base_colour": "0x" + dna["palette"]["primary"].lstrip("#"),
        "layers": layers,
        "captions_key": captions_key,
        "audio": {
            "voice_key": voice_key,
            "music_key": music_key,
            "voice_offset": VOICE_OFFSET,
            "music_gain": music_gain,
            "loudness": loudness,
        },
        "encoder": dict(ENCODER),
    }
