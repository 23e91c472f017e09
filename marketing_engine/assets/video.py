"""The video group: from a topic to platform-ready MP4s with voice, music and captions.

`video_dna` is the brand's video identity (unpartitioned); every other asset is partitioned by
`topics`. Media goes to the media store, renditions to `video_assets`, and a copy of each video
with its thumbnail, captions and metadata to `$MARKETING_ENGINE_HOME/videos/<topic>/`.
"""

import hashlib
import time

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    Config,
    DagsterInstance,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)
from pydantic import Field

from marketing_engine.assets.automation import WAREHOUSE, after_upstream, calls, owners
from marketing_engine.assets.common import markdown_table
from marketing_engine.assets.partitions import topics_partitions
from marketing_engine.files import copy_file, write_bytes, write_text
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.footage import FootageResource
from marketing_engine.resources.llm import LLMResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.music import MusicResource
from marketing_engine.resources.voice import VoiceResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.settings import home_dir
from marketing_engine.warehouse import upsert
from marketing_engine.warehouse.models import VideoAsset, VideoDNA
from marketing_engine.warehouse.registry import record_content, stored_record

GROUP = "video"


def _topic(
    context: AssetExecutionContext, brand: BrandResource, warehouse: WarehouseResource
) -> tuple[str, str]:
    from marketing_engine.video.topics import topic_for_key

    key = context.partition_key
    return key, topic_for_key(warehouse.get(), brand.load(), key)


def _seed(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big")


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", WAREHOUSE},
    code_version="1",
    deps=["brand_profile"],
    automation_condition=after_upstream(),
    description="The brand's video identity: palette, fonts, voice, music mood, pacing.",
)
def video_dna(brand: BrandResource, warehouse: WarehouseResource) -> MaterializeResult[dict]:
    from marketing_engine.video.dna import video_dna as build

    profile = brand.load()
    dna = build(profile).as_dict()
    with warehouse.get().session() as session:
        upsert(
            session,
            VideoDNA,
            [{"brand": profile.slug, "fingerprint": dna["fingerprint"], "spec": dna}],
            keys=["brand"],
        )
    return MaterializeResult(
        value=dna,
        metadata={
            "fingerprint": dna["fingerprint"][:16],
            "voice": dna["voice"],
            "music_mood": dna["music_mood"],
            "font": dna["font_name"],
            "palette": MetadataValue.json(dna["palette"]),
        },
    )


class ScriptConfig(Config):
    length_s: int = Field(default=30, description="15, 30, 60, 90, 120, 180, 300 or 600 seconds")


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", "anthropic"},
    deps=["topic_brief"],  # the trend brief the topic came from: the lineage from trends to video
    **calls("anthropic"),
    code_version="1",
    partitions_def=topics_partitions,
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
    from marketing_engine.claims import check_claims
    from marketing_engine.video.script import VideoScript, script_texts
    from marketing_engine.video.studio import checked_script, script_request
    from marketing_engine.video.topics import topic_evidence

    key, topic = _topic(context, brand, warehouse)
    profile = brand.load()
    found = topic_evidence(warehouse.get(), media_store, profile, topic)
    request = script_request(profile, video_dna, topic, config.length_s, found.trending, found.headlines)
    result = llm.generate(request, VideoScript)
    script, seconds = checked_script(result.data, video_dna)
    report = check_claims("\n".join(script_texts(script)), profile, [topic, *found.headlines])
    held = None if report.passed else report.summary()
    if held:
        context.log.warning(f"video script for {topic!r} held: {held}")
    beats = [{"on_screen": b.on_screen, "narration": b.narration, "b_roll": b.b_roll} for b in script.beats]
    claims = {
        "passed": report.passed,
        "counts": report.counts(),
        "findings": [f.__dict__ for f in report.findings],
    }
    return MaterializeResult(
        value={
            "topic_key": key,
            "script": script.model_dump(),
            "estimated_speech_s": round(seconds, 1),
            "claims": claims,
            "held": held,
        },
        metadata={
            "topic": topic,
            "language": script.language,
            "trending": found.trending,
            "trigger": script.trigger,
            "hook": script.hook,
            "words": script.word_count,
            "estimated_speech_s": round(seconds, 1),
            "length_s": script.length_s,
            "claims_passed": report.passed,
            **{f"claims_{kind}": count for kind, count in report.counts().items()},
            "claims": MetadataValue.text(report.summary()),
            "held": MetadataValue.text(held or "no"),
            "beats": markdown_table(beats, ["on_screen", "narration", "b_roll"]),
            **result.usage.as_metadata(),
        },
    )


