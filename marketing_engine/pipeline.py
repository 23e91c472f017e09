"""`make run`: the loop a deployment runs, run once, now, by Dagster, on the embedded defaults; then
what was made and where.

Dagster is the only orchestrator. Each stage runs jobs of the Definitions (`jobs.py`), then the
Definitions' sensors that target its partitioned assets, each evaluated once against the instance
the way the daemon ticks it: their dynamic partition requests applied, their run requests executed
with the tags the daemon would set (`dagster/sensor_name`, `dagster/run_key`, the partition). Which
days, topics and clusters run is the sensors' choice, never this module's. So when `make dev` starts
the daemon, the sensors find their run keys taken and redo nothing. Runs go to the Dagster instance
under `$MARKETING_ENGINE_HOME/dagster`, so `make dev` shows them afterwards.

A failed stage does not stop the stages that do not depend on it: one provider's outage costs only
what needs its data. Each failure is reported in one line naming the asset (or the check, its rule
and the offending items), the underlying exception and what to do. Runs left STARTED by a killed
`make run` are marked failed when the next one starts.
"""
from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagster import AssetKey, AssetSelection, DagsterError, DagsterInstance, Definitions

from marketing_engine.files import copy_file
from marketing_engine.sensors.catch_up import RANGE_END_TAG, RANGE_START_TAG
from marketing_engine.settings import PROJECT_ROOT, dagster_home_dir, engine_home, masked_url

PID_TAG = "marketing_engine/pid"
HOST_TAG = "marketing_engine/host"
STAGE_TAG = "marketing_engine/stage"
SENSOR_NAME_TAG = "dagster/sensor_name"  # the tags the sensor daemon sets on the runs a sensor asks for
RUN_KEY_TAG = "dagster/run_key"


@dataclass(frozen=True)
class StageFailure:
    """One thing that went wrong in a stage: where (asset or check), why, and what to do."""

    stage: str
    where: str  # the asset, or "check <name> on <asset>"
    cause: str  # the underlying exception (type and message), or the check's rule and offending items
    todo: str
    partition: str | None = None
    run_id: str | None = None

    def line(self) -> str:
        part = f" partition {self.partition!r}" if self.partition else ""
        return f"stage {self.stage!r}{part} failed: {self.where}: {self.cause} — to fix: {self.todo}"


class PipelineError(RuntimeError):
    """One or more stages failed; the message's last line names the first failure's asset, its
    cause and what to do. `failures` holds every failure, `skipped` the stages that needed them."""

    def __init__(
        self,
        failures: Sequence[StageFailure] | str,
        skipped: Sequence[str] = (),
        reports: Sequence[StageReport] = (),
    ):
        if isinstance(failures, str):
            failures = [StageFailure("pipeline", "pipeline", failures, "see the message above")]
        self.failures, self.skipped, self.reports = list(failures), list(skipped), list(reports)
        lines = [failure.line() for failure in self.failures[1:]]
        lines += [f"stage {name!r} skipped: it needs what failed" for name in self.skipped]
        if self.failures[0].stage == "pipeline":
            lines.append(self.failures[0].cause)
        else:
            lines.append(self.failures[0].line())
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Stage:
    """One piece of the loop, in the Definitions' own terms: the jobs it runs, then the sensors of
    the Definitions that target its `sensed` assets, each evaluated once against the instance (their
    dynamic partition requests applied, their run requests executed with the daemon's tags).
    `groups`/`keys` select assets of the Definitions for one run of their own (probes use it)."""

    name: str
    jobs: tuple[str, ...] = ()
    sensed: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()

    def selection(self) -> AssetSelection | None:
        if not (self.groups or self.keys):
            return None
        selection = AssetSelection.groups(*self.groups) if self.groups else AssetSelection.assets()
        if self.keys:
            selection = selection | AssetSelection.assets(*[AssetKey.from_user_string(k) for k in self.keys])
        return selection


