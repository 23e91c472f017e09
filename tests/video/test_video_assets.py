"""The video group materialized end to end on the offline backends (the small `preview` rendition
keeps it quick), on SQLite and PostgreSQL, plus the make-run topic picker."""

from __future__ import annotations

import json
import re

from dagster import DagsterInstance, ExecuteInProcessResult, materialize
from sqlalchemy import select

from marketing_engine.assets import video as video_assets
from marketing_engine.resources import local_resources
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.settings import home_dir
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import VideoAsset, VideoDNA

ASSETS = [
    video_assets.video_dna,
    video_assets.video_scripts,
    video_assets.voiceovers,
    video_assets.soundtracks,
    video_assets.visual_tracks,
    video_assets.captions,
    video_assets.rendered_videos,
    video_assets.rendered_videos_meet_platform_specs,
    video_assets.video_metadata,
]
PARTITIONED = [
    "video_scripts",
    "voiceovers",
    "soundtracks",
    "visual_tracks",
    "captions",
    "rendered_videos",
    "video_metadata",
]
KEY = "e-bike-battery-care"
PREVIEW_15S = {
    "ops": {
        "video_scripts": {"config": {"length_s": 15}},
        "visual_tracks": {"config": {"renditions": ["preview"]}},
    }
}


def _resources(url: str) -> dict:
    wanted = ("brand", "media_store", "llm", "voice", "music", "footage")
    return {
        **{k: v for k, v in local_resources().items() if k in wanted},
        "warehouse": WarehouseResource(url=url),
    }


def _topics(*keys: str) -> DagsterInstance:
    """A fresh instance whose `topics` partitions hold `keys`."""
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("topics", list(keys))
    return instance


def _render_preview(
    resources: dict, instance: DagsterInstance, selection: list[str] | None = None, **options
) -> ExecuteInProcessResult:
    """The video group for KEY (the partitioned assets unless `selection` says otherwise): a 15 s
    script, rendered as the `preview` rendition only."""
    return materialize(
        ASSETS,
        selection=selection or PARTITIONED,
        resources=resources,
        instance=instance,
        partition_key=KEY,
        run_config=PREVIEW_15S,
        **options,
    )


def test_topic_to_publishable_preview(warehouse_url):
    instance = _topics(KEY)
    resources = _resources(warehouse_url)
    assert materialize([video_assets.video_dna], resources=resources, instance=instance).success
    result = _render_preview(resources, instance)
    assert result.success
    [check] = result.get_asset_check_evaluations()
    assert check.passed, check.description
    warehouse = Warehouse(warehouse_url)
    with warehouse.session() as session:
        [row] = session.scalars(select(VideoAsset)).all()
        assert (row.topic, row.rendition, row.width, row.height, row.length_s) == (
            KEY,
            "preview",
            360,
            640,
            15,
        )
        assert row.gate_status == "passed" and row.gate_report["passed"] is True
        assert len(session.scalars(select(VideoDNA)).all()) == 1
    warehouse.dispose()
    folder = home_dir("videos") / KEY
    assert {p.name for p in folder.iterdir()} == {
        "preview.mp4",
        "preview.png",
        "preview.srt",
        "preview.vtt",
        "metadata.json",
    }
    assert json.loads((folder / "metadata.json").read_text()) == {}  # preview is for review, no platform
    # Re-running with the same manifest renders nothing new and keeps one row per rendition.
    rendered_at = (folder / "preview.mp4").stat().st_mtime_ns
    renders = {p: p.stat().st_mtime_ns for p in (home_dir("cache") / "renders").glob("*.mp4")}
    assert _render_preview(resources, instance).success
    assert {p: p.stat().st_mtime_ns for p in (home_dir("cache") / "renders").glob("*.mp4")} == renders
    assert (folder / "preview.mp4").stat().st_mtime_ns >= rendered_at
    warehouse = Warehouse(warehouse_url)
    with warehouse.session() as session:
        assert len(session.scalars(select(VideoAsset)).all()) == 1
    warehouse.dispose()


def test_a_rendition_that_breaks_the_spec_blocks_publishing_and_says_why(tmp_path, monkeypatch):
    from marketing_engine.video import gates

    table = gates.spec_table()
    strict = {**table, "loudness": {**table["loudness"], "integrated_lufs": -23.0}}
    monkeypatch.setattr(gates, "spec_table", lambda: strict)
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    result = _render_preview(
        _resources(url), _topics(KEY), selection=["video_dna", *PARTITIONED], raise_on_error=False
    )
    [check] = result.get_asset_check_evaluations()
    assert not check.passed
    # the render's own level (−14 LUFS, within a few tenths after AAC) against the stricter table
    measured = re.search(r"preview: loudness (-[\d.]+) LUFS, expected -23\.0 ± 1\.0", check.description)
    assert measured and abs(float(measured.group(1)) + 14) <= 0.5
    materialized = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    assert "rendered_videos" in materialized and "video_metadata" not in materialized
    warehouse = Warehouse(url)
    with warehouse.session() as session:
        [row] = session.scalars(select(VideoAsset)).all()
        assert row.gate_status == "failed" and row.gate_report["failures"][0].startswith("loudness -1")
    warehouse.dispose()


