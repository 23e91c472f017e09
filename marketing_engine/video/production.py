"""A topic's renditions rendered, gated and delivered: what `rendered_videos` makes of the studio's tracks.

Every rendition is rendered (or taken from the render cache when its manifest is unchanged), then run
through every platform gate as encoded. Per rendition it leaves the video and thumbnail in the media
store and in the topic's folder (with the SRT and VTT sidecars beside them, where a person reviews
them), a `video_assets` row carrying the gate status (only `passed` is ever published) and two
content-registry records (video, thumbnail) with their provenance.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from marketing_engine.files import copy_file, write_bytes
from marketing_engine.settings import home_dir
from marketing_engine.video.gates import GateReport, gate_renditions
from marketing_engine.video.script import VideoScript
from marketing_engine.video.step import Step
from marketing_engine.video.studio import RenderedRendition, render_renditions
from marketing_engine.video.topics import topic_folder
from marketing_engine.warehouse.registry import ContentRecord, stored_record

SIDECARS = ("srt", "vtt")


class MediaStore(Protocol):
    def put_file(self, path: Path | str, content_type: str | None = None) -> Any: ...
    def get_bytes(self, key: str) -> bytes: ...
    def local_path(self, key: str) -> Path: ...


@dataclass(frozen=True)
class Tracks:
    """What the studio made before the render, as its assets handed it on."""

    dna: dict[str, Any]
    script: VideoScript
    voice: dict[str, Any]
    music: dict[str, Any]
    visuals: dict[str, dict[str, Any]]
    captions: dict[str, dict[str, Any]]


@dataclass
class Production:
    folder: Path
    rendered: list[RenderedRendition]
    gates: dict[str, GateReport]
    render_seconds: float
    gate_seconds: float
    value: dict[str, dict[str, Any]] = field(default_factory=dict)  # per rendition, for video_metadata
    rows: list[dict[str, Any]] = field(default_factory=list)  # video_assets
    records: list[ContentRecord] = field(default_factory=list)  # content registry

    def as_step(self) -> Step:
        """What `rendered_videos` hands on and shows: timings, failed gates, the folder, a thumbnail."""
        metadata = {
            "renditions": len(self.rendered),
            "render_seconds": round(self.render_seconds, 1),
            "gate_seconds": round(self.gate_seconds, 1),
            "gates_failed": sum(not gate.passed for gate in self.gates.values()),
        }
        thumbnail = self.folder / f"{self.rendered[0].rendition}.png"
        links = {"folder": str(self.folder), "thumbnail": str(thumbnail)}
        videos = (self.rows, ["rendition", "width", "height", "duration_s", "manifest_sha256"])
        return Step(self.value, metadata, links, {"videos": videos})


def produce(
    store: MediaStore, tracks: Tracks, topic: str, cached: Mapping[str, str], provenance: Mapping[str, Any]
) -> Production:
    """Render into the render cache (skipping renditions whose manifest sha256 `cached` holds), gate,
    then store each rendition and copy it into the topic's folder. `provenance` (the asset and run that
    made them) goes on each content record with the rendition's manifest sha256, voice engine and music."""
    script, length = tracks.script, float(tracks.script.length_s)
    folder, cache = topic_folder(topic), home_dir("cache") / "renders"
    started = time.perf_counter()
    rendered = render_renditions(
        store,
        tracks.dna,
        script,
        tracks.voice,
        tracks.music,
        tracks.visuals,
        tracks.captions,
        length,
        cache,
        dict(cached),
    )
    rendered_at = time.perf_counter()
    gates = gate_renditions(rendered, length)
    inputs = {"voice": tracks.voice.get("engine"), "music_key": tracks.music.get("key")}
    made = Production(folder, rendered, gates, rendered_at - started, time.perf_counter() - rendered_at)
    for item in rendered:
        video, thumb = store.put_file(item.video), store.put_file(item.thumbnail)
        ref = f"{topic}/{script.length_s}s/{item.rendition}"
        origin = {**provenance, "manifest_sha256": item.manifest_sha256, **inputs}
        made.records += [
            stored_record("video", ref, video, origin),
            stored_record("image", f"{ref}#thumbnail", thumb, origin),
        ]
        copy_file(item.video, folder / f"{item.rendition}.mp4")
        copy_file(item.thumbnail, folder / f"{item.rendition}.png")
        for suffix in SIDECARS:
            sidecar = store.get_bytes(tracks.captions[item.rendition]["keys"][suffix])
            write_bytes(folder / f"{item.rendition}.{suffix}", sidecar)
        made.rows.append(_row(item, gates[item.rendition], video, thumb, topic, script.length_s))
        made.value[item.rendition] = {
            "media_key": video.key,
            "thumbnail_key": thumb.key,
            "file": str(folder / f"{item.rendition}.mp4"),
            "manifest_sha256": item.manifest_sha256,
            "caption_box": item.caption_box,
        }
    return made


def _row(
    item: RenderedRendition, gate: GateReport, video: Any, thumb: Any, topic: str, length_s: int
) -> dict:
    """The rendition's `video_assets` row (without the brand) with its gate status and report."""
    size = item.manifest["rendition"]
    return {
        "topic": topic,
        "length_s": length_s,
        "rendition": item.rendition,
        "width": size["width"],
        "height": size["height"],
        "duration_s": float(length_s),
        "media_key": video.key,
        "sha256": video.sha256,
        "thumbnail_key": thumb.key,
        "manifest_sha256": item.manifest_sha256,
        "gate_status": gate.status,
        # the render's own measurement of the encoded picture: the gates then decode only sound
        "gate_report": gate.as_dict() | ({"picture": item.picture} if item.picture else {}),
    }
