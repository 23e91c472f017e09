"""`make bench`: run every benchmark module in this folder (each has a `main()`), in name order,
each printing its figures beside the reference measured in the same run.

Each module runs in its own Python process, so one benchmark's imports, memory peak and child
processes never show up in another's figures.
"""

from __future__ import annotations

import pkgutil
import subprocess
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
        code = f"import benchmarks.{info.name} as bench; bench.main()"
        result = subprocess.run([sys.executable, "-c", code], cwd=folder.parent, check=False)
        if result.returncode != 0:  # one broken benchmark must not hide the others' figures
            failed.append(info.name)
            print(f"FAILED: {info.name} exited with {result.returncode}", flush=True)
        print(f"({info.name}: {time.perf_counter() - started:.1f} s)", flush=True)
    if failed:
        print(f"\nfailed benchmarks: {', '.join(failed)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