def _held(video_scripts: dict) -> MaterializeResult | None:
    """A held script stops the studio here: nothing is voiced, drawn, rendered or published."""
    reason = video_scripts.get("held")
    if not reason:
        return None
    return MaterializeResult(value={"held": reason}, metadata={"held": MetadataValue.text(reason)})


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", "audio"},
    **calls("voice"),
    code_version="1",
    partitions_def=topics_partitions,
    description="The narration, spoken by the Voice resource, with one time per word (cached by content).",
)
def voiceovers(
    video_scripts: dict, video_dna: dict, voice: VoiceResource, media_store: MediaStoreResource
) -> MaterializeResult[dict]:
    from marketing_engine.video.script import VideoScript
    from marketing_engine.video.studio import speak_to_fit

    if held := _held(video_scripts):
        return held
    script = VideoScript.model_validate(video_scripts["script"])
    spoken = speak_to_fit(voice, script, video_dna)
    stored = media_store.put_file(spoken["wav"])
    value = {
        "key": stored.key,
        "sha256": stored.sha256,
        "words": spoken["words"],
        "duration_s": spoken["duration_s"],
        "words_per_minute": spoken["words_per_minute"],
        "engine": voice.engine_version(),
    }
    return MaterializeResult(
        value=value,
        metadata={
            "duration_s": spoken["duration_s"],
            "words": len(spoken["words"]),
            "cached": spoken["cached"],
            "words_per_minute": spoken["words_per_minute"],
            "engine": value["engine"],
            "voice": voice.voice_name(video_dna["voice"]),
            "wav": MetadataValue.path(str(media_store.uri(stored.key))),
            "first_words": markdown_table(spoken["words"][:8], ["word", "start", "end"]),
        },
    )


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", "audio"},
    **calls("music"),
    code_version="1",
    partitions_def=topics_partitions,
    description="A soundtrack for the video's length and the brand's music mood (royalty-free synth offline).",
)
def soundtracks(
    context: AssetExecutionContext,
    video_scripts: dict,
    video_dna: dict,
    music: MusicResource,
    media_store: MediaStoreResource,
) -> MaterializeResult[dict]:
    if held := _held(video_scripts):
        return held
    length = video_scripts["script"]["length_s"]
    wav, cached = music.soundtrack(video_dna["music_mood"], length, _seed(context.partition_key))
    stored = media_store.put_file(wav)
    return MaterializeResult(
        value={"key": stored.key, "sha256": stored.sha256, "length_s": length},
        metadata={
            "mood": video_dna["music_mood"],
            "length_s": length,
            "cached": cached,
            "backend": music.backend,
            "wav": MetadataValue.path(media_store.uri(stored.key)),
        },
    )


