"""Where a measured figure came from, and the rule that in prod nothing simulated is stored.

Every measured row names its origin in one column (`MEASURED`): the platform or API that answered
(`ga4`, `x`, `search_console`, or `api` where the table already names the platform), `import` for
a file a person loaded, or `simulator` for the offline stand-ins. `guard_rows` is called by the
warehouse's one upsert, so no writer can slip past it: with MARKETING_ENGINE_ENV=prod a row that
is simulated, or that does not say where it came from, is refused before anything is written.

`SourceReport` is what an asset tells the user about its sources: which answered (measured or
imported), which were simulated, and which are not configured, by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marketing_engine.settings import environment

SIMULATOR = "simulator"
IMPORT = "import"
API = "api"  # for tables whose `source` column already names the platform (trend_data)
NOT_CONFIGURED = "not configured"

# table -> the column that says where each row came from.
MEASURED: dict[str, str] = {
    "customer_journeys": "source",
    "ad_spend": "source",  # the ROI predictor's spend: an ads API, `import` (a spend file) or `simulator`
    "content_performance": "source",
    "campaign_metrics": "source",
    "serp_results": "source",
    "trend_data": "provenance",
    "ai_visibility": "provenance",
    "index_status": "source",  # search_console, or `offline`: the state the page's facts imply
}
# Origins that are not a measurement: the simulators', and the index state inferred offline.
SIMULATED = frozenset({SIMULATOR, "offline"})


class SimulatedDataRefused(RuntimeError):
    """A write of simulated (or unlabelled) measured rows in prod."""


def is_simulated(origin: str | None) -> bool:
    """True for a simulated origin, and for a combined one (`ga4+simulator`) that includes one."""
    return bool(origin) and not SIMULATED.isdisjoint(str(origin).split("+"))


def combined(origins: Iterable[str | None]) -> str:
    """One origin for a row drawn from several (`ga4+import`), sorted; empty when none is named."""
    names = sorted({part for origin in origins if origin for part in str(origin).split("+")})
    return "+".join(names)


def origin(row: Mapping[str, Any], what: str) -> str:
    """The `source` a provider gave a row; a row without one is an error naming what it was."""
    found = row.get("source")
    if not found:
        raise ValueError(
            f"a {what} without a source: every measured row says where it came from ({dict(row)!r:.200})"
        )
    return str(found)


def guard_rows(table: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """Refuse, in prod, measured rows that are simulated or say nothing of where they came from."""
    column = MEASURED.get(table)
    if column is None or environment() != "prod":
        return
    rows = list(rows)
    simulated = sum(1 for row in rows if is_simulated(row.get(column)))
    unlabelled = sum(1 for row in rows if not row.get(column))
    if simulated or unlabelled:
        what = f"{simulated} simulated" if simulated else f"{unlabelled} without a {column!r}"
        raise SimulatedDataRefused(
            f"{table}: refused {what} of {len(rows)} rows: with MARKETING_ENGINE_ENV=prod nothing "
            "simulated is written to the warehouse (configure the source, or run locally)"
        )


@dataclass
class SourceReport:
    """Per origin (`measured`, `import`, `simulator`, `not configured`), the sources' names."""

    measured: list[str] = field(default_factory=list)
    imported: list[str] = field(default_factory=list)
    simulated: list[str] = field(default_factory=list)
    not_configured: list[str] = field(default_factory=list)

    def add(self, origin: str, name: str) -> SourceReport:
        """File `name` under its origin: the simulator, an import, not configured, or measured."""
        bucket = {
            SIMULATOR: self.simulated,
            IMPORT: self.imported,
            NOT_CONFIGURED: self.not_configured,
        }.get(origin, self.measured)
        if name not in bucket:
            bucket.append(name)
        return self

    def metadata(self) -> dict[str, Any]:
        """Asset metadata: `sources`, one line per origin that has a source (e.g. `measured: ga4, x;
        not configured: meta, linkedin`), and `not_configured`, the names as a list the report reads."""
        parts = [
            (label, names)
            for label, names in (
                ("measured", self.measured),
                (IMPORT, self.imported),
                (SIMULATOR, self.simulated),
                (NOT_CONFIGURED, self.not_configured),
            )
            if names
        ]
        text = "; ".join(f"{label}: {', '.join(sorted(names))}" for label, names in parts)
        return {"sources": text or "none", "not_configured": sorted(self.not_configured)}


# The assets that measure: their metadata's `not_configured` (a list, or names joined by ", ") or a
# `source` of "not configured" names what is not configured, for the report.
MEASURING_ASSETS = (
    "touchpoints",
    "content_metrics",
    "imported_journeys",
    "ad_spend",
    "serp_positions",
    "trend_snapshots",
    "ai_visibility",
    "index_status",
)


def not_configured_by_asset(instance: Any) -> dict[str, list[str]]:
    """Measuring asset -> the sources its latest materialization (in the Dagster `instance`) reported
    as not configured."""
    from dagster import AssetKey

    found = {}
    for name in MEASURING_ASSETS:
        event = instance.get_latest_materialization_event(AssetKey(name))
        metadata = {k: v.value for k, v in event.asset_materialization.metadata.items()} if event else {}
        listed = metadata.get("not_configured") or []
        if isinstance(listed, str):  # "a, b (SETTING_1, SETTING_2)": split outside the brackets
            listed = re.split(r",(?![^()]*\))", listed)
        names = [str(n).strip() for n in listed]
        if str(metadata.get("source", "")).startswith(NOT_CONFIGURED):  # its one source: named by the asset
            names.append(name)
        if names := [n for n in names if n]:
            found[name] = names
    return found
