"""One real low-resolution render (the `preview` rendition, 15 s at 360×640) and its gates, plus
deliberately broken files that each gate must name."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import pytest

from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.music import MusicResource
from marketing_engine.resources.voice import VoiceResource
from marketing_engine.video import studio
from marketing_engine.video.gates import probe, run_gates
from marketing_engine.video.library import rendition
from marketing_engine.video.render import manifest_json, render
from marketing_engine.video.timeline import VOICE_OFFSET, build_manifest

PREVIEW = rendition("preview")


def _size(path: Path) -> str:
    """The picture's width and height in a video or an image ("360,640"), as ffprobe reads them."""
    [stream] = [s for s in probe(path)["streams"] if s.get("codec_type") == "video"]
    return f"{stream['width']},{stream['height']}"


def _lavfi(source: str, *options: str) -> None:
    """ffmpeg with a generated input (lavfi `source`); `options` end with the output file."""
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i", source, *options], check=True)


@pytest.fixture(scope="module")
def made(tmp_path_factory, dna, short_script):
    """Everything up to a rendered preview, in a module-wide engine home."""
    home = tmp_path_factory.mktemp("video-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MARKETING_ENGINE_HOME", str(home))
        store = MediaStoreResource(root=str(home / "media"))
        dna_dict = dna.as_dict()
        spoken = studio.speak_to_fit(VoiceResource(), short_script, dna_dict)
        voice = {"key": store.put_file(spoken["wav"]).key, "words": spoken["words"]}
        music_wav, _ = MusicResource().soundtrack(dna.music_mood, 15, seed=5)
        music = {"key": store.put_file(music_wav).key}
        visuals = {
            "preview": studio.visual_track(store, dna_dict, dna, short_script, voice, 15, "preview", 5)
        }
        captions = {"preview": studio.caption_track(store, dna_dict, short_script, voice, "preview")}
        [rendered] = studio.render_renditions(
            store, dna_dict, short_script, voice, music, visuals, captions, 15.0, home / "renders"
        )
        yield {
            "store": store,
            "voice": voice,
            "music": music,
            "visuals": visuals,
            "captions": captions,
            "rendered": rendered,
            "home": home,
        }


def test_preview_render_passes_every_gate(made):
    rendered = made["rendered"]
    report = run_gates(rendered.video, PREVIEW, 15.0, rendered.caption_box)
    assert report.failures == []
    assert abs(report.measurements["integrated_lufs"] + 14) <= 1
    assert report.measurements["true_peak_dbtp"] <= -1.5
    assert _size(rendered.thumbnail) == "360,640"


