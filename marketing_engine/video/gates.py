"""Quality gates for a rendered video: ffprobe for the container and streams, one ffmpeg analysis
pass (ebur128, blackdetect, freezedetect, silencedetect) for what a viewer sees and hears, all
checked against the platform spec table. A failing rendition gets one sentence per broken rule.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from marketing_engine.ffmpeg import run as run_child
from marketing_engine.video import library
from marketing_engine.video.captions import layout
from marketing_engine.video.library import Rendition, spec_table

if TYPE_CHECKING:
    from marketing_engine.video.studio import RenderedRendition

MAX_GAP_S = 1.0


class GateError(RuntimeError):
    """ffprobe/ffmpeg could not read the file at all."""


@dataclass
class GateReport:
    rendition: str
    failures: list[str] = field(default_factory=list)
    measurements: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def status(self) -> str:
        """What `video_assets.gate_status` says: only a `passed` rendition is ever published."""
        return "passed" if self.passed else "failed"

    def as_dict(self) -> dict[str, Any]:
        return {
            "rendition": self.rendition,
            "passed": self.passed,
            "failures": self.failures,
            "measurements": self.measurements,
        }


def probe(path: Path) -> dict[str, Any]:
    result = run_child(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise GateError(f"{path.name}: ffprobe cannot read it: {result.stderr.strip()[-200:]}")
    return json.loads(result.stdout)


def moov_before_mdat(path: Path) -> bool:
    """+faststart: the index (moov) comes before the media data, so playback starts at once."""
    with path.open("rb") as handle:
        while header := handle.read(8):
            if len(header) < 8:
                return False
            size, kind = int.from_bytes(header[:4], "big"), header[4:8]
            if kind == b"moov":
                return True
            if kind == b"mdat":
                return False
            if size == 1:
                size = int.from_bytes(handle.read(8), "big") - 8
            if size < 8:
                return False
            handle.seek(size - 8, 1)
    return False


# What a viewer sees: whole-frame black and a frozen picture, on a 360-px-wide copy of each frame.
# The renderer runs this same chain on the frames it encodes (see `render.render`), so a fresh render
# needs no second decode of its own picture.
PICTURE_PROBE = f"scale=360:-2:flags=fast_bilinear,blackdetect=d={MAX_GAP_S}:pix_th=0.10,freezedetect=n=-60dB:d={MAX_GAP_S}"
SOUND_PROBE = f"ebur128=peak=true,silencedetect=n=-50dB:d={MAX_GAP_S}"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def picture_from_log(log: str) -> dict[str, Any]:
    """The black and frozen stretches in an ffmpeg log where PICTURE_PROBE ran (at log level info)."""
    return {
        "black": [
            (float(a), float(b)) for a, b in re.findall(r"black_start:([\d.]+) black_end:([\d.]+)", log)
        ],
        "frozen": [float(d) for d in re.findall(r"freeze_duration: ([\d.]+)", log)],
        # freezedetect (like silencedetect) prints no end for a freeze that lasts until the end
        "freeze_open": [float(t) for t in re.findall(r"freeze_start: ([\d.]+)", log)][
            len(re.findall(r"freeze_end: ", log)) :
        ],
    }


def sound_from_log(log: str) -> dict[str, Any]:
    """Loudness, true peak and silent stretches in an ffmpeg log where SOUND_PROBE ran."""
    summary = log[log.rfind("Summary:") :] if "Summary:" in log else ""
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    return {
        "integrated_lufs": float(integrated.group(1)) if integrated else None,
        "true_peak_dbtp": float(peak.group(1)) if peak else None,
        "silent": [float(d) for d in re.findall(r"silence_duration: ([\d.]+)", log)],
        # silencedetect prints no end for a silence that lasts until the end of the file
        "silence_open": log.count("silence_start") > log.count("silence_end"),
    }


def analyse(path: Path, has_audio: bool = True, picture: dict[str, Any] | None = None) -> dict[str, Any]:
    """Loudness, true peak and the black, frozen and silent stretches, in one decode. With `picture`
    (the renderer's own measurement of these very frames) only the sound is decoded."""
    parts, maps = [], []
    if picture is None:
        parts.append(f"[0:v]{PICTURE_PROBE}[v]")
        maps += ["-map", "[v]"]
    if has_audio:
        parts.append(f"[0:a]{SOUND_PROBE}[a]")
        maps += ["-map", "[a]"]
    log = ""
    if parts:
        # Skipping the deblocking filter makes decoding a fifth cheaper and changes nothing these
        # detectors can see (whole-frame black, frozen picture, the audio); -vn skips the picture.
        skip = ["-vn"] if picture is not None else ["-skip_loop_filter", "all"]
        command = ["ffmpeg", "-hide_banner", "-nostats", *skip, "-i", str(path)]
        command += ["-filter_complex", ";".join(parts), *maps, "-f", "null", "-"]
        result = run_child(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise GateError(f"{path.name}: ffmpeg analysis failed: {result.stderr.strip()[-300:]}")
        log = result.stderr
    sound = sound_from_log(log)
    seen = picture_from_log(log) if picture is None else picture
    return {
        **{key: sound[key] for key in ("integrated_lufs", "true_peak_dbtp")},
        "black": [tuple(pair) for pair in seen["black"]],
        "frozen": list(seen["frozen"]),
        "freeze_open": list(seen["freeze_open"]),
        **{key: sound[key] for key in ("silent", "silence_open")},
    }


def render_picture(path: Path, measured: dict[str, Any] | None) -> dict[str, Any] | None:
    """The renderer's picture measurement when it is of exactly this file (same sha256), else None."""
    if not measured or measured.get("sha256") != file_sha256(path):
        return None
    if not all(isinstance(measured.get(key), list) for key in ("black", "frozen", "freeze_open")):
        return None
    return measured


def _fraction(value: str) -> float:
    top, _, bottom = value.partition("/")
    return float(top) / float(bottom or 1) if float(bottom or 1) else 0.0


def check_streams(info: dict[str, Any], rendition: Rendition, duration: float) -> list[str]:
    failures = []
    video = next((s for s in info["streams"] if s["codec_type"] == "video"), None)
    audio = next((s for s in info["streams"] if s["codec_type"] == "audio"), None)
    if video is None or audio is None:
        return ["the file needs one video and one audio stream"]
    size = (video["width"], video["height"])
    if size != (rendition.width, rendition.height):
        failures.append(f"resolution {size[0]}x{size[1]}, expected {rendition.width}x{rendition.height}")
    expectations = {
        "codec_name": "h264",
        "profile": "High",
        "pix_fmt": "yuv420p",
        "color_primaries": "bt709",
        "color_transfer": "bt709",
        "color_space": "bt709",
    }
    for key, wanted in expectations.items():
        if video.get(key) != wanted:
            failures.append(f"video {key} is {video.get(key)!r}, expected {wanted!r}")
    if video.get("sample_aspect_ratio", "1:1") not in ("1:1", "0:1"):
        failures.append(f"pixels are not square (SAR {video['sample_aspect_ratio']})")
    if video.get("r_frame_rate") != video.get("avg_frame_rate"):
        failures.append(
            f"frame rate is variable ({video.get('r_frame_rate')} vs {video.get('avg_frame_rate')})"
        )
    if audio.get("codec_name") != "aac" or audio.get("sample_rate") != "48000":
        failures.append(
            f"audio is {audio.get('codec_name')} at {audio.get('sample_rate')} Hz, expected aac 48000"
        )
    actual = float(info["format"].get("duration", 0))
    if abs(actual - duration) > 0.25:
        failures.append(f"duration {actual:.2f} s, the script asks for {duration:.2f} s")
    return failures


def check_platforms(info: dict[str, Any], rendition: Rendition) -> list[str]:
    failures = []
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    fps = _fraction(video.get("avg_frame_rate", "0/1"))
    duration = float(info["format"].get("duration", 0))
    size_mb = int(info["format"].get("size", 0)) / 1e6
    kbps = int(video.get("bit_rate") or info["format"].get("bit_rate") or 0) / 1000
    for name in rendition.platforms:
        spec = spec_table()["platforms"][name]
        low, high = spec["duration_s"]
        rules = [
            (rendition.aspect in spec["aspects"], f"aspect {rendition.aspect} is not accepted"),
            (low <= duration <= high, f"duration {duration:.1f} s is outside {low}–{high} s"),
            (size_mb <= spec["max_size_mb"], f"file is {size_mb:.0f} MB, over {spec['max_size_mb']} MB"),
            (
                kbps <= spec["max_video_kbps"],
                f"video bitrate {kbps:.0f} kb/s is over {spec['max_video_kbps']}",
            ),
            (spec["fps"][0] <= fps <= spec["fps"][1], f"{fps:.2f} fps is outside {spec['fps']}"),
            (video["codec_name"] in spec["video_codecs"], f"codec {video['codec_name']} is not accepted"),
        ]
        failures += [f"{name}: {message} ({spec['source']})" for ok, message in rules if not ok]
    return failures


def check_sound_and_picture(measured: dict[str, Any], allowed_silence_s: float = 0.0) -> list[str]:
    loudness = spec_table()["loudness"]
    failures = []
    lufs, peak = measured["integrated_lufs"], measured["true_peak_dbtp"]
    if lufs is None or abs(lufs - loudness["integrated_lufs"]) > loudness["tolerance_lu"]:
        failures.append(
            f"loudness {lufs} LUFS, expected {loudness['integrated_lufs']} ± {loudness['tolerance_lu']}"
        )
    if peak is None or peak > loudness["true_peak_max_dbtp"]:
        failures.append(f"true peak {peak} dBTP is above {loudness['true_peak_max_dbtp']} dBTP")
    for start, end in measured["black"]:
        failures.append(f"black picture from {start:.1f} s to {end:.1f} s (over {MAX_GAP_S:.0f} s)")
    for duration in measured["frozen"]:
        failures.append(f"frozen picture for {duration:.1f} s (over {MAX_GAP_S:.0f} s)")
    for duration in measured["silent"]:
        if duration > allowed_silence_s:
            failures.append(f"silence for {duration:.1f} s (over {MAX_GAP_S:.0f} s)")
    for start in measured.get("freeze_open", []):
        failures.append(f"frozen picture from {start:.1f} s until the end")
    if measured.get("silence_open"):
        failures.append("the sound goes silent and stays silent until the end")
    return failures


def check_caption_box(box: dict[str, int], rendition: Rendition) -> list[str]:
    zone = rendition.safe_zone
    limits = {
        "top": box["top"] >= zone["top"],
        "bottom": box["bottom"] <= rendition.height - zone["bottom"],
        "left": box["left"] >= zone["left"],
        "right": box["right"] <= rendition.width - zone["right"],
    }
    return [
        f"captions cross the {side} safe-zone edge ({zone[side]} px)" for side, ok in limits.items() if not ok
    ]


def run_gates(
    path: Path,
    rendition: Rendition,
    duration: float,
    caption_box: dict[str, int],
    allowed_silence_s: float = 0.0,
    picture: dict[str, Any] | None = None,
) -> GateReport:
    """Every gate for one file. `picture`: the renderer's measurement of black and frozen stretches
    (see `render.render`); used only when its sha256 is this file's, otherwise the file is decoded."""
    report = GateReport(rendition.name)
    info = probe(path)
    report.failures += check_streams(info, rendition, duration)
    if not moov_before_mdat(path):
        report.failures.append("not faststart: the moov index comes after the media data")
    has_video = any(s["codec_type"] == "video" for s in info["streams"])
    if has_video:
        report.failures += check_platforms(info, rendition)
    from_render = render_picture(path, picture) if has_video else None
    measured = analyse(path, any(s["codec_type"] == "audio" for s in info["streams"]), from_render)
    report.failures += check_sound_and_picture(measured, allowed_silence_s)
    report.failures += check_caption_box(caption_box, rendition)
    report.measurements = {
        "integrated_lufs": measured["integrated_lufs"],
        "true_peak_dbtp": measured["true_peak_dbtp"],
        "size_mb": round(int(info["format"].get("size", 0)) / 1e6, 2),
        "duration_s": round(float(info["format"].get("duration", 0)), 3),
        "black_stretches": len(measured["black"]),
        "frozen_stretches": len(measured["frozen"]),
        "silent_stretches": len(measured["silent"]),
        "picture_measured_by": "render" if from_render else "decode",
    }
    return report


def gate_renditions(rendered: Sequence[RenderedRendition], duration: float) -> dict[str, GateReport]:
    """Every gate on each rendition as encoded, two files at a time; the render's own measurement of
    the picture spares decoding it again."""

    def gate(item: RenderedRendition) -> GateReport:
        spec = library.rendition(item.rendition)
        return run_gates(item.video, spec, duration, layout(spec).as_dict(), picture=item.picture)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return {report.rendition: report for report in pool.map(gate, rendered)}


def unpublishable(gated: Mapping[str, tuple[str, Mapping[str, Any]]]) -> list[str]:
    """Why renditions may not be published, one line each: not gated (yet, or held), or a broken rule.
    `gated` maps each rendition to its stored gate status and report."""
    failures = []
    for name, (status, report) in gated.items():
        if status not in ("passed", "failed"):
            failures.append(f"{name}: not gated ({status})")
        failures += [f"{name}: {failure}" for failure in report.get("failures", [])]
    return failures


@dataclass(frozen=True)
class PublishVerdict:
    """Whether a topic's renditions may be published, as the blocking check reports it: `metadata`
    holds plain values, `markdown` text for the UI; `warning` marks a verdict that only warns."""

    passed: bool
    description: str
    metadata: dict[str, Any]
    markdown: dict[str, str] = field(default_factory=dict)
    warning: bool = False


def held_verdict(reason: str) -> PublishVerdict:
    """A held script rendered nothing, so nothing can be published: that passes, with a warning."""
    return PublishVerdict(
        True, f"held, not rendered: {reason}"[:1000], {"renditions": 0, "held": reason}, warning=True
    )


def publish_verdict(gated: Mapping[str, tuple[str, Mapping[str, Any]]]) -> PublishVerdict:
    """Publishable only when there are renditions and every one passed its gates (see `unpublishable`)."""
    failures = unpublishable(gated)
    description = "; ".join(failures)[:1000] if failures else f"{len(gated)} renditions publishable"
    measurements = {name: report.get("measurements", {}) for name, (_, report) in gated.items()}
    listed = "\n".join(f"- {failure}" for failure in failures) or "none"
    metadata = {"renditions": len(gated), "measurements": measurements}
    return PublishVerdict(bool(gated) and not failures, description, metadata, {"failures": listed})