class RenditionConfig(Config):
    renditions: list[str] = Field(
        default=["vertical", "landscape"],
        description="vertical (9:16), landscape (16:9), square (1:1), portrait (4:5)",
    )


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", "video"},
    **calls("footage"),
    code_version="1",
    partitions_def=topics_partitions,
    description="Motion graphics per rendition from the video DNA (or generated footage), timed to the voice.",
)
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
    from marketing_engine.video.dna import video_dna as build
    from marketing_engine.video.script import VideoScript
    from marketing_engine.video.studio import visual_track

    if held := _held(video_scripts):
        return held
    script = VideoScript.model_validate(video_scripts["script"])
    dna_obj = build(brand.load())
    tracks = {
        name: visual_track(
            media_store,
            video_dna,
            dna_obj,
            script,
            voiceovers,
            script.length_s,
            name,
            _seed(context.partition_key),
        )
        for name in config.renditions
    }
    clips = footage.b_roll_clips(script, media_store, tracks)
    segments = next(iter(tracks.values()))["segments"]
    return MaterializeResult(
        value=tracks,
        metadata={
            "renditions": ", ".join(tracks),
            "layers": sum(len(t["layers"]) for t in tracks.values()),
            "footage_backend": footage.backend,
            "generated_clips": clips["clips"],
            "footage_cost_usd": clips["cost_usd"],
            "footage_failed": clips["failed"],
            "segments": markdown_table(segments, ["kind", "start", "end", "text"]),
        },
    )


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", "subtitles"},
    code_version="1",
    partitions_def=topics_partitions,
    description="Word-highlight ASS captions per rendition (inside its safe zone), with SRT and VTT sidecars.",
)
def captions(
    video_scripts: dict,
    voiceovers: dict,
    visual_tracks: dict,
    video_dna: dict,
    media_store: MediaStoreResource,
) -> MaterializeResult[dict]:
    from marketing_engine.video.script import VideoScript
    from marketing_engine.video.studio import caption_track

    if held := _held(video_scripts):
        return held
    script = VideoScript.model_validate(video_scripts["script"])
    tracks = {name: caption_track(media_store, video_dna, script, voiceovers, name) for name in visual_tracks}
    srt = media_store.get_bytes(next(iter(tracks.values()))["keys"]["srt"]).decode()
    return MaterializeResult(
        value=tracks,
        metadata={
            "pages": next(iter(tracks.values()))["pages"],
            "renditions": ", ".join(tracks),
            "srt_preview": MetadataValue.md("```\n" + "\n".join(srt.splitlines()[:12]) + "\n```"),
        },
    )


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", "ffmpeg", WAREHOUSE},
    code_version="1",
    partitions_def=topics_partitions,
    description="One ffmpeg filtergraph and one encode per rendition, in parallel; thumbnails; video_assets rows.",
)
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
    from sqlalchemy import select

    from marketing_engine.video.script import VideoScript
    from marketing_engine.video.studio import render_renditions

    key = context.partition_key
    slug = brand.load().slug
    if held := _held(video_scripts):
        with warehouse.get().session() as session:  # an earlier render of this topic is held too
            for row in session.scalars(
                select(VideoAsset).where(VideoAsset.brand == slug, VideoAsset.topic == key)
            ):
                row.gate_status = "held"
                row.gate_report = {"claims": video_scripts["claims"], "held": video_scripts["held"]}
        return held
    script = VideoScript.model_validate(video_scripts["script"])
    with warehouse.get().session() as session:
        rows = session.scalars(
            select(VideoAsset).where(
                VideoAsset.brand == slug, VideoAsset.topic == key, VideoAsset.length_s == script.length_s
            )
        )
        cached = {row.rendition: row.manifest_sha256 for row in rows}
    folder = home_dir("videos") / key
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rendered = render_renditions(
        media_store,
        video_dna,
        script,
        voiceovers,
        soundtracks,
        visual_tracks,
        captions,
        float(script.length_s),
        home_dir("cache") / "renders",
        cached,
    )
    seconds = time.perf_counter() - started
    gates = _gate_renditions(rendered, float(script.length_s))
    gate_seconds = time.perf_counter() - started - seconds
    value, rows, records = {}, [], []
    for item in rendered:
        video, thumb = media_store.put_file(item.video), media_store.put_file(item.thumbnail)
        ref = f"{key}/{script.length_s}s/{item.rendition}"
        made = {
            "asset": "rendered_videos",
            "run_id": context.run_id,
            "manifest_sha256": item.manifest_sha256,
            "voice": voiceovers.get("engine"),
            "music_key": soundtracks.get("key"),
        }
        records += [
            stored_record("video", ref, video, made),
            stored_record("image", f"{ref}#thumbnail", thumb, made),
        ]
        copy_file(item.video, folder / f"{item.rendition}.mp4")
        copy_file(item.thumbnail, folder / f"{item.rendition}.png")
        for suffix in ("srt", "vtt"):
            write_bytes(
                folder / f"{item.rendition}.{suffix}",
                media_store.get_bytes(captions[item.rendition]["keys"][suffix]),
            )
        size = item.manifest["rendition"]
        gate = gates[item.rendition]
        rows.append(
            {
                "brand": slug,
                "topic": key,
                "length_s": script.length_s,
                "rendition": item.rendition,
                "width": size["width"],
                "height": size["height"],
                "duration_s": float(script.length_s),
                "media_key": video.key,
                "sha256": video.sha256,
                "thumbnail_key": thumb.key,
                "manifest_sha256": item.manifest_sha256,
                "gate_status": "passed" if gate.passed else "failed",
                # the render's own measurement of the encoded picture: the gates then decode only sound
                "gate_report": gate.as_dict() | ({"picture": item.picture} if item.picture else {}),
            }
        )
        value[item.rendition] = {
            "media_key": video.key,
            "thumbnail_key": thumb.key,
            "file": str(folder / f"{item.rendition}.mp4"),
            "manifest_sha256": item.manifest_sha256,
            "caption_box": item.caption_box,
        }
    with warehouse.get().session() as session:
        upsert(session, VideoAsset, rows, keys=["brand", "topic", "length_s", "rendition"])
        registered = record_content(session, slug, records)
    return MaterializeResult(
        value=value,
        metadata={
            "renditions": len(rendered),
            **registered.as_metadata(),
            "render_seconds": round(seconds, 1),
            "gate_seconds": round(gate_seconds, 1),
            "gates_failed": sum(not gate.passed for gate in gates.values()),
            "folder": MetadataValue.path(str(folder)),
            "thumbnail": MetadataValue.path(str(folder / f"{rendered[0].rendition}.png")),
            "videos": markdown_table(rows, ["rendition", "width", "height", "duration_s", "manifest_sha256"]),
        },
    )