# The loop, in graph order. Partitions are never chosen here: the sensors decide them.
STAGES: list[Stage] = [
    Stage("foundation", jobs=("foundation_job",)),
    Stage("seo keywords", jobs=("seo_keywords_job",)),
    Stage("seo pages", sensed=("programmatic_pages",)),  # keyword_cluster_pages
    Stage("seo site", jobs=("seo_site_job",), sensed=("published_pages",)),  # publish_site
    Stage("seo indexing", jobs=("seo_indexing_job",)),
    Stage("trend snapshots", sensed=("trend_snapshots",)),  # daily_catch_up
    Stage("trend signals", jobs=("trend_signals_job",)),
    Stage("video dna", jobs=("video_dna_job",)),
    Stage("video", sensed=("topic_brief",)),  # trend_spike_sensor: each spike's brief and video
    Stage("publishing", jobs=("content_plan_job", "publish_due_posts")),
    Stage("analytics metrics", sensed=("content_metrics", "ai_visibility")),  # daily_catch_up, ai_visibility_today
    Stage("analytics", jobs=("analytics_job",)),
    Stage("outreach", jobs=("outreach_job",)),
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
    "reports/page_review_queue.md",  # pages the claims gate held, with the reason
    "outbox/*",
    "reports/*.html",
    "reports/outreach/*",
]


@dataclass
class StageReport:
    name: str
    runs: int = 0
    seconds: float = 0.0
    assets: set[str] = field(default_factory=set)
    made_before: int = 0  # runs its sensors asked for that an earlier run had made (run key found)


def dagster_home() -> Path:
    """The Dagster home under the engine home (see settings.dagster_home_dir), configured from the
    project's dagster.yaml."""
    home = dagster_home_dir()
    config = home / "dagster.yaml"
    if not config.exists():
        copy_file(PROJECT_ROOT / "dagster.yaml", config)
    return home


def _instance() -> DagsterInstance:
    os.environ["DAGSTER_HOME"] = str(dagster_home())
    return DagsterInstance.get()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_orphaned_runs(instance: DagsterInstance) -> list[str]:
    """Mark failed the `make run` runs still STARTED (or starting) whose process is gone — a run
    killed mid-way never reports its own end. Runs of `make dev` (no stage tag) are left alone."""
    from dagster import DagsterRunStatus, RunsFilter

    unfinished = instance.get_runs(
        RunsFilter(
            statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.NOT_STARTED]
        )
    )
    host, failed = socket.gethostname(), []
    for run in unfinished:
        if STAGE_TAG not in run.tags:
            continue
        pid, owner_host = run.tags.get(PID_TAG), run.tags.get(HOST_TAG)
        if owner_host == host and pid and pid.isdigit() and int(pid) != os.getpid() and _pid_alive(int(pid)):
            continue  # still running here (a second process without the home lock, e.g. a test)
        if owner_host and owner_host != host:
            continue  # another machine's run: it may be alive
        instance.report_run_failed(
            run,
            f"the process running stage {run.tags.get(STAGE_TAG)!r} (pid {pid or '?'}) ended without "
            "finishing it (killed?); marked failed by the next `make run`",
        )
        failed.append(run.run_id)
    return failed


_WRAPPERS = ("Dagster", "RetryRequested")
_TODO = {
    "BrandFileError": "correct that field of the brand file, then run again",
    "WarehouseError": "check MARKETING_ENGINE_WAREHOUSE_URL and that the database is reachable, then run again",
    "OperationalError": "check that the warehouse database is reachable and not locked, then run again",
    "ProviderError": "check that provider's key and the network; the stages that do not need it ran",
    "LLMError": "check the LLM provider's key, quota and status; the stages that do not need it ran",
    "SpeechError": "set visual_identity.voice to an installed voice (espeak-ng --voices), then run again",
    "RenderError": "see the ffmpeg lines above; delete cache/renders in the engine home if it persists",
    "GateError": "the rendition failed its spec; see the gate report in the warehouse (video_assets)",
    "PermissionError": "make the engine home writable, or set MARKETING_ENGINE_HOME",
    "HomeError": "make the engine home writable, or set MARKETING_ENGINE_HOME",
    "TimelineError": "shorten the script's narration or lengthen the video, then run again",
}
_DEFAULT_TODO = "fix the cause named here and run `make run` again; the full log is in `make dev` → Runs"


