"""Video studio benchmark: the whole offline pipeline for one 30 s 1080×1920 video (script → voice →
music → visuals → captions → render → gates) against a bare ffmpeg encode of 30 s of `testsrc2`
at 1080×1920 with the same encoder settings, measured in the same run (the bare encode before and
after the pipeline, so a change in machine load shows). Goal: within 1.5× of the bare encode, a
30 s rendition in under 30 s, peak memory under 1 GB.

The headline is the CPU ratio (CPU-seconds of this process and its children, pipeline against bare
encode): on a shared machine wall time moves with the load, CPU time much less. Each step's
CPU-seconds are printed too (the pipeline's imports are counted, as a worker process pays them).
"""

from __future__ import annotations

import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

LENGTH_S = 30
TOPIC = "electric bike commuting"


def bare_encode(folder: Path) -> float:
    from marketing_engine.video.render import ENCODER

    gop = str(ENCODER["gop_seconds"] * 30)
    started = time.perf_counter()
    subprocess.run(
        [
            "ffmpeg",
            "-y",
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=s=1080x1920:r=30:d={LENGTH_S}",
            "-c:v",
            ENCODER["codec"],
            "-preset",
            ENCODER["preset"],
            "-profile:v",
            ENCODER["profile"],
            "-crf",
            str(ENCODER["crf"]),
            "-maxrate",
            f"{ENCODER['maxrate_kbps']}k",
            "-bufsize",
            f"{ENCODER['maxrate_kbps'] * 2}k",
            "-pix_fmt",
            "yuv420p",
            "-g",
            gop,
            "-keyint_min",
            gop,
            "-sc_threshold",
            "0",
            "-flags",
            "+cgop",
            "-color_primaries",
            "bt709",
            "-color_trc",
            "bt709",
            "-colorspace",
            "bt709",
            "-movflags",
            "+faststart",
            str(folder / "bare.mp4"),
        ],
        check=True,
    )
    return time.perf_counter() - started


def pipeline(folder: Path) -> tuple[dict[str, float], dict[str, float]]:
    """(wall seconds per step, CPU-seconds per step), imports first."""
    steps: dict[str, float] = {}
    cpu: dict[str, float] = {}
    clock, spent = time.perf_counter(), cpu_seconds()

    def lap(name: str) -> None:
        nonlocal clock, spent
        now, used = time.perf_counter(), cpu_seconds()
        steps[name], cpu[name] = now - clock, used - spent
        clock, spent = now, used

    from marketing_engine.brand import load_brand
    from marketing_engine.resources.llm import LLMResource
    from marketing_engine.resources.media_store import MediaStoreResource
    from marketing_engine.resources.music import MusicResource
    from marketing_engine.resources.voice import VoiceResource
    from marketing_engine.settings import EXAMPLE_BRAND
    from marketing_engine.video import studio
    from marketing_engine.video.dna import video_dna
    from marketing_engine.video.gates import run_gates
    from marketing_engine.video.library import rendition
    from marketing_engine.video.script import VideoScript

    lap("imports")
    profile = load_brand(EXAMPLE_BRAND)
    dna_obj = video_dna(profile)
    dna = dna_obj.as_dict()
    store = MediaStoreResource(root=str(folder / "media"))
    result = LLMResource(backend="offline").generate(
        studio.script_request(profile, dna, TOPIC, LENGTH_S), VideoScript
    )
    script, _ = studio.checked_script(result.data, dna)
    lap("script")
    spoken = studio.speak_to_fit(VoiceResource(), script, dna)
    voice = {"key": store.put_file(spoken["wav"]).key, "words": spoken["words"]}
    lap("voice")
    music_wav, _ = MusicResource().soundtrack(dna["music_mood"], LENGTH_S, seed=1)
    music = {"key": store.put_file(music_wav).key}
    lap("music")
    visuals = {"vertical": studio.visual_track(store, dna, dna_obj, script, voice, LENGTH_S, "vertical", 1)}
    lap("visuals")
    captions = {"vertical": studio.caption_track(store, dna, script, voice, "vertical")}
    lap("captions")
    [made] = studio.render_renditions(
        store, dna, script, voice, music, visuals, captions, float(LENGTH_S), folder / "renders"
    )
    lap("render")
    report = run_gates(
        made.video, rendition("vertical"), float(LENGTH_S), made.caption_box, picture=made.picture
    )
    lap("gates")
    if not report.passed:
        raise RuntimeError(f"the benchmark video failed its gates: {report.failures}")
    return steps, cpu


def cpu_seconds() -> float:
    """CPU time of this process and its finished children: a figure the machine's load does not skew."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="video-bench-") as tmp:
        folder = Path(tmp)
        os.environ["MARKETING_ENGINE_HOME"] = str(folder / "home")  # fresh caches: nothing is reused
        cpu = cpu_seconds()
        before = bare_encode(folder)
        bare_cpu, cpu = cpu_seconds() - cpu, cpu_seconds()
        steps, step_cpu = pipeline(folder)
        pipeline_cpu, cpu = cpu_seconds() - cpu, cpu_seconds()
        after = bare_encode(folder)
        bare_cpu = (bare_cpu + cpu_seconds() - cpu) / 2
    bare = (before + after) / 2
    wall = sum(steps.values())
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"CPU ratio pipeline / bare encode: {pipeline_cpu / bare_cpu:.2f}x (goal ≤ 1.5x) — "
        f"pipeline {pipeline_cpu:.1f} CPU-s, bare encode {bare_cpu:.1f} CPU-s"
    )
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    print("pipeline CPU-seconds by step: " + ", ".join(f"{k} {v:.2f}" for k, v in step_cpu.items()))
    print(
        f"reference: bare ffmpeg encode of {LENGTH_S} s testsrc2 1080x1920 (libx264 veryfast, same settings): "
        f"{before:.1f} s before, {after:.1f} s after, mean {bare:.1f} s"
    )
    print("pipeline wall seconds by step: " + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()))
    print(
        f"whole pipeline (imports → script → voice → music → visuals → captions → render → gates): {wall:.1f} s "
        f"wall, ratio {wall / bare:.2f}x (wall time follows the machine's load)"
    )
    print(f"render of the {LENGTH_S} s rendition: {steps['render']:.1f} s (goal < 30 s)")
    print(
        f"peak memory: largest child process (ffmpeg) {children_mb:.0f} MB, python {self_mb:.0f} MB (goal < 1024 MB)"
    )


if __name__ == "__main__":
    main()
