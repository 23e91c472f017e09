"""Settings that may be left out: an EnvVar when the variable is set, else None (the resource's default
applies). Only the variable's presence is looked at here; Dagster resolves its value at run time, so a
secret is never read into the definitions."""

from __future__ import annotations

import os

from dagster import EnvVar


def optional_env(name: str) -> EnvVar | None:
    """EnvVar(name) when `name` is set in the environment, else None."""
    return EnvVar(name) if name in os.environ and os.environ[name] != "" else None
