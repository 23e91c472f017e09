"""The main job behind `make run`: materialize the whole asset graph, stage by stage, on the
embedded defaults, and print what was made and where.

Stages run in order; a stage selects asset groups (or keys) and, for partitioned assets, the
partition keys to run (computed when the stage starts, so a sensor-like stage can first add
dynamic partitions). Each domain appends its stages to `STAGES`. Runs go to the Dagster instance
under `$MARKETING_ENGINE_HOME/dagster`, so `make dev` shows them afterwards.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dagster import AssetKey, AssetSelection, DagsterInstance, Definitions

from marketing_engine.settings import PROJECT_ROOT, engine_home

PartitionPicker = Callable[[DagsterInstance, Definitions], Sequence[str]]


class PipelineError(RuntimeError):
    """A stage's run failed; the message names the stage, partition and failing steps."""


@dataclass(frozen=True)
class Stage:
    name: str
    groups: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    partitions: PartitionPicker | None = None

    def selection(self) -> AssetSelection:
        selection = AssetSelection.groups(*self.groups) if self.groups else AssetSelection.assets()
        if self.keys:
            selection = selection | AssetSelection.assets(*[AssetKey.from_user_string(k) for k in self.keys])
        return selection


def _analytics_recent_days(instance: DagsterInstance, defs: Definitions) -> Sequence[str]:
    from marketing_engine.assets.analytics import recent_metric_days

    return recent_metric_days()


def _trends_recent_days(instance: DagsterInstance, defs: Definitions) -> Sequence[str]:
    from marketing_engine.assets.trends import recent_snapshot_days

    return recent_snapshot_days(instance, defs)


def _trends_promote_spiking_topics(instance: DagsterInstance, defs: Definitions) -> Sequence[str]:
    from marketing_engine.sensors.trend_spikes import promote_spiking_topics

    return promote_spiking_topics(instance, defs)


def _seo_top_clusters(instance: DagsterInstance, defs: Definitions) -> Sequence[str]:
    from marketing_engine.assets.seo import top_cluster_partitions

    return top_cluster_partitions(instance)


def _video_top_topic(instance: DagsterInstance, defs: Definitions) -> Sequence[str]:
    from marketing_engine.assets.video import video_topic_partitions

    return video_topic_partitions(instance, defs)


# Each domain appends its stages here, in graph order.
STAGES: list[Stage] = [
    Stage("foundation", groups=("foundation",)),
    # seo stages
    Stage("seo keywords", keys=("keyword_universe", "keyword_clusters")),
    Stage("seo pages", keys=("page_briefs", "programmatic_pages"), partitions=_seo_top_clusters),
    Stage("seo site", keys=("page_schema", "static_site", "published_pages", "serp_positions")),
    # trends stages
    Stage("trend snapshots", keys=("trend_snapshots",), partitions=_trends_recent_days),
    Stage("trend signals", keys=("trend_signals", "trend_opportunities")),
    Stage("trend topics", keys=("topic_brief",), partitions=_trends_promote_spiking_topics),
    # video stages
    Stage("video dna", keys=("video_dna",)),
    Stage(
        "video",
        keys=(
            "video_scripts",
            "voiceovers",
            "soundtracks",
            "visual_tracks",
            "captions",
            "rendered_videos",
            "video_metadata",
        ),
        partitions=_video_top_topic,
    ),
    # publishing stages
    Stage("publishing", groups=("publishing",)),
    # analytics stages
    Stage("analytics metrics", keys=("touchpoints", "content_metrics"), partitions=_analytics_recent_days),
    Stage(
        "analytics",
        keys=(
            "attribution_tables",
            "experiments",
            "performance_forecasts",
            "campaign_memory",
            "marketing_report",
        ),
    ),
    # authority stages
    Stage("authority", groups=("authority",)),
]

