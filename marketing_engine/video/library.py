"""The data the video studio ships with: the hook trigger library and the platform spec table."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent.parent / "data" / "video"


@dataclass(frozen=True)
class Trigger:
    name: str
    principle: str
    template: str


@dataclass(frozen=True)
class Rendition:
    name: str
    aspect: str
    width: int
    height: int
    platforms: tuple[str, ...]
    safe_zone: dict[str, int]


@lru_cache(maxsize=1)
def triggers() -> dict[str, Trigger]:
    rows = yaml.safe_load((DATA / "triggers.yaml").read_text(encoding="utf-8"))["triggers"]
    return {row["name"]: Trigger(row["name"], row["principle"], row["template"]) for row in rows}


@lru_cache(maxsize=1)
def spec_table() -> dict[str, Any]:
    return yaml.safe_load((DATA / "platform_specs.yaml").read_text(encoding="utf-8"))


def rendition(name: str) -> Rendition:
    table = spec_table()["renditions"]
    if name not in table:
        raise KeyError(f"unknown rendition {name!r} (known: {', '.join(table)})")
    row = table[name]
    return Rendition(
        name, row["aspect"], row["width"], row["height"], tuple(row["platforms"]), row["safe_zone"]
    )
