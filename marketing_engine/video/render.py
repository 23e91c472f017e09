"""The renderer: one timeline manifest in, one ffmpeg filtergraph and one encode per rendition out.

The manifest (JSON, sorted keys, media referenced by content key) is the render's whole input, so
the same manifest always makes the same video, and its hash is the render cache key. Audio: the
voice keys a sidechain compressor that ducks the music, the mix is normalized to −14 LUFS with the
loudness measured beforehand (loudnorm's two-pass linear mode).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from marketing_engine.ffmpeg import filter_value
from marketing_engine.ffmpeg import run as run_child
from marketing_engine.files import replacing, write_text
from marketing_engine.video.gates import PICTURE_PROBE, file_sha256, picture_from_log

MANIFEST_VERSION = 1
TARGET_LUFS = -14.0
TARGET_TP = -2.0  # AAC encoding adds a few tenths of a dB of true peak; stay under -1.5
ENCODER = {
    "codec": "libx264",
    "preset": "veryfast",
    "profile": "high",
    "crf": 21,
    "maxrate_kbps": 12000,
    "gop_seconds": 2,
    "audio": "aac",
    "audio_kbps": 192,
    # ffmpeg's AAC encoder with its fast coder: a third of the default (twoloop) coder's CPU for a 30 s
    # mix (0.5 against 1.7 CPU-s), the same loudness and true peak within 0.2 dB, and a closer
    # waveform (35.5 dB SNR against 29.4 dB on the benchmark's mix) at 192 kb/s.
    "aac_coder": "fast",
}


class RenderError(RuntimeError):
    """ffmpeg failed; the message names the rendition and ffmpeg's last lines."""


def manifest_json(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, sort_keys=True, indent=1, ensure_ascii=False)


def manifest_sha256(manifest: dict[str, Any]) -> str:
    return hashlib.sha256(manifest_json(manifest).encode()).hexdigest()


def _run(args: Sequence[str], what: str) -> subprocess.CompletedProcess:
    result = run_child(list(args), capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-6:])
        raise RenderError(f"{what}: ffmpeg exited {result.returncode}: {tail}")
    return result


def audio_graph(voice: str, music: str, *, offset: float, gain: float, duration: float, loudnorm: str) -> str:
    delay = round(offset * 1000)
    return ";".join(
        [
            (
                f"[{voice}]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,adelay={delay}|{delay},"
                f"apad,atrim=0:{duration:.3f},asplit=2[vo][key]"
            ),
            (
                f"[{music}]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,volume={gain:.3f},"
                f"apad,atrim=0:{duration:.3f}[mus]"
            ),
            "[mus][key]sidechaincompress=threshold=0.015:ratio=8:attack=20:release=450[duck]",
            # The limiter shaves speech peaks first, so the loudness gain to -14 LUFS keeps the true
            # peak under -1.5 dBTP even after AAC encoding, and a normal narration normalizes with one
            # constant gain (loudnorm's linear mode) rather than loudnorm's dynamic compression.
            (
                f"[vo][duck]amix=inputs=2:duration=first:normalize=0,"
                f"alimiter=limit=0.27:level=false:attack=2:release=80:latency=true,{loudnorm},aresample=48000,"
                f"atrim=0:{duration:.3f},asetpts=N/SR/TB[a]"
            ),
        ]
    )


def _measure_mix(voice: Path, music: Path, meter: str, mix: dict[str, float]) -> str:
    """Play the exact mix the renders will use through `meter`; ffmpeg's log (the meter's report)."""
    graph = audio_graph(
        "0:a", "1:a", offset=mix["offset"], gain=mix["gain"], duration=mix["duration"], loudnorm=meter
    )
    command = ["ffmpeg", "-hide_banner", "-nostats", "-i", str(voice), "-i", str(music)]
    command += ["-filter_complex", graph, "-map", "[a]", "-f", "null", "-"]
    return _run(command, "loudness measurement").stderr


