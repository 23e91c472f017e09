"""What a step of the video domain hands on and what it shows, for the assets that run it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Step:
    """One step's result: what it hands the next step (`value`) and what an operator sees:
    plain `metadata`, `links` to files (paths or URIs), `tables` (rows and their columns, previewed)
    and `markdown` text."""

    value: dict[str, Any]
    metadata: dict[str, Any]
    links: dict[str, str] = field(default_factory=dict)
    tables: dict[str, tuple[list[dict[str, Any]], list[str]]] = field(default_factory=dict)
    markdown: dict[str, str] = field(default_factory=dict)
