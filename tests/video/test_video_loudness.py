"""Loudness measurement (the cheap meter when a linear gain will do, loudnorm otherwise) and thumbnails."""

from __future__ import annotations

import subprocess
from pathlib import Path

from marketing_engine.video.render import loudness_filter, loudness_gain_db, measure_loudness


def _tone(path: Path, expression: str) -> Path:
    source = f"aevalsrc={expression}:s=48000:d=12"
    subprocess.run(
        ["ffmpeg", "-y", "-v", "error", "-f", "lavfi", "-i", source, "-ac", "1", str(path)], check=True
    )
    return path


def test_a_steady_narration_is_measured_by_ebur128_and_normalized_by_one_gain(tmp_path: Path) -> None:
    voice = _tone(tmp_path / "voice.wav", "0.2*(0.6+0.4*sin(2*PI*t/6))*sin(2*PI*220*t)")
    music = _tone(tmp_path / "music.wav", "0.05*sin(2*PI*110*t)")
    measured = measure_loudness(voice, music, offset=0.0, gain=0.3, duration=12.0)
    assert measured["target_offset"] == "0.00"  # ebur128's figures (loudnorm always computes an offset)
    gain = loudness_gain_db(measured)
    assert gain is not None and abs(float(measured["input_i"]) + gain + 14) < 0.01
    assert loudness_filter(measured) == f"volume={gain:.2f}dB"


def test_a_whisper_with_loud_clicks_falls_back_to_loudnorm_dynamic_mode(tmp_path: Path) -> None:
    # very quiet speech with sharp peaks: the linear gain would push the true peak over the target
    voice = _tone(tmp_path / "voice.wav", "0.004*sin(2*PI*220*t)+0.9*lt(mod(t\\,1)\\,0.002)")
    music = _tone(tmp_path / "music.wav", "0.001*sin(2*PI*110*t)")
    measured = measure_loudness(voice, music, offset=0.0, gain=0.3, duration=12.0)
    assert loudness_gain_db(measured) is None
    assert measured["target_offset"] != "0.00"  # loudnorm's own first pass
    assert loudness_filter(measured).startswith("loudnorm=I=-14.0:TP=-2.0:")


def test_a_cached_render_that_lost_its_thumbnail_gets_one_from_the_video(tmp_path: Path) -> None:
    from marketing_engine.video.render import thumbnail, thumbnail_time

    video = tmp_path / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-y", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=2", str(video)],
        check=True,
    )
    still = thumbnail(video, thumbnail_time(2.0), tmp_path / "clip.png")
    size = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", str(still)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert size == "320,240" and thumbnail_time(2.0) == 2.0 / 3 and thumbnail_time(30.0) == 1.6