def _cause(error: Any) -> tuple[str, str]:
    """The first exception in a Dagster error chain that is not Dagster's own wrapper, as
    ("Type: message", its class name)."""
    chain, link = [], error
    while link is not None and len(chain) < 20:
        chain.append(link)
        link = link.cause or link.context
    for link in chain:
        if not link.cls_name.startswith(_WRAPPERS):
            head, sep, rest = link.message.strip().partition(": ")
            text = rest if sep and head.split(".")[-1] == link.cls_name else link.message
            return f"{link.cls_name}: {masked_url(' '.join(text.split()))[:600]}", link.cls_name
    message = " ".join(chain[-1].message.split()) if chain else "no error message"
    return masked_url(message)[:600], chain[-1].cls_name if chain else ""


def _metadata_text(metadata: dict[str, Any]) -> str:
    parts = []
    for name, value in metadata.items():
        shown = getattr(value, "value", value)
        if isinstance(shown, (dict, list)):
            import json

            shown = json.dumps(shown, ensure_ascii=False, default=str)
        shown = " ".join(str(shown).split())
        if shown and shown not in ("0", "none", "[]", "{}"):
            parts.append(f"{name} {shown[:300]}")
    return "; ".join(parts)


def _step_assets(job: Any) -> dict[str, list[str]]:
    graph = job.asset_layer.asset_graph
    found: dict[str, list[str]] = {}
    for key in graph.get_all_asset_keys():
        assets_def = graph.get(key).assets_def
        if assets_def.is_executable:
            found.setdefault(assets_def.node_def.name, []).append(key.to_user_string())
    return found


def run_failures(
    stage: str, partition: str | None, result: Any, job: Any
) -> tuple[list[StageFailure], set[AssetKey]]:
    """What failed in one run: failed checks (rule and offending items) and failed steps (the
    underlying exception), with the asset keys that did not come out right."""
    graph = job.asset_layer.asset_graph
    by_step = _step_assets(job)
    failures: list[StageFailure] = []
    broken: set[AssetKey] = set()
    check_steps: set[str] = set()
    run_id = getattr(result, "run_id", None)
    for event in result.all_events:
        if event.event_type_value != "ASSET_CHECK_EVALUATION":
            continue
        evaluation = event.event_specific_data
        if evaluation.passed:
            continue
        spec = graph.get_check_spec(evaluation.asset_check_key)
        if not spec.blocking:
            continue
        check_steps.add(event.step_key or "")
        broken.add(evaluation.asset_key)
        rule = spec.description or evaluation.check_name
        offending = evaluation.description or _metadata_text(dict(evaluation.metadata or {}))
        failures.append(
            StageFailure(
                stage,
                f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()}",
                f"rule: {rule}; offending: {offending or 'see the check in `make dev`'}"[:900],
                "fix the offending items named here (in the brand file, or the content they come from), "
                "then run again",
                partition,
                run_id,
            )
        )
    for event in result.all_events:
        if event.is_step_failure and event.step_key not in check_steps:
            error = event.event_specific_data.error
            if error is not None and error.cls_name == "DagsterAssetCheckFailedError":
                continue  # reported above, by check
            cause, kind = _cause(error) if error is not None else ("no error recorded", "")
            assets = by_step.get(event.step_key or "", [event.step_key or "?"])
            broken |= {AssetKey.from_user_string(a) for a in assets if a != "?"}
            failures.append(
                StageFailure(
                    stage, ", ".join(assets), cause, _TODO.get(kind, _DEFAULT_TODO), partition, run_id
                )
            )
        elif event.is_step_skipped:
            broken |= {AssetKey.from_user_string(a) for a in by_step.get(event.step_key or "", [])}
    if not failures:
        failures.append(
            StageFailure(
                stage, "run", "the run failed without a failed step", _DEFAULT_TODO, partition, run_id
            )
        )
    return failures, broken


def _env_names(value: Any) -> list[str]:
    """The environment variables a resource's settings come from (EnvVar fields, nested)."""
    from dagster import ConfigurableIOManagerFactory, ConfigurableResource, EnvVar

    if isinstance(value, EnvVar):
        return [value.env_var_name]
    if isinstance(value, (ConfigurableResource, ConfigurableIOManagerFactory)):  # IO managers too
        return [
            name for field in type(value).model_fields for name in _env_names(getattr(value, field, None))
        ]
    if isinstance(value, (list, tuple)):
        return [name for item in value for name in _env_names(item)]
    if isinstance(value, dict):
        return [name for item in value.values() for name in _env_names(item)]
    return []


