"""`marketing-engine`: the command line. `run` is the main job (`make run`); other domains add
their sub-commands (review queue, posts) through `COMMANDS`.

`run` exits 0 when every stage ran, 1 when a stage failed (its last line names the asset, the
cause and what to do), 2 when the brand file or the engine home cannot be used (before any work),
3 when another run holds the engine home or the warehouse.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

# sub-command -> "module:register" where register(subparsers) adds the parser and sets `func`.
COMMANDS: dict[str, str] = {
    "video-frame": "marketing_engine.video.frame:register",
    "review": "marketing_engine.cli_publishing:register_review",
    "posts": "marketing_engine.cli_publishing:register_posts",
    "report-screenshot": "marketing_engine.analytics.screenshot:register",
    "audit": "marketing_engine.audit:register",
    "serve": "marketing_engine.desk.cli:register_serve",
    "user": "marketing_engine.desk.cli:register_user",
    "desk-screenshot": "marketing_engine.desk.screenshot:register",
}


def voice_problem(profile, source: Path | str):  # -> BrandFileError | None
    """The brand's voice checked against the speech backend `make run` will use (espeak-ng when
    offline), before any work: a voice that does not exist would otherwise fail the video stage."""
    from marketing_engine.brand import BrandFileError
    from marketing_engine.resources import build_resources

    if getattr(build_resources()["voice"], "backend", "espeak") != "espeak":
        return None  # a hosted voice speaks what its voice id speaks; nothing to look up locally
    from marketing_engine.video.speech import SpeechError, check_voice

    field = "visual_identity.voice" if profile.visual_identity.voice else "audience.locale"
    try:
        check_voice(profile.voice_language)
    except SpeechError as exc:
        return BrandFileError(source, field, str(exc))
    return None


def _selected_stages(names: Sequence[str] | None):
    from marketing_engine import pipeline

    if not names:
        return None
    known = {stage.name: stage for stage in pipeline.STAGES}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SystemExit(f"unknown stage {unknown[0]!r}; stages: {', '.join(known)}")
    return [stage for stage in pipeline.STAGES if stage.name in names]


def _run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape

    from marketing_engine.brand import BrandFileError, load_brand
    from marketing_engine.files import sweep_partials
    from marketing_engine.home_lock import HomeBusyError, one_run_at_a_time
    from marketing_engine.pipeline import PipelineError, run_pipeline, summarize
    from marketing_engine.settings import (
        HomeError,
        brand_path,
        engine_home,
        ensure_writable_home,
        masked_url,
        warehouse_url,
    )

    console = Console()

    def fail(message: str) -> None:
        console.print(f"[red]{escape(masked_url(message))}[/red]", soft_wrap=True)

    if args.brand:
        os.environ["MARKETING_ENGINE_BRAND"] = os.path.abspath(args.brand)
    stages = _selected_stages(args.stage)
    try:
        profile = load_brand(brand_path())
        problem = voice_problem(profile, brand_path())
        if problem:
            raise problem
    except BrandFileError as exc:
        console.print(f"[red]Brand file error:[/red] {escape(str(exc))}", soft_wrap=True)
        return 2
    try:
        home = ensure_writable_home(engine_home())
    except HomeError as exc:
        fail(f"Engine home error: {exc}")
        return 2
    started = time.perf_counter()
    try:
        with one_run_at_a_time(home, warehouse_url(), wait=args.wait):
            leftovers = sweep_partials(home)
            if leftovers:
                console.print(
                    f"Removed {len(leftovers)} partial file(s) a killed run left in {escape(str(home))}"
                )
            console.print(
                f"Marketing Engine: [bold]{escape(profile.name)}[/bold] ({escape(str(brand_path()))}) "
                f"→ {escape(str(home))}"
            )
            reports = run_pipeline(stages, console=console)
            for report in reports:
                made = f", {report.made_before} made before (run key found)" if report.made_before else ""
                console.print(
                    f"  {report.name}: {len(report.assets)} assets, {report.runs} runs{made}, "
                    f"{report.seconds:.1f} s"
                )
            summarize(console)
    except HomeBusyError as exc:
        fail(f"Busy: {exc}")
        return 3
    except PipelineError as exc:
        for report in exc.reports:
            console.print(f"  {report.name}: done ({report.runs} runs, {report.seconds:.1f} s)")
        if exc.reports:
            try:
                summarize(console)  # what the stages that ran made
            except Exception as summary_error:  # noqa: BLE001 - the failure lines below matter more
                fail(f"(no summary: {type(summary_error).__name__}: {summary_error})")
        for line in str(exc).splitlines():
            fail(line)
        return 1
    except KeyboardInterrupt:
        fail("interrupted: the next `make run` marks the unfinished run failed and picks up from there")
        return 130
    except Exception as exc:  # one clear line instead of a traceback
        if os.environ.get("MARKETING_ENGINE_DEBUG"):
            raise
        reason = " ".join(str(exc).split()) or "no message"
        fail(
            f"run failed: {type(exc).__name__}: {reason[:600]} — to fix: correct the cause named here; "
            "MARKETING_ENGINE_DEBUG=1 shows the traceback"
        )
        return 1
    console.print(f"Done in {time.perf_counter() - started:.1f} s.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="marketing-engine", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    run = subparsers.add_parser(
        "run", help="run the deployment's jobs and sensors once, now, on the embedded defaults"
    )
    run.add_argument("--brand", help="brand file (default: $MARKETING_ENGINE_BRAND or brand.example.yaml)")
    run.add_argument(
        "--stage", action="append", help="run only this stage (repeatable; default: every stage in order)"
    )
    run.add_argument(
        "--wait",
        type=float,
        default=float(os.environ.get("MARKETING_ENGINE_LOCK_WAIT", "0")),
        help="seconds to wait for another run on the same home or warehouse (default 0: stop at once)",
    )
    run.set_defaults(func=_run)
    for target in COMMANDS.values():
        module, _, name = target.partition(":")
        getattr(importlib.import_module(module), name)(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
