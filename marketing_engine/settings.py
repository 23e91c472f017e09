"""Where the embedded default keeps its state, and which brand file and environment it runs.

Everything lives under one folder, `MARKETING_ENGINE_HOME` (default `.marketing_engine/` in the
working directory): the SQLite warehouse, the media store, the built site, the outbox, reports and
the Dagster home. None of these settings is a secret.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_BRAND = PROJECT_ROOT / "brand.example.yaml"


def engine_home() -> Path:
    home = os.environ.get("MARKETING_ENGINE_HOME")
    return Path(home).resolve() if home else Path.cwd() / ".marketing_engine"


def brand_path() -> Path:
    given = os.environ.get("MARKETING_ENGINE_BRAND")
    return Path(given).resolve() if given else EXAMPLE_BRAND


def environment() -> Literal["local", "prod"]:
    value = os.environ.get("MARKETING_ENGINE_ENV", "local").strip().lower()
    if value not in ("local", "prod"):
        raise ValueError(f"MARKETING_ENGINE_ENV={value!r}: expected 'local' or 'prod'")
    return value  # type: ignore[return-value]


def warehouse_url() -> str:
    return (
        os.environ.get("MARKETING_ENGINE_WAREHOUSE_URL") or f"sqlite:///{engine_home() / 'warehouse.sqlite'}"
    )


def home_dir(name: str) -> Path:
    """A sub-folder of the engine home (media, site, outbox, reports, cache), created on demand."""
    path = engine_home() / name
    path.mkdir(parents=True, exist_ok=True)
    return path
