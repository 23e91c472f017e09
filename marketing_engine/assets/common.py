"""Small helpers every asset module uses to give the user a window on its results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dagster import MetadataValue


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