def sensors_for(stage: Stage, defs: Definitions, graph: Any) -> list[Any]:
    """The Definitions' sensors that decide runs of the stage's `sensed` assets: plain sensors whose
    target (asset selection or job) includes one of them, in the Definitions' order. Automation
    condition and run status sensors are the daemon's alone."""
    from dagster import AutomationConditionSensorDefinition, RunStatusSensorDefinition

    wanted = {AssetKey.from_user_string(k) for k in stage.sensed}
    found = []
    for sensor in defs.sensors or ():
        if isinstance(sensor, (AutomationConditionSensorDefinition, RunStatusSensorDefinition)):
            continue
        if sensor.asset_selection is not None:
            targets = sensor.asset_selection.resolve(graph)
        else:
            targets = set()
            for job in sensor.jobs if sensor.has_jobs else ():
                targets |= _job_keys(defs, job.name)
        if targets & wanted:
            found.append(sensor)
    return found


def stage_keys(stage: Stage, defs: Definitions, graph: Any) -> set[AssetKey]:
    """The assets a stage is for: its jobs' assets, its selection and its sensed assets."""
    keys: set[AssetKey] = set()
    for name in stage.jobs:
        keys |= _job_keys(defs, name)
    selection = stage.selection()
    if selection is not None:
        keys |= set(selection.resolve(graph))
    return keys | {AssetKey.from_user_string(k) for k in stage.sensed}


def check_stages(stages: Sequence[Stage], defs: Definitions, graph: Any) -> None:
    """Every job a stage names is in the Definitions, every sensed asset has a sensor there, and
    every stage runs something; a stage that does not is refused before any work."""
    jobs = {job.name for job in defs.resolve_all_job_defs()}
    for stage in stages:
        unknown = [name for name in stage.jobs if name not in jobs]
        if unknown:
            raise PipelineError(f"stage {stage.name!r} names job {unknown[0]!r}, which the Definitions lack")
        if stage.sensed and not sensors_for(stage, defs, graph):
            raise PipelineError(
                f"stage {stage.name!r}: no sensor in the Definitions targets {', '.join(stage.sensed)}"
            )
        if not stage_keys(stage, defs, graph):
            raise PipelineError(
                f"stage {stage.name!r} selects no assets (groups {stage.groups}, keys {stage.keys})"
            )


def unset_settings(stages: Sequence[Stage], defs: Definitions, graph: Any) -> dict[str, list[str]]:
    """Per resource the selected stages need: its environment variables that are not set."""
    selected: set[AssetKey] = set()
    for stage in stages:
        selected |= stage_keys(stage, defs, graph)
    needed: set[str] = set()
    for key in selected:
        needed |= set(graph.get(key).assets_def.required_resource_keys)
    for check_key in graph.asset_check_keys:
        if check_key.asset_key in selected:
            needed |= set(graph.assets_def_for_key(check_key).required_resource_keys)
    for stage in stages:
        for sensor in sensors_for(stage, defs, graph):
            needed |= set(sensor.required_resource_keys)
    missing = {}
    for name in sorted(needed):
        unset = [env for env in _env_names((defs.resources or {}).get(name)) if not os.environ.get(env)]
        if unset:
            missing[name] = sorted(set(unset))
    return missing


def _config_cause(exc: Exception) -> str:
    """A Dagster configuration error in one line: the unset variable, else the first line."""
    import re

    text = str(exc)
    unset = re.findall(r'environment variable "(\w+)" which is not set', text)
    if unset:
        return f"{type(exc).__name__}: environment variable {', '.join(dict.fromkeys(unset))} is not set"
    head = text.split("Stack Trace:")[0]
    return f"{type(exc).__name__}: {masked_url(' '.join(head.split()))[:600]}"


