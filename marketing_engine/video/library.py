"""The data the video studio ships with: the hook trigger library and the platform spec table.

A trigger is a name and a principle (data/video/triggers.yaml); its hook sentence is per language
(`hooks:` in data/frames/video/<lang>.yaml, English where a language has no frames file).
"""

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
    needs: tuple[str, ...] = ()  # facts the hook states or names: "trending", "city"


@dataclass(frozen=True)
class Rendition:
    name: str
    aspect: str
    width: int
    height: int
    platforms: tuple[str, ...]
    safe_zone: dict[str, int]


@lru_cache(maxsize=8)
def triggers(language: str = "en") -> dict[str, Trigger]:
    """The triggers that have a hook in `language` (English hooks where it has no frames file)."""
    from marketing_engine.wording import frames

    hooks = frames("video", language)["hooks"]
    rows = yaml.safe_load((DATA / "triggers.yaml").read_text(encoding="utf-8"))["triggers"]
    return {
        row["name"]: Trigger(row["name"], row["principle"], hooks[row["name"]], tuple(row.get("needs", ())))
        for row in rows
        if row["name"] in hooks
    }


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
