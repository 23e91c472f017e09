"""`marketing-engine run` in a child process, the way `make run` starts it, with its output and
exit code: what the reliability probes drive."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from marketing_engine.settings import PROJECT_ROOT


@dataclass
class Finished:
    code: int
    out: str
    err: str

    @property
    def last_line(self) -> str:
        """The run's own last line (stdout; Dagster's step logs go to stderr while stages run)."""
        lines = [line for line in self.out.splitlines() if line.strip()]
        return lines[-1] if lines else ""


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    # Children run unmeasured (no COV_CORE_*): coverage tracing doubled their time, and the code
    # they run is measured by the in-process probes.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MARKETING_ENGINE_", "COV_CORE_"))}
    env.update(
        MARKETING_ENGINE_HOME=str(home),
        MARKETING_ENGINE_ENV="local",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        COLUMNS="200",
    )
    env.update(extra)
    return env


def cli_args(*stages: str, brand: Path | None = None, wait: float | None = None) -> list[str]:
    args = [sys.executable, "-m", "marketing_engine.cli", "run"]
    for stage in stages:
        args += ["--stage", stage]
    if brand is not None:
        args += ["--brand", str(brand)]
    if wait is not None:
        args += ["--wait", str(wait)]
    return args


def run_cli(home: Path, *stages: str, timeout: float = 120, env: dict | None = None, **kw) -> Finished:
    done = subprocess.run(
        cli_args(*stages, **kw),
        cwd=PROJECT_ROOT,
        env=env or cli_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Finished(done.returncode, done.stdout, done.stderr)
