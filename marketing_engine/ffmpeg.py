"""Running ffmpeg and ffprobe as children that die with the run, and quoting values for ffmpeg's
filtergraph syntax.

A killed `make run` must not leave encoders writing into the engine home: every child gets
PR_SET_PDEATHSIG (SIGKILL), through util-linux `setpriv --pdeathsig` where it exists (no Python
code runs between fork and exec, which matters because renders start children from threads),
else through `prctl` in the child. Paths inside a filtergraph (`ass=filename=...`) are escaped
twice, for the option parser and for the graph parser, so a `'`, `:` or `,` in the engine home
cannot break the graph.
"""

from __future__ import annotations

import ctypes
import functools
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_PR_SET_PDEATHSIG = 1


@functools.cache
def _setpriv() -> str | None:
    """`setpriv` if it knows --pdeathsig (util-linux 2.33 and later), else None."""
    found = shutil.which("setpriv")
    if not found or not sys.platform.startswith("linux"):
        return None
    probe = subprocess.run([found, "--pdeathsig", "KILL", "--", "true"], capture_output=True, check=False)
    return found if probe.returncode == 0 else None


def _die_with_parent() -> None:  # runs in the child between fork and exec
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def child_command(args: Sequence[str | Path]) -> tuple[list[str], dict[str, Any]]:
    """The command and extra Popen arguments that make the child die when this process dies."""
    command = [str(arg) for arg in args]
    if shutil.which(command[0]) is None and not Path(command[0]).is_file():
        raise FileNotFoundError(f"{command[0]} is not installed (not on PATH)")
    setpriv = _setpriv()
    if setpriv:
        return [setpriv, "--pdeathsig", "KILL", "--", *command], {}
    if sys.platform.startswith("linux"):
        return command, {"preexec_fn": _die_with_parent}
    return command, {}


def run(args: Sequence[str | Path], **kwargs: Any) -> subprocess.CompletedProcess:
    """`subprocess.run` for a child that is killed when this process dies."""
    command, extra = child_command(args)
    check = kwargs.pop("check", False)
    return subprocess.run(command, check=check, **extra, **kwargs)


_OPTION_SPECIAL = re.compile(r"([\\':])")
_GRAPH_SPECIAL = re.compile(r"([\\'\[\],;])")


def filter_value(text: str | Path) -> str:
    """A value for a filter option inside a filtergraph (ffmpeg-filters, "Notes on filtergraph
    escaping"): first escaped for the option parser (`\\ ' :`), then for the graph (`\\ ' [ ] , ;`)."""
    return _GRAPH_SPECIAL.sub(r"\\\1", _OPTION_SPECIAL.sub(r"\\\1", str(text)))