def test_manifest_is_deterministic_and_follows_the_dna(made, dna, short_script):
    rendered, store = made["rendered"], made["store"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MARKETING_ENGINE_HOME", str(made["home"]))
        again = studio.visual_track(store, dna.as_dict(), dna, short_script, made["voice"], 15, "preview", 5)
        captions = studio.caption_track(store, dna.as_dict(), short_script, made["voice"], "preview")
    manifest = build_manifest(
        dna=dna.as_dict(),
        rendition=PREVIEW,
        duration=15.0,
        layers=again["layers"],
        captions_key=captions["keys"]["ass"],
        voice_key=made["voice"]["key"],
        music_key=made["music"]["key"],
        loudness=rendered.manifest["audio"]["loudness"],
        music_gain=studio.MUSIC_GAIN,
        script_sha256=studio.script_sha256(short_script),
    )
    assert manifest_json(manifest) == manifest_json(rendered.manifest)
    assert rendered.manifest["audio"]["voice_offset"] == VOICE_OFFSET
    recoloured = dataclasses.replace(dna, palette={**dna.palette, "primary": "#222288"})
    changed = build_manifest(
        **{**_manifest_args(rendered.manifest, short_script), "dna": recoloured.as_dict()}
    )
    assert changed["dna_fingerprint"] != manifest["dna_fingerprint"]
    assert json.loads(manifest_json(manifest)) == manifest


def _manifest_args(manifest: dict, script) -> dict:
    return {
        "rendition": PREVIEW,
        "duration": manifest["duration"],
        "layers": manifest["layers"],
        "captions_key": manifest["captions_key"],
        "voice_key": manifest["audio"]["voice_key"],
        "music_key": manifest["audio"]["music_key"],
        "loudness": manifest["audio"]["loudness"],
        "music_gain": manifest["audio"]["music_gain"],
        "script_sha256": studio.script_sha256(script),
    }


def test_unchanged_manifest_is_not_rendered_again(made, dna, short_script):
    rendered = made["rendered"]
    before = rendered.video.stat().st_mtime_ns
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MARKETING_ENGINE_HOME", str(made["home"]))
        [again] = studio.render_renditions(
            made["store"],
            dna.as_dict(),
            short_script,
            made["voice"],
            made["music"],
            made["visuals"],
            made["captions"],
            15.0,
            rendered.video.parent,
            cached={"preview": rendered.manifest_sha256},
        )
    assert again.video == rendered.video and again.video.stat().st_mtime_ns == before


def test_generated_footage_clip_goes_under_its_beat(made, tmp_path):
    rendered = made["rendered"]
    clip = tmp_path / "clip.mp4"
    _lavfi("testsrc2=s=320x240:r=24:d=2", "-pix_fmt", "yuv420p", str(clip))
    key = made["store"].put_file(clip).key
    manifest = json.loads(manifest_json(rendered.manifest))
    manifest["duration"] = 4.0
    manifest["layers"].insert(
        1, {"name": "clip-0", "kind": "clip", "key": key, "start": 1.0, "end": 3.5, "x": "0", "y": "0"}
    )
    output = render(manifest, made["store"].local_path, tmp_path / "with-clip.mp4")
    report = run_gates(output, PREVIEW, 4.0, rendered.caption_box)
    assert not [f for f in report.failures if "loudness" not in f and "peak" not in f]


def _make(tmp_path: Path, name: str, video: str, audio: str | None, extra: list[str]) -> Path:
    out = tmp_path / name
    audio_in = ["-f", "lavfi", "-i", audio] if audio else []
    _lavfi(
        video,
        *audio_in,
        "-t",
        "3",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-profile:v",
        "high",
        "-pix_fmt",
        "yuv420p",
        "-colorspace",
        "bt709",
        "-color_primaries",
        "bt709",
        "-color_trc",
        "bt709",
        *(["-c:a", "aac", "-ar", "48000"] if audio else []),
        *extra,
        str(out),
    )
    return out


def test_broken_renders_say_exactly_why(tmp_path, made):
    box = made["rendered"].caption_box
    black = _make(
        tmp_path,
        "black.mp4",
        "color=c=black:s=360x640:r=30",
        "anullsrc=r=48000:cl=stereo",
        ["-movflags", "+faststart"],
    )
    report = run_gates(black, PREVIEW, 3.0, box)
    assert any(f.startswith("black picture from 0.0 s") for f in report.failures)
    assert any(f.startswith("frozen picture") for f in report.failures)
    assert any(f.startswith("loudness") for f in report.failures)
    assert any("silen" in f for f in report.failures)

    wrong = _make(tmp_path, "wrong.mp4", "testsrc2=s=320x568:r=25", "sine=f=440:r=48000", [])
    report = run_gates(wrong, PREVIEW, 3.0, box)
    assert "resolution 320x568, expected 360x640" in report.failures
    assert "not faststart: the moov index comes after the media data" in report.failures

    mute = _make(tmp_path, "mute.mp4", "testsrc2=s=360x640:r=30", None, ["-movflags", "+faststart"])
    assert run_gates(mute, PREVIEW, 3.0, box).failures == [
        "the file needs one video and one audio stream",
        "loudness None LUFS, expected -14.0 ± 1.0",
        "true peak None dBTP is above -1.0 dBTP",
    ]
    long = run_gates(made["rendered"].video, rendition("vertical"), 20.0, box)
    assert "resolution 360x640, expected 1080x1920" in long.failures
    assert "duration 15.00 s, the script asks for 20.00 s" in long.failures


def test_frame_command_puts_renditions_side_by_side(made, tmp_path, capsys):
    from marketing_engine.cli import main as cli_main
    from marketing_engine.video.frame import main

    video = made["rendered"].video
    out = tmp_path / "frame.png"
    assert main([str(video), str(video), str(out), "--at", "2", "--height", "320"]) == 0
    assert _size(out) == f"{180 * 2 + 24},320"
    assert cli_main(["video-frame", str(tmp_path / "missing.mp4"), str(out)]) == 1
    assert "missing.mp4: no such video" in capsys.readouterr().err
    assert main([str(out)]) == 2


def test_brand_photos_pan_under_the_beats_and_still_pass(made, dna, short_script, tmp_path):
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (800, 600), (200, 190, 170))
    ImageDraw.Draw(picture).ellipse((250, 150, 550, 450), fill=(30, 120, 60))
    picture.save(tmp_path / "shop.jpg")
    with_photo = dataclasses.replace(dna, images=(str(tmp_path / "shop.jpg"),), image_hashes=("a" * 64,))
    store = made["store"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MARKETING_ENGINE_HOME", str(made["home"]))
        track = studio.visual_track(
            store, with_photo.as_dict(), with_photo, short_script, made["voice"], 15, "preview", 5
        )
        beats = [s for s in track["segments"] if s["kind"] == "beat"]
        photos = [layer for layer in track["layers"] if layer["name"].startswith("photo")]
        assert [(p["start"], p["end"]) for p in photos] == [(b["start"], b["end"]) for b in beats]
        [rendered] = studio.render_renditions(
            store,
            with_photo.as_dict(),
            short_script,
            made["voice"],
            made["music"],
            {"preview": track},
            made["captions"],
            15.0,
            tmp_path / "renders",
        )
    assert rendered.manifest["dna_fingerprint"] != dna.fingerprint
    assert run_gates(rendered.video, PREVIEW, 15.0, rendered.caption_box).failures == []


def test_hook_lines_slide_in_as_their_words_are_spoken(made):
    track = made["visuals"]["preview"]
    lines = [layer for layer in track["layers"] if layer["name"].startswith("hook-line-")]
    hook = track["segments"][0]
    assert len(lines) >= 2 and lines[0]["start"] == hook["start"] == 0.0
    starts = [line["start"] for line in lines]
    assert starts == sorted(starts) and starts[-1] < hook["end"]
    assert all(line["end"] == hook["end"] for line in lines)


def test_the_render_measures_its_own_picture_so_the_gates_decode_only_sound(made, tmp_path):
    """The render logs the gates' picture detectors on the frames it encodes, tied to the file by
    its sha256: the gates trust that measurement for that file only, and it agrees with a decode."""
    from marketing_engine.video.gates import file_sha256
    from marketing_engine.video.render import picture_file

    rendered = made["rendered"]
    assert rendered.picture is not None and rendered.picture["sha256"] == file_sha256(rendered.video)
    assert picture_file(rendered.video).is_file()
    trusted = run_gates(rendered.video, PREVIEW, 15.0, rendered.caption_box, picture=rendered.picture)
    decoded = run_gates(rendered.video, PREVIEW, 15.0, rendered.caption_box)
    assert trusted.measurements["picture_measured_by"] == "render"
    assert decoded.measurements["picture_measured_by"] == "decode"
    assert trusted.failures == decoded.failures == []
    assert {k: v for k, v in trusted.measurements.items() if k != "picture_measured_by"} == {
        k: v for k, v in decoded.measurements.items() if k != "picture_measured_by"
    }
    # another file (or a re-encoded one) does not match the measurement's sha256: it is decoded
    other = tmp_path / "copy.mp4"
    other.write_bytes(rendered.video.read_bytes() + b"\0")
    assert (
        run_gates(other, PREVIEW, 15.0, rendered.caption_box, picture=rendered.picture).measurements[
            "picture_measured_by"
        ]
        == "decode"
    )


def test_a_black_stretch_the_render_draws_is_found_by_its_own_probe_as_by_a_decode(made, tmp_path):
    from PIL import Image

    from marketing_engine.video import captions as cap
    from marketing_engine.video.gates import analyse

    store, rendered = made["store"], made["rendered"]
    Image.new("RGB", (PREVIEW.width, PREVIEW.height), (0, 0, 0)).save(tmp_path / "black.png")
    empty = tmp_path / "none.ass"
    empty.write_text(
        cap.to_ass([], cap.layout(PREVIEW), {"accent": "#FFFFFF", "text": "#000000"}, "DejaVu Sans")
    )
    manifest = json.loads(manifest_json(rendered.manifest))
    manifest["duration"] = 4.0
    manifest["captions_key"] = store.put_file(empty, "text/plain").key
    black = store.put_file(tmp_path / "black.png").key
    manifest["layers"].append(
        {"name": "photo-black", "key": black, "start": 1.0, "end": 2.6, "x": "0", "y": "0"}
    )
    output = render(manifest, store.local_path, tmp_path / "with-black.mp4")
    probed = json.loads((tmp_path / "with-black.picture.json").read_text())
    [(start, end)] = probed["black"]
    assert abs(start - 1.0) < 0.05 and abs(end - 2.6) < 0.05
    decoded = analyse(output)
    assert [tuple(p) for p in probed["black"]] == decoded["black"]
    assert probed["frozen"] == decoded["frozen"] and probed["freeze_open"] == decoded["freeze_open"]
    report = run_gates(output, PREVIEW, 4.0, rendered.caption_box, picture=probed)
    assert report.measurements["picture_measured_by"] == "render"
    assert any(f.startswith("black picture from 1.0 s to 2.6 s") for f in report.failures)