def _needs(stage_keys: Iterable[AssetKey], broken: set[AssetKey], graph: Any) -> list[str]:
    """The broken assets upstream of (or among) a stage's assets."""
    if not broken:
        return []
    upstream = AssetSelection.assets(*stage_keys).upstream().resolve(graph)
    return sorted(key.to_user_string() for key in upstream & broken)


@dataclass(frozen=True)
class PlannedRun:
    """One run to execute: a job of the Definitions, optionally a subset of its assets, a partition
    (or a range in `tags`), and the tags the daemon would set for the sensor that asked for it."""

    job: str | None  # None: the Definitions' implicit asset job (what asset-selection sensors run)
    asset_selection: tuple[AssetKey, ...] | None = None
    partition: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        first, last = self.tags.get(RANGE_START_TAG), self.tags.get(RANGE_END_TAG)
        return f"{first}...{last}" if first and last else (self.partition or "")


def _job_keys(defs: Definitions, job: str | None) -> set[AssetKey]:
    chosen = defs.resolve_job_def(job) if job else defs.resolve_implicit_global_asset_job_def()
    return set(chosen.asset_layer.selected_asset_keys)


def already_made(instance: DagsterInstance, sensor: str, run_key: str) -> bool:
    """Whether a run the sensor asked for under this run key succeeded (the daemon skips any run
    key it finds; `make run` retries one whose run failed, so it can pick up from there)."""
    from dagster import DagsterRunStatus, RunsFilter

    runs = instance.get_runs(RunsFilter(tags={SENSOR_NAME_TAG: sensor, RUN_KEY_TAG: run_key}))
    return any(run.status == DagsterRunStatus.SUCCESS for run in runs)


def sensor_runs(
    sensor: Any, instance: DagsterInstance, defs: Definitions, sensed: set[AssetKey]
) -> tuple[list[PlannedRun], int]:
    """Evaluate one sensor once, as a daemon tick would: apply its dynamic partition requests and
    return the runs it asks for that touch `sensed` and have not been made, with the daemon's
    tags, and how many of those were made already (its other requests wait for the stage that
    senses them, which ticks the sensor again). The cursor starts empty (Dagster keeps a sensor's cursor
    in daemon state that only the daemon, the UI and the `dagster sensor cursor` CLI write): the
    sensors here read what is made from the instance, and run keys stop a second run."""
    from dagster import (
        AddDynamicPartitionsRequest,
        DeleteDynamicPartitionsRequest,
        build_sensor_context,
    )

    with build_sensor_context(  # closed after the tick: its instance and resources go with it
        instance_ref=instance.get_ref(),  # as the daemon's: partitions the tick adds count too
        cursor=None,
        definitions=defs,
        sensor_name=sensor.name,
        # as the daemon does: only the resources the sensor asks for, so that one a sensor does
        # not use (a voice key in prod, say) cannot stop its tick
        resources={k: v for k, v in (defs.resources or {}).items() if k in sensor.required_resource_keys},
    ) as context:
        data = sensor.evaluate_tick(context)
    for request in data.dynamic_partitions_requests or ():
        if isinstance(request, AddDynamicPartitionsRequest):
            existing = set(instance.get_dynamic_partitions(request.partitions_def_name))
            new = [key for key in request.partition_keys if key not in existing]
            if new:
                instance.add_dynamic_partitions(request.partitions_def_name, new)
        elif isinstance(request, DeleteDynamicPartitionsRequest):
            for key in request.partition_keys:
                if instance.has_dynamic_partition(request.partitions_def_name, key):
                    instance.delete_dynamic_partition(request.partitions_def_name, key)
    planned, made = [], 0
    for request in data.run_requests or ():
        selection = tuple(request.asset_selection) if request.asset_selection is not None else None
        job = request.job_name or (None if sensor.asset_selection is not None else sensor.job_name)
        touched = set(selection) if selection else _job_keys(defs, job)
        if not touched & sensed:
            continue
        if request.run_key and already_made(instance, sensor.name, request.run_key):
            made += 1
            continue
        tags = {**(sensor.tags or {}), **request.tags, SENSOR_NAME_TAG: sensor.name}
        if request.run_key:
            tags[RUN_KEY_TAG] = request.run_key
        planned.append(PlannedRun(job, selection, request.partition_key, tags))
    return planned, made


