"""Small helpers every asset module uses to give the user a window on its results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dagster import AssetKey, DagsterInstance, MetadataValue


def _cell(value: Any) -> str:
    text = f"{value:.3g}" if isinstance(value, float) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")[:80]


def markdown_table(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[str], limit: int = 10
) -> MetadataValue:
    """A markdown preview of the first `limit` rows."""
    rows = list(rows)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows[:limit]:
        lines.append("| " + " | ".join(_cell(row.get(column, "")) for column in columns) + " |")
    if len(rows) > limit:
        lines.append(f"\n…and {len(rows) - limit} more")
    return MetadataValue.md("\n".join(lines))


def latest_metadata(instance: DagsterInstance, asset: AssetKey, name: str) -> Any | None:
    """One metadata value of the asset's newest materialization (None before any): how a step reads
    what another step stored — a media-store key — when they may run on different machines."""
    event = instance.get_latest_materialization_event(asset)
    found = event.asset_materialization.metadata.get(name) if event and event.asset_materialization else None
    return getattr(found, "value", found)