def test_a_script_with_invented_claims_is_held_not_voiced_rendered_or_published(tmp_path, monkeypatch):
    from marketing_engine.video import script as script_module

    compose = script_module.compose_video_script

    def invents_a_statistic(request, rng):  # what an LLM might answer
        written = compose(request, rng)
        written["beats"][0]["narration"] = "Nine in ten save 40%. We tested it."
        return written

    monkeypatch.setattr(script_module, "compose_video_script", invents_a_statistic)
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    instance = _topics("cargo-e-bike", KEY)  # another topic, never rendered
    result = _render_preview(_resources(url), instance, selection=["video_dna", *PARTITIONED])
    assert result.success
    scripts = result.asset_value("video_scripts")
    assert scripts["held"].startswith("claims gate: ") and scripts["claims"]["counts"]["first_person"] == 1
    assert scripts["claims"]["counts"]["numeral"] >= 2
    metadata = next(
        e.materialization.metadata
        for e in result.get_asset_materialization_events()
        if e.asset_key.path[-1] == "video_scripts"
    )
    assert metadata["claims_passed"].value is False and metadata["claims_first_person"].value == 1
    for name in ("voiceovers", "visual_tracks", "rendered_videos", "video_metadata"):
        assert result.asset_value(name) == {"held": scripts["held"]}, name
    [check] = result.get_asset_check_evaluations()
    assert check.passed and check.description.startswith("held, not rendered")
    assert not (home_dir("videos") / KEY / "preview.mp4").exists()
    warehouse = Warehouse(url)
    with warehouse.session() as session:
        assert session.scalars(select(VideoAsset)).all() == []
    warehouse.dispose()


def test_prod_voice_and_music_without_their_keys_say_not_configured_and_run_offline(tmp_path, monkeypatch):
    """In prod the ElevenLabs and Suno keys are optional: unset, the resources build, the settings
    check asks for none of them, the espeak voice and the synthesizer do the work and the assets'
    metadata name what is not configured; set, the real backends are chosen."""
    from dagster import build_resources

    from marketing_engine.pipeline import _env_names
    from marketing_engine.resources import prod_resources

    keys = {"ELEVENLABS_API_KEY": "el-prod", "SUNO_API_KEY": "su-prod", "SUNO_BASE_URL": "https://suno.test"}
    for name in keys:
        monkeypatch.delenv(name, raising=False)
    prod = prod_resources()
    assert _env_names(prod["voice"]) == [] and _env_names(prod["music"]) == []
    resources = {
        **_resources(f"sqlite:///{tmp_path / 'w.sqlite'}"),
        "voice": prod["voice"],
        "music": prod["music"],
    }
    result = materialize(
        ASSETS[:4],
        resources=resources,
        instance=_topics(KEY),
        partition_key=KEY,
        run_config={"ops": {"video_scripts": PREVIEW_15S["ops"]["video_scripts"]}},
    )
    metadata = {
        e.asset_key.path[-1]: {k: v.value for k, v in e.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
    }
    voiced, played = metadata["voiceovers"], metadata["soundtracks"]
    assert (
        voiced["not_configured"]
        == "elevenlabs not configured (ELEVENLABS_API_KEY): the offline espeak voice spoke"
    )
    assert voiced["engine"].startswith("espeak-ng") and voiced["words"] > 10
    assert played["backend"] == "synth" and played["not_configured"] == (
        "suno not configured (SUNO_API_KEY, SUNO_BASE_URL): the offline synthesizer played"
    )
    assert result.asset_value("voiceovers")["engine"] == voiced["engine"]  # provenance names espeak

    for name, value in keys.items():
        monkeypatch.setenv(name, value)
    prod = prod_resources()
    assert _env_names(prod["voice"]) == ["ELEVENLABS_API_KEY"]
    assert _env_names(prod["music"]) == ["SUNO_API_KEY", "SUNO_BASE_URL"]
    with build_resources({"voice": prod["voice"], "music": prod["music"]}) as built:
        assert (built.voice.engine(), built.voice.not_configured()) == ("elevenlabs", [])
        assert (built.music.engine(), built.music.not_configured()) == ("suno", [])
        assert built.voice.engine_version().startswith("elevenlabs ")