def _ebur128_summary(log: str) -> dict[str, str] | None:
    summary = log[log.rfind("Summary:") :] if "Summary:" in log else ""
    found = re.search(
        r"I:\s+(-?[\d.]+) LUFS\s+Threshold:\s+(-?[\d.]+) LUFS.*?LRA:\s+([\d.]+) LU.*?Peak:\s+(-?[\d.]+) dBFS",
        summary,
        re.DOTALL,
    )
    if not found:
        return None
    level, gate, spread, peak = found.groups()
    # loudnorm's field names, so the manifest and loudnorm_filter read either meter's figures
    return {
        "input_i": level,
        "input_tp": peak,
        "input_lra": spread,
        "input_thresh": gate,
        "target_offset": "0.00",
    }


def measure_loudness(
    voice: Path, music: Path, *, offset: float, gain: float, duration: float
) -> dict[str, str]:
    """Loudness of the exact mix the renders will use. First with ebur128 (true peak on): the meter the
    quality gate reads, a third of the cost of loudnorm's first pass. When its figures allow a linear
    gain (see loudness_gain_db) that is all the render needs; otherwise loudnorm's own first pass
    measures for its dynamic mode."""
    mix = {"offset": offset, "gain": gain, "duration": duration}
    quick = _ebur128_summary(_measure_mix(voice, music, "ebur128=peak=true:framelog=verbose", mix))
    if quick and loudness_gain_db(quick) is not None:
        return quick
    log = _measure_mix(voice, music, f"loudnorm=I={TARGET_LUFS}:TP={TARGET_TP}:LRA=11:print_format=json", mix)
    found = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", log)
    if not found:
        raise RenderError("loudness measurement: loudnorm printed no JSON summary")
    data = json.loads(found.group(0))
    return {key: data[key] for key in ("input_i", "input_tp", "input_lra", "input_thresh", "target_offset")}


def loudnorm_filter(measured: dict[str, str]) -> str:
    return (
        f"loudnorm=I={TARGET_LUFS}:TP={TARGET_TP}:LRA=11:measured_I={measured['input_i']}:"
        f"measured_TP={measured['input_tp']}:measured_LRA={measured['input_lra']}:"
        f"measured_thresh={measured['input_thresh']}:offset={measured['target_offset']}:linear=true"
    )


def loudness_gain_db(measured: dict[str, str]) -> float | None:
    """The constant gain loudnorm's linear mode would apply (its own rule: valid measurements, the
    true peak stays under target after the gain, the range fits), or None when it would fall back to
    dynamic processing. Applied with `volume`, it skips loudnorm's 192 kHz round trip in every render."""
    level, peak = float(measured["input_i"]), float(measured["input_tp"])
    spread, gate = float(measured["input_lra"]), float(measured["input_thresh"])
    gain = TARGET_LUFS - level
    valid = peak != 99 and gate != -70 and spread != 0 and level != 0
    return gain if valid and peak + gain <= TARGET_TP and spread <= 11 else None


def loudness_filter(measured: dict[str, str]) -> str:
    gain = loudness_gain_db(measured)
    return loudnorm_filter(measured) if gain is None else f"volume={gain:.2f}dB"


def _covering_background(manifest: dict[str, Any]) -> bool:
    """The drifting background is drawn larger than the frame by more than its drift, so it always
    covers the whole picture: the base can be a moving window into it instead of a plain colour with
    the background blended over it every frame (the same pixels at a fraction of the cost)."""
    layers = manifest["layers"]
    return (
        bool(layers)
        and layers[0]["name"] == "background"
        and layers[0].get("kind") != "clip"
        and (layers[0]["start"] <= 0 and layers[0]["end"] >= manifest["duration"])
    )


def _background_window(layer: dict[str, Any], source: int, manifest: dict[str, Any]) -> str:
    """One still, repeated for every frame (by reference, no copy), cropped where `overlay` would have
    placed it: overlay truncates x/y and rounds down to even for 4:2:0, so the crop offset is the
    negated, identically rounded position, and the frames match the overlay's bit for bit."""
    fps, width, height = manifest["fps"], manifest["rendition"]["width"], manifest["rendition"]["height"]
    frames = max(1, round(manifest["duration"] * fps))
    x, y = (f"-2*floor(trunc({layer[axis]})/2)" for axis in ("x", "y"))
    return (
        f"[{source}:v]scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,"
        f"loop=loop={frames - 1}:size=1:start=0,settb=1/{fps},setpts=N,"
        f"crop=w={width}:h={height}:x={x}:y={y}[base1]"
    )


