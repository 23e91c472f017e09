"""The scale ladder (issue 13): each capability at 1x and 10x its benchmark size, time and peak
memory, printed as growth ratios beside the ideal (10x for linear work, about 12.5x for n log n from
10,000 to 100,000). Cases live in `benchmarks/_ladder_*.py` (see `benchmarks/_ladder.py`).

Each size runs in a fresh process: `prepare(size)` builds the inputs (untimed), then `run` is timed
(wall and CPU seconds: the 2 cores are shared, so CPU is the steadier figure) and its memory read:
the process's peak RSS (VmHWM, prepare included) and the RSS growth during `run` alone (its own
peak minus the RSS after prepare), which shows whether memory stays flat as the input grows.

`python -m benchmarks.scale [case ...]` runs the named cases only (all by default); the table is
printed as text while it runs, then as markdown for the README.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks._ladder import FOLDER, Case, all_cases

TIMEOUT = 1800  # seconds per size: a case that hangs must not hold `make bench` forever


def _run_size(module_name: str, case: Case, size: int) -> dict[str, Any]:
    """One size of one case in a fresh Python process; its figures, or the reason it failed."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        code = (
            "import sys; from benchmarks._ladder import child; "
            f"child({module_name!r}, {case.name!r}, {str(size)!r}, sys.argv[1])"
        )
        try:
            result = subprocess.run(
                [sys.executable, "-c", code, str(out)],
                cwd=FOLDER.parent,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},  # same modules
                timeout=TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return {"size": size, "error": f"timed out after {TIMEOUT} s"}
        if result.returncode != 0 or not out.is_file():
            return {"size": size, "error": f"exited with {result.returncode}"}
        return json.loads(out.read_text())


def _seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def _extra(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:.3g}"


def _extras(one: dict, ten: dict) -> str:
    names = list(dict.fromkeys([*one.get("extras", {}), *ten.get("extras", {})]))
    parts = []
    for name in names:
        low, high = one.get("extras", {}).get(name, "-"), ten.get("extras", {}).get(name, "-")
        if name.startswith("seconds"):
            low, high = (_seconds(v) if isinstance(v, int | float) else v for v in (low, high))
        else:
            low, high = _extra(low), _extra(high)
        parts.append(f"{name} {low} / {high}")
    return "; ".join(parts)


def row(case: Case, one: dict, ten: dict) -> dict[str, str]:
    """The table cells of one case from its 1x and 10x figures."""
    cells = {
        "capability": case.name,
        "size 1x": f"{case.base:,} {case.unit}",
        "size 10x": f"{10 * case.base:,}",
        "ideal": f"{case.ideal_growth():.1f}x ({case.ideal})",
    }
    if "error" in one or "error" in ten:
        failure = "; ".join(f"{f['size']:,}: {f['error']}" for f in (one, ten) if "error" in f)
        return {**cells, "time 1x": "-", "time 10x": "-", "time growth": "-", "extras": f"FAILED {failure}"}
    return {
        **cells,
        "time 1x": f"{_seconds(one['wall'])} (CPU {_seconds(one['cpu'])})",
        "time 10x": f"{_seconds(ten['wall'])} (CPU {_seconds(ten['cpu'])})",
        "time growth": f"{ten['wall'] / max(one['wall'], 1e-9):.1f}x (CPU {ten['cpu'] / max(one['cpu'], 1e-9):.1f}x)",
        "peak memory 1x / 10x": f"{one['peak_mib']:,.0f} / {ten['peak_mib']:,.0f} MiB",
        "memory growth": f"{ten['peak_mib'] / max(one['peak_mib'], 1e-9):.1f}x",
        "run's own RSS growth 1x / 10x": f"+{one['run_growth_mib']:,.0f} / +{ten['run_growth_mib']:,.0f} MiB",
        "load": f"{one['load']:.1f} / {ten['load']:.1f}",
        "extras": _extras(one, ten),
    }


COLUMNS = [
    "capability",
    "size 1x",
    "size 10x",
    "time 1x",
    "time 10x",
    "time growth",
    "ideal",
    "peak memory 1x / 10x",
    "memory growth",
    "run's own RSS growth 1x / 10x",
    "load",
    "extras",
]


def markdown(rows: Sequence[dict[str, str]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(r.get(c, "-") for c in COLUMNS) + " |" for r in rows]
    return "\n".join(lines)


def main(names: Sequence[str] = ()) -> None:
    cases = all_cases()
    unknown = [n for n in names if n not in cases]
    if unknown:
        raise SystemExit(f"unknown ladder case(s): {', '.join(unknown)}; known: {', '.join(cases)}")
    rows = []
    for name, (module_name, case) in cases.items():
        if names and name not in names:
            continue
        started = time.perf_counter()
        one = _run_size(module_name, case, case.base)
        ten = _run_size(module_name, case, 10 * case.base)
        cells = row(case, one, ten)
        rows.append(cells)
        print(
            f"{name}: "
            + ", ".join(f"{c} {cells[c]}" for c in COLUMNS[1:] if c in cells)
            + f"  [{time.perf_counter() - started:.0f} s in all]",
            flush=True,
        )
    print("\nscale ladder (wall, then CPU seconds; the 2 cores are shared, load = 1-minute load average):\n")
    print(markdown(rows), flush=True)
    if any(r["extras"].startswith("FAILED") for r in rows):
        raise SystemExit(1)  # `make bench` reports this module as failed


if __name__ == "__main__":
    main(sys.argv[1:])
