"""The scale ladder's parts: a `Case` per capability, and the child process that measures one case
at one size (`python -m benchmarks.scale` runs each size in a fresh process of its own, so one
size's imports, caches and memory peak never leak into another's figures).

A module `benchmarks/_ladder_<area>.py` defines `CASES: list[Case]`. For each case the ladder calls
`prepare(size)` (untimed: build the inputs) then `run(state)` (timed: the capability's work), at
`base` and at `10 * base`. `run` returns extra figures to print beside the time (e.g. {"ari": 0.93});
a figure whose name starts with "seconds" is printed as seconds. An optional `check(state)` runs
after `run`'s time and memory are read (untimed, outside the peak): figures that cost more than the
capability itself, such as a comparison with an exact method, go there.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import pkgutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent
PREFIX = "_ladder_"

# Growth of the work from n to 10n for each complexity class a case may name as its ideal.
GROWTH: dict[str, Callable[[int], float]] = {
    "1": lambda n: 1.0,
    "log n": lambda n: math.log(10 * n) / math.log(n),
    "n": lambda n: 10.0,
    "n log n": lambda n: 10 * math.log(10 * n) / math.log(n),
    "n^2": lambda n: 100.0,
}


@dataclass(frozen=True)
class Case:
    """One capability on the ladder: `prepare(size)` builds its inputs (untimed), `run(state)` does
    the work (timed) and returns extra figures; `check(state)`, if given, returns more figures,
    computed after the measurement. `unit` names what `size` counts ("keywords")."""

    name: str
    unit: str
    base: int
    prepare: Callable[[int], Any]
    run: Callable[[Any], dict]
    ideal: str = "n"
    check: Callable[[Any], dict] | None = None

    def __post_init__(self) -> None:
        if self.ideal not in GROWTH:
            raise ValueError(f"case {self.name!r}: ideal {self.ideal!r} is not one of {', '.join(GROWTH)}")
        if self.base < 2:
            raise ValueError(f"case {self.name!r}: base {self.base} must be at least 2")

    def ideal_growth(self) -> float:
        return GROWTH[self.ideal](self.base)


def ladder_modules() -> list[str]:
    """The `_ladder_*` modules in this folder, in name order."""
    found = pkgutil.iter_modules([str(FOLDER)])
    return sorted(m.name for m in found if m.name.startswith(PREFIX))


def all_cases() -> dict[str, tuple[str, Case]]:
    """Every case by name, with the (dotted) module defining it."""
    cases: dict[str, tuple[str, Case]] = {}
    for module_name in ladder_modules():
        module = importlib.import_module(f"benchmarks.{module_name}")
        for case in module.CASES:
            if case.name in cases:
                raise ValueError(f"case {case.name!r} is defined in {cases[case.name][0]} and {module_name}")
            cases[case.name] = (f"benchmarks.{module_name}", case)
    return cases


def _status_kib(field: str) -> int:
    """A /proc/self/status figure in KiB (VmRSS: resident now; VmHWM: resident peak)."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0), so the peak read after `run` is run's own
    (without it, run's growth is read against the whole process's peak: an upper bound)."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def measure(module_name: str, case_name: str, size: int) -> dict[str, Any]:
    """Prepare and run one case of the (dotted) module at one size in this process; times, memory
    and extras."""
    module = importlib.import_module(module_name)
    case = next(c for c in module.CASES if c.name == case_name)
    prepare_wall = time.perf_counter()
    state = case.prepare(size)
    prepare_wall = time.perf_counter() - prepare_wall
    rss_prepared, prepare_peak = _status_kib("VmRSS"), _status_kib("VmHWM")
    reset = _reset_peak()
    load_before = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    extras = case.run(state) or {}
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    run_peak = _status_kib("VmHWM")
    # the process's peak: VmHWM, not ru_maxrss (Linux carries ru_maxrss over exec from the parent)
    peak_mib = max(prepare_peak, run_peak) / 1024 if reset else run_peak / 1024
    load = (load_before + os.getloadavg()[0]) / 2
    if case.check is not None:
        extras = {**extras, **case.check(state)}
    return {
        "case": case_name,
        "size": size,
        "seconds_prepare": prepare_wall,
        "wall": wall,
        "cpu": cpu,
        "peak_mib": peak_mib,
        "prepared_mib": rss_prepared / 1024,
        "run_growth_mib": max(0, run_peak - rss_prepared) / 1024,
        "load": load,
        "extras": extras,
    }


def child(module_name: str, case_name: str, size: str, out: str) -> None:
    """Entry point of the per-size process: the figures go to the JSON file `out`."""
    figures = measure(module_name, case_name, int(size))
    Path(out).write_text(json.dumps(figures, default=float))


if __name__ == "__main__":
    child(*sys.argv[1:5])