# Files worth pointing the user at after a run (globs under the engine home); domains append.
SUMMARY_GLOBS: list[str] = [
    "site/index.html",  # serve the site with: python -m http.server -d <home>/site
    "site/sitemap.xml",
    "site/feed.xml",
    "videos/*/*.mp4",
    "videos/*/*.png",
    "calendar/*.ics",
    "reports/review_queue.md",
    "outbox/*",
    "reports/*.html",
    "reports/authority/*",
]


@dataclass
class StageReport:
    name: str
    runs: int = 0
    seconds: float = 0.0
    assets: set[str] = field(default_factory=set)


def dagster_home() -> Path:
    """The Dagster home under the engine home, configured from the project's dagster.yaml."""
    home = engine_home() / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        shutil.copyfile(PROJECT_ROOT / "dagster.yaml", config)
    return home


def _instance() -> DagsterInstance:
    os.environ["DAGSTER_HOME"] = str(dagster_home())
    return DagsterInstance.get()


def run_pipeline(stages: Sequence[Stage] | None = None, console=None) -> list[StageReport]:
    """Run every stage; raise PipelineError on the first failed run."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from marketing_engine.definitions import build_definitions

    console = console or Console()
    stages = list(STAGES if stages is None else stages)
    instance = _instance()
    defs = build_definitions()
    job = defs.resolve_implicit_global_asset_job_def()
    graph = job.asset_layer.asset_graph
    reports: list[StageReport] = []
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        for stage in stages:
            keys = stage.selection().resolve(graph)
            if not keys:
                raise PipelineError(
                    f"stage {stage.name!r} selects no assets (groups {stage.groups}, keys {stage.keys})"
                )
            partitions: Sequence[str | None] = (
                stage.partitions(instance, defs) if stage.partitions else [None]
            )
            task = progress.add_task(stage.name, total=max(1, len(partitions)))
            report = StageReport(stage.name, assets={k.to_user_string() for k in keys})
            started = time.perf_counter()
            for partition in partitions:
                # A picker may return a "first...last" range: one run over all of it (for assets
                # with BackfillPolicy.single_run), instead of one run per partition.
                first, _, last = (partition or "").partition("...")
                ranged = {
                    "dagster/asset_partition_range_start": first,
                    "dagster/asset_partition_range_end": last,
                }
                result = job.execute_in_process(
                    instance=instance,
                    asset_selection=list(keys),
                    partition_key=None if last else partition,
                    raise_on_error=False,
                    run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
                    tags={"marketing_engine/stage": stage.name, **(ranged if last else {})},
                )
                if not result.success:
                    failed = [
                        f"{event.step_key}: {event.event_specific_data.error.message.strip()}"  # type: ignore[union-attr]
                        for event in result.all_events
                        if event.is_step_failure
                    ]
                    where = f" partition {partition!r}" if partition else ""
                    raise PipelineError(
                        f"stage {stage.name!r}{where} failed: " + "; ".join(failed or ["see the run logs"])
                    )
                report.runs += 1
                progress.advance(task)
            report.seconds = time.perf_counter() - started
            reports.append(report)
    return reports


def summarize(console=None) -> dict[str, int]:
    """Print warehouse row counts and the files made; return the row counts."""
    from rich.console import Console
    from rich.table import Table

    from marketing_engine.resources import build_resources

    console = console or Console()
    warehouse = build_resources("local")["warehouse"].get()
    counts = warehouse.table_counts()
    table = Table(title="Warehouse rows", show_lines=False)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in counts.items():
        if count:
            table.add_row(name, str(count))
    console.print(table)
    home = engine_home()
    console.print(f"Warehouse: {warehouse.url}")
    media = home / "media"
    if media.exists():
        files = [p for p in media.rglob("*") if p.is_file()]
        console.print(
            f"Media store: {media} ({len(files)} objects, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB)"
        )
    for pattern in SUMMARY_GLOBS:
        for path in sorted(home.glob(pattern))[:10]:
            console.print(f"  {path}")
    console.print(f"Dagster runs: {dagster_home()}  (open them with `make dev`)")
    return counts