def _gate_renditions(rendered: list, duration: float) -> dict:
    """Every platform gate on each rendition as encoded: streams, faststart, loudness, black, frozen
    or silent stretches, captions in the safe zone (two files at a time)."""
    from concurrent.futures import ThreadPoolExecutor

    from marketing_engine.video import captions as cap
    from marketing_engine.video.gates import run_gates
    from marketing_engine.video.library import rendition

    def gate(item):
        spec = rendition(item.rendition)
        return run_gates(item.video, spec, duration, cap.layout(spec).as_dict(), picture=item.picture)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return {report.rendition: report for report in pool.map(gate, rendered)}


def _held_render(instance: DagsterInstance, partition: str) -> str | None:
    """Why the newest rendered_videos materialization of this topic rendered nothing (a held script)."""
    from dagster import AssetKey, AssetRecordsFilter

    found = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey("rendered_videos"), asset_partitions=[partition]), limit=1
    ).records
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
    context, brand: BrandResource, warehouse: WarehouseResource
) -> AssetCheckResult:
    """Reads the gate results `rendered_videos` stored with each rendition (it writes; this only looks)."""
    from sqlalchemy import select

    held = _held_render(context.instance, context.partition_key)
    if held:  # nothing was rendered, nothing will be published
        return AssetCheckResult(
            passed=True,
            severity=AssetCheckSeverity.WARN,
            description=f"held, not rendered: {held}"[:1000],
            metadata={"renditions": 0, "held": MetadataValue.text(held)},
        )
    slug = brand.load().slug
    with warehouse.get().session() as session:
        rows = list(
            session.scalars(
                select(VideoAsset).where(VideoAsset.brand == slug, VideoAsset.topic == context.partition_key)
            )
        )
        gated = {row.rendition: (row.gate_status, row.gate_report or {}) for row in rows}
    failures = []
    for name, (status, report) in gated.items():
        if status not in ("passed", "failed"):
            failures.append(f"{name}: not gated ({status})")
        failures += [f"{name}: {failure}" for failure in report.get("failures", [])]
    return AssetCheckResult(
        passed=bool(gated) and not failures,
        severity=AssetCheckSeverity.ERROR,
        description="; ".join(failures)[:1000] if failures else f"{len(gated)} renditions publishable",
        metadata={
            "renditions": len(gated),
            "failures": MetadataValue.md("\n".join(f"- {f}" for f in failures) or "none"),
            "measurements": MetadataValue.json({n: r.get("measurements", {}) for n, (_, r) in gated.items()}),
        },
    )


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", "json"},
    code_version="1",
    partitions_def=topics_partitions,
    description="Per platform: title, description and hashtags within that platform's limits.",
)
def video_metadata(
    video_scripts: dict, rendered_videos: dict, brand: BrandResource, media_store: MediaStoreResource
) -> MaterializeResult[dict]:
    import json

    from marketing_engine.video.metadata import platform_metadata
    from marketing_engine.video.script import VideoScript

    if held := _held(video_scripts):
        return held
    script = VideoScript.model_validate(video_scripts["script"])
    entries = platform_metadata(brand.load(), script, list(rendered_videos))
    folder = home_dir("videos") / video_scripts["topic_key"]
    write_text(folder / "metadata.json", json.dumps(entries, indent=1, ensure_ascii=False))
    stored = media_store.put_file(folder / "metadata.json")
    rows = [
        {
            "platform": p,
            **{k: v for k, v in e.items() if k != "hashtags"},
            "hashtags": " ".join(e["hashtags"]),
        }
        for p, e in entries.items()
    ]
    return MaterializeResult(
        value=entries,
        metadata={
            "platforms": len(entries),
            "file": MetadataValue.path(str(folder / "metadata.json")),
            "key": stored.key,
            "preview": markdown_table(rows, ["platform", "rendition", "title", "hashtags"]),
        },
    )
