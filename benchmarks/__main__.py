"""`make bench`: run every benchmark module in this folder (each has a `main()`), in name order,
each printing its figures beside the reference measured in the same run."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    wanted = set(argv)
    folder = Path(__file__).parent
    failed = []
    for info in sorted(pkgutil.iter_modules([str(folder)]), key=lambda m: m.name):
        if info.name.startswith("_") or (wanted and info.name not in wanted):
            continue
        print(f"\n=== {info.name} ===", flush=True)
        started = time.perf_counter()
        try:
            importlib.import_module(f"benchmarks.{info.name}").main()
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others
            failed.append(info.name)
            print(f"FAILED: {type(exc).__name__}: {exc}", flush=True)
        print(f"({info.name}: {time.perf_counter() - started:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