def run_pipeline(stages: Sequence[Stage] | None = None, console=None) -> list[StageReport]:
    """Run every stage whose inputs came out right; raise PipelineError naming every failure (and
    the stages skipped because of them) at the end."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from marketing_engine.definitions import build_definitions

    console = console or Console()
    stages = list(STAGES if stages is None else stages)
    instance = _instance()
    orphaned = fail_orphaned_runs(instance)
    if orphaned:
        console.print(
            f"Marked {len(orphaned)} run(s) of a killed `make run` as failed: {', '.join(orphaned)}"
        )
    defs = build_definitions()
    implicit = defs.resolve_implicit_global_asset_job_def()
    graph = implicit.asset_layer.asset_graph
    check_stages(stages, defs, graph)
    missing = unset_settings(stages, defs, graph)
    if missing:
        listed = "; ".join(f"{resource}: {', '.join(names)}" for resource, names in missing.items())
        raise PipelineError(
            f"settings not set for this environment ({listed}) — to fix: set them, or run the "
            "embedded defaults with MARKETING_ENGINE_ENV=local"
        )
    reports: list[StageReport] = []
    failures: list[StageFailure] = []
    skipped: list[str] = []
    broken: set[AssetKey] = set()
    owner = {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}

    def execute(stage: Stage, run: PlannedRun) -> bool:
        """One run; its failures recorded. True when it succeeded."""
        nonlocal broken
        job = defs.resolve_job_def(run.job) if run.job else implicit
        keys = run.asset_selection or tuple(job.asset_layer.selected_asset_keys)
        label = run.label or None
        try:
            result = job.execute_in_process(
                instance=instance,
                asset_selection=list(run.asset_selection) if run.asset_selection else None,
                partition_key=run.partition,
                raise_on_error=False,
                run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
                tags={**run.tags, STAGE_TAG: stage.name, **owner},
            )
        except DagsterError as exc:  # configuration or resources: no run to read failures from
            failures.append(StageFailure(stage.name, "its run", _config_cause(exc), _DEFAULT_TODO, label))
            broken |= set(keys)
            return False
        if not result.success:
            found, hurt = run_failures(stage.name, label, result, job)
            failures.extend(found)
            broken |= hurt or set(keys)
            return False
        return True

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        for stage in stages:
            keys = stage_keys(stage, defs, graph)
            if _needs(keys, broken, graph):
                skipped.append(stage.name)
                continue
            planned = [PlannedRun(name) for name in stage.jobs]
            selection = stage.selection()
            if selection is not None:
                planned.append(PlannedRun(None, tuple(selection.resolve(graph))))
            sensors = sensors_for(stage, defs, graph)
            sensed = {AssetKey.from_user_string(k) for k in stage.sensed}
            task = progress.add_task(stage.name, total=max(1, len(planned) + len(sensors)))
            failed_before = len(failures)
            report = StageReport(stage.name, assets={k.to_user_string() for k in keys})
            started = time.perf_counter()
            for run in planned:
                if execute(stage, run):
                    report.runs += 1
                progress.advance(task)
            for sensor in sensors if len(failures) == failed_before else ():
                try:
                    asked, made = sensor_runs(sensor, instance, defs, sensed)
                except Exception as exc:  # noqa: BLE001 - a sensor's failure is this stage's failure
                    kind = type(exc).__name__
                    failures.append(
                        StageFailure(
                            stage.name,
                            f"sensor {sensor.name}",
                            f"{kind}: {masked_url(' '.join(str(exc).split()))[:600]}",
                            _TODO.get(kind, _DEFAULT_TODO),
                        )
                    )
                    broken |= keys
                    continue
                report.made_before += made
                progress.update(task, total=(progress.tasks[task].total or 0) + len(asked))
                progress.advance(task)
                for run in asked:
                    if execute(stage, run):
                        report.runs += 1
                    progress.advance(task)
            report.seconds = time.perf_counter() - started
            if len(failures) == failed_before:
                reports.append(report)
    if failures:
        raise PipelineError(failures, skipped, reports)
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
    console.print(f"Warehouse: {masked_url(warehouse.url)}")
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
