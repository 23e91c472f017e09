"""The video group: from a topic to platform-ready MP4s with voice, music and captions.

`video_dna` is the brand's video identity (unpartitioned); every other asset is partitioned by
`topics`. Media goes to the media store, renditions to `video_assets`, and a copy of each video
with its thumbnail, captions and metadata to `$MARKETING_ENGINE_HOME/videos/<topic>/`.
The work is done in `marketing_engine/video/` (its warehouse queries in `video/store.py`).
"""

from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)
from pydantic import Field

from marketing_engine.assets.automation import WAREHOUSE, after_upstream, calls, owners
from marketing_engine.assets.common import markdown_table
from marketing_engine.assets.partitions import topics_partitions
from marketing_engine.execution import queue_tags
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.footage import FootageResource
from marketing_engine.resources.llm import LLMResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.music import MusicResource
from marketing_engine.resources.voice import VoiceResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.video import store
from marketing_engine.video.dna import video_dna as build_dna
from marketing_engine.video.script import VideoScript
from marketing_engine.video.step import Step
from marketing_engine.video.topics import render_seed, topic_evidence, topic_for_key

GROUP = "video"


def _video_asset(*kinds: str, pool: str | None = None, partitioned: bool = True, **spec: Any):
    """`@asset` with what every video asset shares: group, owner, code version, the python kind, the
    topics partitions (but for the brand's video DNA), and a provider's pool and retry where it calls one."""
    spec |= calls(pool) if pool else {}
    spec |= {"partitions_def": topics_partitions} if partitioned else {}
    spec |= queue_tags(group=GROUP)  # the studio's steps run on the render workers (the video queue)
    return asset(group_name=GROUP, owners=owners(GROUP), code_version="1", kinds={"python", *kinds}, **spec)


def _materialized(step: Step, **extra: Any) -> MaterializeResult:
    """A video-domain step's result: its value, and its metadata as the UI shows it."""
    metadata = {
        **step.metadata,
        **extra,
        **{key: MetadataValue.path(link) for key, link in step.links.items()},
        **{key: markdown_table(rows, columns) for key, (rows, columns) in step.tables.items()},
        **{key: MetadataValue.md(text) for key, text in step.markdown.items()},
    }
    return MaterializeResult(value=step.value, metadata=metadata)


def _held(video_scripts: dict) -> MaterializeResult | None:
    """A held script stops the studio here: nothing is voiced, drawn, rendered or published."""
    reason = video_scripts.get("held")
    if not reason:
        return None
    return MaterializeResult(value={"held": reason}, metadata={"held": MetadataValue.text(reason)})


def _script(video_scripts: dict) -> VideoScript:
    return VideoScript.model_validate(video_scripts["script"])


@_video_asset(WAREHOUSE, partitioned=False, deps=["brand_profile"], automation_condition=after_upstream())
def video_dna(brand: BrandResource, warehouse: WarehouseResource) -> MaterializeResult[dict]:
    """The brand's video identity: palette, fonts, voice, music mood, pacing."""
    profile = brand.load()
    dna = build_dna(profile)
    store.save_video_dna(warehouse.get(), profile.slug, dna.as_dict())
    return MaterializeResult(value=dna.as_dict(), metadata=dna.as_metadata())


class ScriptConfig(Config):
    length_s: int = Field(default=30, description="15, 30, 60, 90, 120, 180, 300 or 600 seconds")


@_video_asset(
    "anthropic",
    pool="anthropic",
    deps=["topic_brief"],  # the trend brief the topic came from: the lineage from trends to video
    description="A script per topic in the audience's language: trigger hook, beats with on-screen text "
    "and b-roll from the brand's facts, call to action. The claims gate checks every line; a script "
    "that fails is held (not voiced, rendered or published) with the reason.",
)
def video_scripts(
    context: AssetExecutionContext,
    config: ScriptConfig,
    video_dna: dict,
    brand: BrandResource,
    warehouse: WarehouseResource,
    media_store: MediaStoreResource,
    llm: LLMResource,
) -> MaterializeResult[dict]:
    from marketing_engine.video.writer import write_script

    key, profile = context.partition_key, brand.load()
    topic = topic_for_key(warehouse.get(), profile, key)
    found = topic_evidence(warehouse.get(), media_store, profile, topic)
    from marketing_engine.analytics.recall import writer_memory

    platforms = [p for p in ("youtube", "tiktok", "instagram") if p in profile.enabled_channels]
    memory = writer_memory(warehouse.get(), profile.slug, platforms, topic)  # for the video platforms
    written = write_script(llm, profile, video_dna, key, topic, config.length_s, found, memory)
    if written.held:
        context.log.warning(f"video script for {topic!r} held: {written.held}")
    return _materialized(written.as_step())


@_video_asset("audio", pool="voice")
def voiceovers(
    video_scripts: dict, video_dna: dict, voice: VoiceResource, media_store: MediaStoreResource
) -> MaterializeResult[dict]:
    """The narration, spoken by the Voice resource, with one time per word (cached by content)."""
    from marketing_engine.video.studio import record_voiceover

    if held := _held(video_scripts):
        return held
    return _materialized(record_voiceover(voice, media_store, _script(video_scripts), video_dna))


@_video_asset("audio", pool="music")
def soundtracks(
    context: AssetExecutionContext,
    video_scripts: dict,
    video_dna: dict,
    music: MusicResource,
    media_store: MediaStoreResource,
) -> MaterializeResult[dict]:
    """A soundtrack for the video's length and the brand's music mood (royalty-free synth offline)."""
    from marketing_engine.video.studio import make_soundtrack

    if held := _held(video_scripts):
        return held
    length, seed = video_scripts["script"]["length_s"], render_seed(context.partition_key)
    return _materialized(make_soundtrack(music, media_store, length, video_dna["music_mood"], seed))


