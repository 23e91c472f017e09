"""Clean-up after kills and a render cache trusted on its bytes: a run SIGKILLed mid-stage is
marked failed when the next one starts; an ffmpeg child dies with its parent and leaves nothing
under the cache's name; a corrupt cached render is detected and rebuilt."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from marketing_engine.files import seal, sealed
from marketing_engine.settings import PROJECT_ROOT
from reliability.probes import cli_args, cli_env, run_cli


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _wait_until(predicate, timeout: float, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return None


def test_a_run_killed_mid_stage_is_marked_failed_by_the_next_run(tmp_path):
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    home = tmp_path / "home"
    victim = subprocess.Popen(
        cli_args("foundation", "seo keywords"),
        cwd=PROJECT_ROOT,
        env=cli_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def started_keyword_run():
        # Read the run storage read-only: opening a DagsterInstance here would race the child
        # creating the same schema.
        database = home / "dagster" / "history" / "runs.db"
        if not database.is_file():
            return None
        try:
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
                found = connection.execute(
                    "SELECT r.run_id FROM runs r JOIN run_tags t ON t.run_id = r.run_id "
                    "WHERE t.key = 'marketing_engine/stage' AND t.value = 'seo keywords' "
                    "AND r.status = 'STARTED'"
                ).fetchone()
        except sqlite3.Error:
            return None
        return found[0] if found else None

    run_id = _wait_until(started_keyword_run, timeout=120, every=0.2)
    assert run_id, "the keyword stage never started"
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    instance = DagsterInstance.from_config(str(home / "dagster"))
    assert instance.get_run_by_id(run_id).status == DagsterRunStatus.STARTED  # nobody said it ended
    again = run_cli(home, "foundation")
    assert again.code == 0, again.out + again.err
    assert f"Marked 1 run(s) of a killed `make run` as failed: {run_id}" in again.out
    instance = DagsterInstance.from_config(str(home / "dagster"))
    assert instance.get_run_by_id(run_id).status == DagsterRunStatus.FAILURE
    unfinished = instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED]))
    assert unfinished == []


RENDER_IN_A_CHILD = """
import json, sys
from pathlib import Path
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.video.render import render
manifest = json.loads(Path(sys.argv[1]).read_text())
store = MediaStoreResource(root=sys.argv[2])
print("rendering", flush=True)
render(manifest, store.local_path, Path(sys.argv[3]))
"""


@pytest.fixture(scope="module")
def preview(tmp_path_factory, dna, short_script):
    """One real 15 s preview render (360x640) with its inputs in a module-wide engine home."""
    from marketing_engine.resources.media_store import MediaStoreResource
    from marketing_engine.resources.music import MusicResource
    from marketing_engine.resources.voice import VoiceResource
    from marketing_engine.video import studio

    home = tmp_path_factory.mktemp("it's a 100% [home], ü")  # a quote breaks unescaped caption burn-in
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MARKETING_ENGINE_HOME", str(home))
        store = MediaStoreResource(root=str(home / "media"))
        dna_dict = dna.as_dict()
        spoken = studio.speak_to_fit(VoiceResource(), short_script, dna_dict)
        voice = {"key": store.put_file(spoken["wav"]).key, "words": spoken["words"]}
        music_wav, _ = MusicResource().soundtrack(dna.music_mood, 15, seed=5)
        inputs = {
            "store": store,
            "dna": dna_dict,
            "script": short_script,
            "voice": voice,
            "music": {"key": store.put_file(music_wav).key},
            "visuals": {
                "preview": studio.visual_track(store, dna_dict, dna, short_script, voice, 15, "preview", 5)
            },
            "captions": {"preview": studio.caption_track(store, dna_dict, short_script, voice, "preview")},
            "duration": 15.0,
            "out_dir": home / "cache" / "renders",
        }
        [rendered] = studio.render_renditions(**inputs)
        yield {"home": home, "inputs": inputs, "rendered": rendered}


def _render_again(preview, cached: dict[str, str]):
    from marketing_engine.video import studio

    [again] = studio.render_renditions(**preview["inputs"], cached=cached)
    return again


def test_the_render_escapes_its_home_path_and_seals_its_output(preview):
    from marketing_engine.video.gates import run_gates
    from marketing_engine.video.library import rendition

    rendered = preview["rendered"]
    assert "'" in str(rendered.video) and sealed(rendered.video)
    report = run_gates(rendered.video, rendition("preview"), 15.0, rendered.caption_box)
    assert report.failures == []
    assert not list(rendered.video.parent.glob("*.partial*"))


def test_a_corrupt_cached_render_is_detected_and_rebuilt(preview):
    from marketing_engine.video.gates import run_gates
    from marketing_engine.video.library import rendition

    rendered = preview["rendered"]
    cached = {"preview": rendered.manifest_sha256}
    untouched = _render_again(preview, cached)
    assert untouched.video.stat().st_mtime_ns == rendered.video.stat().st_mtime_ns  # trusted: sealed
    good = rendered.video.read_bytes()
    corrupt = bytearray(good)
    middle = len(corrupt) // 2
    corrupt[middle : middle + 4096] = bytes(4096)  # what two ffmpegs writing one file left behind
    rendered.video.write_bytes(bytes(corrupt))
    assert not sealed(rendered.video)
    rebuilt = _render_again(preview, cached)  # the database still names this manifest
    assert rebuilt.video == rendered.video and sealed(rebuilt.video)
    assert rebuilt.video.read_bytes() != bytes(corrupt)
    assert run_gates(rebuilt.video, rendition("preview"), 15.0, rebuilt.caption_box).failures == []
    rebuilt.video.with_name(rebuilt.video.name + ".sha256").unlink()
    assert not sealed(rebuilt.video)  # a render without its seal (an older home) is rebuilt too
    seal(rebuilt.video)


def test_a_render_killed_mid_encode_takes_its_ffmpeg_with_it_and_leaves_no_file(preview, tmp_path):
    from marketing_engine.video.gates import run_gates
    from marketing_engine.video.library import rendition
    from marketing_engine.video.render import render

    rendered, store = preview["rendered"], preview["inputs"]["store"]
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(rendered.manifest))
    target = tmp_path / "cache" / "preview-killed.mp4"
    child = subprocess.Popen(
        [sys.executable, "-c", RENDER_IN_A_CHILD, str(manifest), store.root, str(target)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "MARKETING_ENGINE_HOME": str(preview["home"])},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "rendering"
    encoders = _wait_until(lambda: _children(child.pid), timeout=30, every=0.02)
    assert encoders, "no ffmpeg started"
    time.sleep(0.5)  # mid-encode
    child.send_signal(signal.SIGKILL)
    child.wait()
    gone = _wait_until(lambda: not any(_alive(pid) for pid in encoders), timeout=5, every=0.05)
    assert gone, f"ffmpeg {encoders} outlived its killed parent"
    assert not target.exists() and not target.with_suffix(".png").exists()
    leftovers = list(target.parent.glob(".*.partial*"))
    assert leftovers  # what the next `make run` sweeps, holding the home's lock
    render(rendered.manifest, store.local_path, target)
    assert run_gates(target, rendition("preview"), 15.0, rendered.caption_box).failures == []