def _video_graph(manifest: dict[str, Any], first_layer_input: int, captions: Path) -> str:
    fps, duration = manifest["fps"], manifest["duration"]
    width, height = manifest["rendition"]["width"], manifest["rendition"]["height"]
    layers = list(enumerate(manifest["layers"]))
    if _covering_background(manifest):
        parts, current = [_background_window(layers[0][1], first_layer_input, manifest)], "[base1]"
        layers = layers[1:]
    else:
        parts, current = ["[0:v]format=yuv420p[base0]"], "[base0]"
    for index, layer in layers:
        source = first_layer_input + index
        if layer.get("kind") == "clip":  # generated footage: fill the frame, start at its beat
            parts.append(
                f"[{source}:v]scale={width}:{height}:force_original_aspect_ratio=increase,"
                f"crop={width}:{height},fps={fps},format=yuv420p,"
                f"setpts=PTS-STARTPTS+{layer['start']:.3f}/TB[l{index}]"
            )
        else:
            opaque = layer["name"] in ("background", "progress") or layer["name"].startswith(
                ("wipe", "photo")
            )
            parts.append(
                f"[{source}:v]scale=out_color_matrix=bt709:out_range=tv,"
                f"format={'yuv420p' if opaque else 'yuva420p'}[l{index}]"
            )
        enable = (
            ""
            if layer["start"] <= 0 and layer["end"] >= duration
            else f":enable=between(t\\,{layer['start']:.3f}\\,{layer['end']:.3f})"
        )
        parts.append(
            f"{current}[l{index}]overlay=x={layer['x']}:y={layer['y']}:eval=frame:format=yuv420"
            f"{enable}[base{index + 1}]"
        )
        current = f"[base{index + 1}]"
    parts.append(
        f"{current}ass=filename={filter_value(captions)},setsar=1,fps={fps},format=yuv420p,"
        "setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709[v]"
    )
    return ";".join(parts)


def ffmpeg_command(
    manifest: dict[str, Any],
    resolve: Callable[[str], Path],
    output: Path,
    graph_file: Path,
    still: tuple[Path, float] | None = None,
    probe: bool = False,
) -> list[str]:
    """The one ffmpeg invocation for a rendition (the graph goes to `graph_file`); with `still` (a PNG
    path and a time), the same run also saves that frame as the thumbnail, so no second decode; with
    `probe`, the same run measures the encoded frames for the picture gates (the quality gates'
    own detectors, logged at level info: see `gates.picture_from_log`)."""
    width, height = manifest["rendition"]["width"], manifest["rendition"]["height"]
    fps, duration = manifest["fps"], manifest["duration"]
    audio = manifest["audio"]
    # A plain-colour base only when no background covers the frame (see _covering_background).
    base = (
        []
        if _covering_background(manifest)
        else [
            "-f",
            "lavfi",
            "-i",
            f"color=c={manifest['base_colour']}:s={width}x{height}:r={fps}:d={duration:.3f}",
        ]
    )
    first = len(base) // 4
    inputs = [*base, "-i", str(resolve(audio["voice_key"])), "-i", str(resolve(audio["music_key"]))]
    for layer in manifest["layers"]:
        loop = ["-stream_loop", "-1"] if layer.get("kind") == "clip" else []
        inputs += [*loop, "-i", str(resolve(layer["key"]))]
    graph = (
        _video_graph(manifest, first + 2, resolve(manifest["captions_key"]))
        + ";"
        + audio_graph(
            f"{first}:a",
            f"{first + 1}:a",
            offset=audio["voice_offset"],
            gain=audio["music_gain"],
            duration=duration,
            loudnorm=loudness_filter(audio["loudness"]),
        )
    )
    branches = (["[shot]"] if still else []) + (["[probe]"] if probe else [])
    picture, extra_outputs = "[v]", []
    if branches:
        picture = "[vout]"
        graph += f";[v]split={len(branches) + 1}[vout]{''.join(branches)}"
    if still:
        frame = math.ceil(still[1] * fps - 1e-6)  # the first frame at or after the time, as `-ss` picks
        # trim closes its branch after one frame, so split never holds frames for a finished output
        graph += f";[shot]trim=start_frame={frame}:end_frame={frame + 1}[still]"
        extra_outputs = ["-map", "[still]", "-frames:v", "1", "-update", "1", str(still[0])]
    if probe:  # a null output, so the run ends with the encode even when an input loops forever
        graph += f";[probe]{PICTURE_PROBE}[probed]"
        extra_outputs += ["-map", "[probed]", "-t", f"{duration:.3f}", "-f", "null", "-"]
    graph_file.write_text(graph, encoding="utf-8")
    enc = manifest["encoder"]
    gop = enc["gop_seconds"] * fps
    return [
        "ffmpeg",
        "-y",
        "-hide_banner",
        "-nostats",
        "-loglevel",
        "info" if probe else "error",
        *inputs,
        "-filter_complex_script",
        str(graph_file),
        "-map",
        picture,
        "-map",
        "[a]",
        "-c:v",
        enc["codec"],
        "-preset",
        enc["preset"],
        "-profile:v",
        enc["profile"],
        "-crf",
        str(enc["crf"]),
        "-maxrate",
        f"{enc['maxrate_kbps']}k",
        "-bufsize",
        f"{enc['maxrate_kbps'] * 2}k",
        "-pix_fmt",
        "yuv420p",
        "-g",
        str(gop),
        "-keyint_min",
        str(gop),
        "-sc_threshold",
        "0",
        "-flags",
        "+cgop",
        "-x264-params",
        "open-gop=0",
        "-color_primaries",
        "bt709",
        "-color_trc",
        "bt709",
        "-colorspace",
        "bt709",
        "-color_range",
        "tv",
        "-r",
        str(fps),
        "-fps_mode",
        "cfr",
        "-c:a",
        enc["audio"],
        "-aac_coder",
        enc["aac_coder"],
        "-b:a",
        f"{enc['audio_kbps']}k",
        "-ar",
        "48000",
        "-ac",
        "2",
        "-t",
        f"{duration:.3f}",
        "-movflags",
        "+faststart",
        str(output),
        *extra_outputs,
    ]


