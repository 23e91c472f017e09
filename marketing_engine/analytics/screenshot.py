"""`marketing-engine report-screenshot`: a PNG of the newest marketing report, taken in headless
Chromium (the README's picture of the report is made by this command after `make run`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


REPORT_REF = "marketing-report"  # the report's source_ref in the content registry (kind 'report')


class ReportNotFoundError(FileNotFoundError):
    """No report to photograph: `make run` (or the marketing_report asset) has not run yet."""


def register_report(warehouse: Any, brand: str, stored: Any, run_id: str) -> None:
    """Name the stored report in the content registry: the desk finds it there, on any machine."""
    from marketing_engine.warehouse.registry import record_content, stored_record

    made = {"asset": "marketing_report", "run_id": run_id}
    with warehouse.session() as session:
        record_content(session, brand, [stored_record("report", REPORT_REF, stored, made)])


def stored_report(warehouse: Any, media: Any, brand: str) -> tuple[str, str] | None:
    """(name, HTML) of the brand's newest report in the registry, read from the media store; None
    before any."""
    from marketing_engine.warehouse.registry import newest_version

    with warehouse.session() as session:
        row = newest_version(session, brand, "report", REPORT_REF)
        found = (row.version, row.media_key) if row else None
    if found is None:
        return None
    version, key = found
    return f"{brand}-marketing-report.html (version {version})", media.get_bytes(key).decode("utf-8")


def newest_report(folder: Path) -> Path:
    reports = sorted(folder.glob("*-marketing-report.html"), key=lambda p: p.stat().st_mtime)
    if not reports:
        raise ReportNotFoundError(f"no *-marketing-report.html in {folder}: run `make run` first")
    return reports[-1]


def screenshot(report: Path, out: Path, width: int = 1400, height: int = 2400) -> Path:
    """Render the report, wait until every plotly chart has drawn its SVG, and save a PNG."""
    from playwright.sync_api import sync_playwright

    out.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(report.resolve().as_uri())
            page.wait_for_function(
                "() => [...document.querySelectorAll('.js-plotly-plot')].every(d => d.querySelector('svg.main-svg'))"
                " && document.querySelectorAll('.js-plotly-plot').length > 0",
                timeout=60_000,
            )
            page.screenshot(path=str(out), clip={"x": 0, "y": 0, "width": width, "height": height})
        finally:
            browser.close()
    return out


def _run(args: argparse.Namespace) -> int:
    from marketing_engine.settings import home_dir

    report = Path(args.report) if args.report else newest_report(home_dir("reports"))
    out = screenshot(report, Path(args.out), height=args.height)
    print(f"{report} → {out}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("report-screenshot", help="save a PNG of the newest marketing report")
    parser.add_argument(
        "--report", help="report HTML (default: the newest under $MARKETING_ENGINE_HOME/reports)"
    )
    parser.add_argument("--out", default="docs/report.png", help="PNG to write (default: docs/report.png)")
    parser.add_argument("--height", type=int, default=2400, help="pixels from the top of the report")
    parser.set_defaults(func=_run)
