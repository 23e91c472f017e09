"""The studio's steps as plain functions over the media store: script → voice → music → visuals →
captions → manifest → render. The Dagster assets call them one per asset; the benchmark and the
tests call them in a row.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from marketing_engine.files import replacing, seal, sealed, write_text
from marketing_engine.video import captions as cap
from marketing_engine.video.library import Rendition, rendition
from marketing_engine.video.render import (
    manifest_sha256,
    measure_loudness,
    picture_file,
    render_many,
    thumbnail,
    thumbnail_time,
)
from marketing_engine.video.script import VideoScript, check_timing, script_inputs
from marketing_engine.video.step import Step
from marketing_engine.video.timeline import VOICE_OFFSET, build_manifest, caption_words, segments
from marketing_engine.video.visuals import build_layers

MUSIC_GAIN = 0.32


class Stored(Protocol):
    key: str
    sha256: str


class Store(Protocol):
    def put_file(self, path: Path | str, content_type: str | None = None) -> Stored: ...
    def local_path(self, key: str) -> Path: ...


def script_request(
    profile: Any,
    dna: dict[str, Any],
    topic: str,
    length_s: int,
    trending: bool = False,
    headlines: list[str] | tuple[str, ...] = (),
    memory: Any = None,
) -> Any:
    """The `video_script` request: the brand's facts ordered by closeness to the topic (the offline
    composer's material), and a prompt carrying the same facts, the language and the facts-only rule.
    `memory` (`analytics.recall.WriterMemory`): campaign memory's findings go into the prompt, and its
    favoured hook type chooses the opening trigger."""
    from babel import Locale

    from marketing_engine.llm import LLMRequest

    learned = memory.as_inputs() if memory is not None else None
    inputs = script_inputs(
        profile, topic, length_s, dna["words_per_minute"], dna["outro_seconds"], trending, headlines, learned
    )
    language = Locale.parse(profile.babel_locale).get_display_name("en")
    news = "".join(f"\n- In the news: {h}" for h in headlines[:3])
    prompt = (
        f"Write a {length_s}-second short video script about {topic!r} for {profile.name}, in {language} "
        f"(set language to {profile.language!r}). Open with a hook for the first 3 seconds using the "
        f"'{inputs['trigger']['name']}' trigger ({inputs['trigger']['principle']}), template: "
        f"{inputs['trigger']['template']!r}. Then beats with on-screen text, narration and a b-roll "
        f"description, then a call to action. Spoken at {dna['words_per_minute']} words per minute it must "
        f"fit {length_s - dna['outro_seconds']:.0f} s.\n"
        + ("The topic is trending this week." if trending else "")
        + news
    )
    block = memory.prompt_block() if memory is not None else ""
    if block:
        prompt += f"\n{block}"
    return LLMRequest(
        task="video_script", prompt=prompt, inputs=inputs, system=profile.llm_context("short video scripts")
    )


def checked_script(data: Any, dna: dict[str, Any]) -> tuple[VideoScript, float]:
    script = data if isinstance(data, VideoScript) else VideoScript.model_validate(data)
    return script, check_timing(script, dna["words_per_minute"], dna["outro_seconds"])


def script_sha256(script: VideoScript) -> str:
    return hashlib.sha256(script.model_dump_json().encode()).hexdigest()


@dataclass(frozen=True)
class RenderedRendition:
    rendition: str
    video: Path
    thumbnail: Path
    manifest: dict[str, Any]
    manifest_sha256: str
    caption_box: dict[str, int]
    picture: dict[str, Any] | None = None  # the render's own measurement of black/frozen stretches


def visual_track(
    store: Store,
    dna: dict[str, Any],
    dna_obj: Any,
    script: VideoScript,
    voice: dict[str, Any],
    duration: float,
    name: str,
    seed: int,
) -> dict[str, Any]:
    """Draw one rendition's layers, store them, and return the layer list with content keys."""
    spec = rendition(name)
    timeline = segments(script, voice["words"], duration, VOICE_OFFSET)
    with tempfile.TemporaryDirectory(prefix="visuals-") as tmp:
        layers = build_layers(dna_obj, spec, timeline, duration, Path(tmp), seed)
        stored = []
        for layer in layers:
            obj = store.put_file(layer.file)
            stored.append(
                {
                    "name": layer.name,
                    "key": obj.key,
                    "start": round(layer.start, 3),
                    "end": round(layer.end, 3),
                    "x": layer.x,
                    "y": layer.y,
                }
            )
    return {
        "rendition": name,
        "layers": stored,
        "segments": [
            {"kind": s.kind, "text": s.text, "start": s.start, "end": s.end, "b_roll": s.b_roll}
            for s in timeline
        ],
    }