def thumbnail_time(duration: float) -> float:
    return min(1.6, duration / 3)


def picture_file(video: Path) -> Path:
    """Where `render` keeps its measurement of a video's picture (beside the video)."""
    return video.with_suffix(".picture.json")


def render(manifest: dict[str, Any], resolve: Callable[[str], Path], output: Path, threads: int = 0) -> Path:
    """Encode one rendition, save its thumbnail next to it (`output` with .png), and measure the
    encoded frames' black and frozen stretches in the same run (`picture_file(output)`, tied to the
    file by its sha256), so the quality gates decode only the sound; `threads` caps x264's threads
    (0: ffmpeg decides)."""
    # ffmpeg writes beside the targets and both files are renamed into place when it succeeds: a
    # killed or concurrent render never leaves a partial MP4 under the cache's name.
    with (
        replacing(output) as partial,
        replacing(output.with_suffix(".png")) as still_partial,
        tempfile.TemporaryDirectory(prefix="render-") as tmp,
    ):
        still = (still_partial, thumbnail_time(manifest["duration"]))
        command = ffmpeg_command(manifest, resolve, partial, Path(tmp) / "graph.txt", still, probe=True)
        at = command.index(str(partial))  # -threads belongs to the video output's encoder
        limit = ["-threads", str(threads)] if threads else []
        log = _run(command[:at] + limit + command[at:], f"render of {manifest['rendition']['name']}").stderr
    measured = picture_from_log(log) | {"sha256": file_sha256(output), "measured_by": "render"}
    write_text(picture_file(output), json.dumps(measured, sort_keys=True))
    return output


def thumbnail(video: Path, at_seconds: float, output: Path) -> Path:
    _run(
        [
            "ffmpeg",
            "-y",
            "-hide_banner",
            "-loglevel",
            "error",
            "-ss",
            f"{at_seconds:.3f}",
            "-i",
            str(video),
            "-frames:v",
            "1",
            "-update",
            "1",
            str(output),
        ],
        f"thumbnail of {video.name}",
    )
    return output


def render_many(jobs: list[tuple[dict[str, Any], Path]], resolve: Callable[[str], Path]) -> list[Path]:
    """Renditions in parallel, up to the core count (each x264 gets its share of threads)."""
    cores = os.cpu_count() or 1
    workers = max(1, min(len(jobs), cores))
    threads = max(1, cores // workers) if workers > 1 else 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda job: render(job[0], resolve, job[1], threads), jobs))
