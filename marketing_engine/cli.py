"""`marketing-engine`: the command line. `run` is the main job (`make run`); other domains add
their sub-commands (review queue, posts) through `COMMANDS`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from collections.abc import Sequence

# sub-command -> "module:register" where register(subparsers) adds the parser and sets `func`.
COMMANDS: dict[str, str] = {
    "video-frame": "marketing_engine.video.frame:register",
    "review": "marketing_engine.cli_publishing:register_review",
    "posts": "marketing_engine.cli_publishing:register_posts",
    "report-screenshot": "marketing_engine.analytics.screenshot:register",
    "audit": "marketing_engine.audit:register",
}


def _run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from marketing_engine.brand import BrandFileError, load_brand
    from marketing_engine.pipeline import PipelineError, run_pipeline, summarize
    from marketing_engine.settings import brand_path, engine_home

    console = Console()
    if args.brand:
        os.environ["MARKETING_ENGINE_BRAND"] = os.path.abspath(args.brand)
    try:
        profile = load_brand(brand_path())
    except BrandFileError as exc:
        console.print(f"[red]Brand file error:[/red] {exc}")
        return 2
    console.print(f"Marketing Engine: [bold]{profile.name}[/bold] ({brand_path()}) → {engine_home()}")
    started = time.perf_counter()
    try:
        reports = run_pipeline(console=console)
    except PipelineError as exc:
        console.print(f"[red]{exc}[/red]")
        return 1
    for report in reports:
        console.print(
            f"  {report.name}: {len(report.assets)} assets, {report.runs} runs, {report.seconds:.1f} s"
        )
    summarize(console)
    console.print(f"Done in {time.perf_counter() - started:.1f} s.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="marketing-engine", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    run = subparsers.add_parser("run", help="materialize the whole asset graph on the embedded defaults")
    run.add_argument("--brand", help="brand file (default: $MARKETING_ENGINE_BRAND or brand.example.yaml)")
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