def caption_track(
    store: Store, dna: dict[str, Any], script: VideoScript, voice: dict[str, Any], name: str
) -> dict[str, Any]:
    """ASS (word highlight) for one rendition's geometry, plus SRT and VTT sidecars."""
    spec: Rendition = rendition(name)
    words = caption_words(script.narration, voice["words"], VOICE_OFFSET)
    pages = cap.paginate(words, dna["caption_words_per_page"])
    box = cap.layout(spec)
    keys = {}
    with tempfile.TemporaryDirectory(prefix="captions-") as tmp:
        for suffix, text in (
            ("ass", cap.to_ass(pages, box, dna["palette"], dna["font_name"])),
            ("srt", cap.to_srt(pages)),
            ("vtt", cap.to_vtt(pages)),
        ):
            path = Path(tmp) / f"{name}.{suffix}"
            path.write_text(text, encoding="utf-8")
            keys[suffix] = store.put_file(path, "text/plain" if suffix == "ass" else None).key
    return {"rendition": name, "keys": keys, "box": box.as_dict(), "pages": len(pages)}


def render_renditions(
    store: Store,
    dna: dict[str, Any],
    script: VideoScript,
    voice: dict[str, Any],
    music: dict[str, Any],
    visuals: dict[str, dict],
    captions: dict[str, dict],
    duration: float,
    out_dir: Path,
    cached: dict[str, str] | None = None,
) -> list[RenderedRendition]:
    """Measure loudness once, build each manifest, render the ones whose manifest changed."""
    loudness = measure_loudness(
        store.local_path(voice["key"]),
        store.local_path(music["key"]),
        offset=VOICE_OFFSET,
        gain=MUSIC_GAIN,
        duration=duration,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs, results = [], []
    for name in visuals:
        manifest = build_manifest(
            dna=dna,
            rendition=rendition(name),
            duration=duration,
            layers=visuals[name]["layers"],
            captions_key=captions[name]["keys"]["ass"],
            voice_key=voice["key"],
            music_key=music["key"],
            loudness=loudness,
            music_gain=MUSIC_GAIN,
            script_sha256=script_sha256(script),
        )
        digest = manifest_sha256(manifest)
        video = out_dir / f"{name}-{digest[:12]}.mp4"
        if not (cached and cached.get(name) == digest and sealed(video)):
            jobs.append((manifest, video))
        results.append((name, manifest, digest, video))
    render_many(jobs, store.local_path)
    for _, video in jobs:
        seal(video)  # what a later run checks before it trusts the cached file
    rendered = []
    for name, manifest, digest, video in results:
        thumb = video.with_suffix(".png")  # the render saves it; a cached render may have lost it
        if not thumb.is_file():
            with replacing(thumb) as partial:
                thumbnail(video, thumbnail_time(duration), partial)
        write_text(video.with_suffix(".json"), json.dumps(manifest, sort_keys=True, indent=1))
        measured = picture_file(video)
        picture = json.loads(measured.read_text(encoding="utf-8")) if measured.is_file() else None
        rendered.append(
            RenderedRendition(name, video, thumb, manifest, digest, captions[name]["box"], picture)
        )
    return rendered


def speak_to_fit(voice: Any, script: VideoScript, dna: dict[str, Any]) -> dict[str, Any]:
    """Speak the narration at the brand's pace; if it would overrun the video, speak faster (max 240 wpm)."""
    from marketing_engine.video.timeline import TimelineError

    rate = int(dna["words_per_minute"])
    room = script.length_s - VOICE_OFFSET - 1.0
    for _ in range(4):
        wav, words, cached = voice.speak(script.narration, dna["voice"], rate)
        spoken = words[-1]["end"] if words else 0.0
        if words and spoken <= room:
            return {
                "wav": wav,
                "words": words,
                "cached": cached,
                "words_per_minute": rate,
                "duration_s": round(spoken, 3),
            }
        if rate >= 240 or not words:
            break
        rate = min(240, int(rate * spoken / room * 1.04) + 1)
    raise TimelineError(
        f"the narration of {script.topic!r} does not fit {script.length_s} s even at {rate} wpm"
    )


def record_voiceover(voice: Any, store: Any, script: VideoScript, dna: dict[str, Any]) -> Step:
    """The narration spoken to fit (see `speak_to_fit`), stored, with one time per word and the engine."""
    spoken = speak_to_fit(voice, script, dna)
    stored = store.put_file(spoken["wav"])
    value = {
        "key": stored.key,
        "sha256": stored.sha256,
        "words": spoken["words"],
        "duration_s": spoken["duration_s"],
        "words_per_minute": spoken["words_per_minute"],
        "engine": voice.engine_version(),
    }
    metadata = {
        "duration_s": spoken["duration_s"],
        "words": len(spoken["words"]),
        "cached": spoken["cached"],
        "words_per_minute": spoken["words_per_minute"],
        "engine": value["engine"],
        "voice": voice.voice_name(dna["voice"]),
        "not_configured": _not_configured(voice, "the offline espeak voice spoke"),
    }
    first_words = (spoken["words"][:8], ["word", "start", "end"])
    return Step(value, metadata, {"wav": store.uri(stored.key)}, {"first_words": first_words})


def _not_configured(resource: Any, instead: str) -> str:
    """`elevenlabs not configured (ELEVENLABS_API_KEY): <instead>`, or '' when nothing is missing."""
    missing = resource.not_configured()
    return f"{resource.backend} not configured ({', '.join(missing)}): {instead}" if missing else ""


def make_soundtrack(music: Any, store: Any, length_s: int, mood: str, seed: int) -> Step:
    """A soundtrack of the video's length in the brand's mood, stored."""
    wav, cached = music.soundtrack(mood, length_s, seed)
    stored = store.put_file(wav)
    value = {"key": stored.key, "sha256": stored.sha256, "length_s": length_s}
    metadata = {
        "mood": mood,
        "length_s": length_s,
        "cached": cached,
        "backend": music.engine(),
        "not_configured": _not_configured(music, "the offline synthesizer played"),
    }
    return Step(value, metadata, {"wav": store.uri(stored.key)})


def draw_visual_tracks(
    footage: Any,
    store: Store,
    dna: dict[str, Any],
    dna_obj: Any,
    script: VideoScript,
    voice: dict[str, Any],
    renditions: list[str],
    seed: int,
) -> Step:
    """Every rendition's visual track (see `visual_track`), with the footage backend's b-roll clips
    put under the beats where it makes any."""
    tracks = {
        name: visual_track(store, dna, dna_obj, script, voice, script.length_s, name, seed)
        for name in renditions
    }
    clips = footage.b_roll_clips(script, store, tracks)
    metadata = {
        "renditions": ", ".join(tracks),
        "layers": sum(len(t["layers"]) for t in tracks.values()),
        "footage_backend": footage.backend,
        "generated_clips": clips["clips"],
        "footage_cost_usd": clips["cost_usd"],
        "footage_failed": clips["failed"],
    }
    segments = (next(iter(tracks.values()))["segments"], ["kind", "start", "end", "text"])
    return Step(tracks, metadata, tables={"segments": segments})


def write_caption_tracks(
    store: Any, dna: dict[str, Any], script: VideoScript, voice: dict[str, Any], renditions: list[str]
) -> Step:
    """Every rendition's captions (see `caption_track`), previewing the first file's first SRT lines."""
    tracks = {name: caption_track(store, dna, script, voice, name) for name in renditions}
    first = next(iter(tracks.values()))
    srt = store.get_bytes(first["keys"]["srt"]).decode()
    preview = "```\n" + "\n".join(srt.splitlines()[:12]) + "\n```"
    metadata = {"pages": first["pages"], "renditions": ", ".join(tracks)}
    return Step(tracks, metadata, markdown={"srt_preview": preview})