class RenditionConfig(Config):
    renditions: list[str] = Field(
        default=["vertical", "landscape"],
        description="vertical (9:16), landscape (16:9), square (1:1), portrait (4:5)",
    )


@_video_asset("video", pool="footage")
def visual_tracks(
    context: AssetExecutionContext,
    config: RenditionConfig,
    video_scripts: dict,
    voiceovers: dict,
    video_dna: dict,
    brand: BrandResource,
    footage: FootageResource,
    media_store: MediaStoreResource,
) -> MaterializeResult[dict]:
    """Motion graphics per rendition from the video DNA (or generated footage), timed to the voice."""
    from marketing_engine.video.studio import draw_visual_tracks

    if held := _held(video_scripts):
        return held
    script, dna, seed = _script(video_scripts), build_dna(brand.load()), render_seed(context.partition_key)
    made = draw_visual_tracks(
        footage, media_store, video_dna, dna, script, voiceovers, config.renditions, seed
    )
    return _materialized(made)


@_video_asset("subtitles")
def captions(
    video_scripts: dict,
    voiceovers: dict,
    visual_tracks: dict,
    video_dna: dict,
    media_store: MediaStoreResource,
) -> MaterializeResult[dict]:
    """Word-highlight ASS captions per rendition (inside its safe zone), with SRT and VTT sidecars."""
    from marketing_engine.video.studio import write_caption_tracks

    if held := _held(video_scripts):
        return held
    script = _script(video_scripts)
    made = write_caption_tracks(media_store, video_dna, script, voiceovers, list(visual_tracks))
    return _materialized(made)


@_video_asset("ffmpeg", WAREHOUSE)
def rendered_videos(
    context: AssetExecutionContext,
    video_scripts: dict,
    voiceovers: dict,
    soundtracks: dict,
    visual_tracks: dict,
    captions: dict,
    video_dna: dict,
    brand: BrandResource,
    warehouse: WarehouseResource,
    media_store: MediaStoreResource,
) -> MaterializeResult[dict]:
    """One ffmpeg filtergraph and one encode per rendition, in parallel; thumbnails; video_assets rows."""
    from marketing_engine.video.production import Tracks, produce
    from marketing_engine.video.writer import held_report

    key, slug, db = context.partition_key, brand.load().slug, warehouse.get()
    if held := _held(video_scripts):  # an earlier render of this topic is held too
        store.hold_renditions(db, slug, key, held_report(video_scripts))
        return held
    script = _script(video_scripts)
    tracks = Tracks(video_dna, script, voiceovers, soundtracks, visual_tracks, captions)
    cached = store.rendered_manifests(db, slug, key, script.length_s)
    # renders, then gates each rendition and keeps its gate status on its row: the blocking check
    # below only reads it, and publishing takes only renditions that passed
    made_by = {"asset": "rendered_videos", "run_id": context.run_id}
    done = produce(media_store, tracks, key, cached, made_by)
    registered = store.save_renditions(db, slug, done.rows, done.records)
    return _materialized(done.as_step(), **registered.as_metadata())


def _held_render(context: AssetCheckExecutionContext) -> str | None:
    """Why the newest rendered_videos materialization of this topic rendered nothing (a held script)."""
    from dagster import AssetKey, AssetRecordsFilter

    rendered = AssetRecordsFilter(AssetKey("rendered_videos"), asset_partitions=[context.partition_key])
    found = context.instance.fetch_materializations(rendered, limit=1).records
    if not found or found[0].asset_materialization is None:
        return None
    held = found[0].asset_materialization.metadata.get("held")
    return str(held.value) if held is not None else None


@asset_check(
    asset=rendered_videos,
    blocking=True,
    description="Each rendition meets its platforms' specs: streams, faststart, loudness, no black/"
    "frozen/silent stretch over 1 s, captions in the safe zone.",
)
def rendered_videos_meet_platform_specs(
    context: AssetCheckExecutionContext, brand: BrandResource, warehouse: WarehouseResource
) -> AssetCheckResult:
    """Reads the gate results `rendered_videos` stored with each rendition; writes nothing."""
    from marketing_engine.video.gates import held_verdict, publish_verdict

    held = _held_render(context)  # a held script rendered nothing: nothing will be published
    gated = {} if held else store.rendition_gates(warehouse.get(), brand.load().slug, context.partition_key)
    verdict = held_verdict(held) if held else publish_verdict(gated)
    severity = AssetCheckSeverity.WARN if verdict.warning else AssetCheckSeverity.ERROR
    metadata = {**verdict.metadata, **{key: MetadataValue.md(text) for key, text in verdict.markdown.items()}}
    return AssetCheckResult(
        passed=verdict.passed, severity=severity, description=verdict.description, metadata=metadata
    )


@_video_asset("json")
def video_metadata(
    video_scripts: dict, rendered_videos: dict, brand: BrandResource, media_store: MediaStoreResource
) -> MaterializeResult[dict]:
    """Per platform: title, description and hashtags within that platform's limits."""
    from marketing_engine.video.metadata import publish_metadata

    if held := _held(video_scripts):
        return held
    topic, script = video_scripts["topic_key"], _script(video_scripts)
    made = publish_metadata(brand.load(), script, list(rendered_videos), topic, media_store)
    return _materialized(made)
