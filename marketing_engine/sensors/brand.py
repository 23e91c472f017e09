"""`brand_file_changes`: materializes `brand_profile` when the brand file's bytes change.

The file's sha256 is `brand_profile`'s data version (and its `sha256` metadata), so the sensor
asks for a run only when the newest materialization was made from other bytes — an untouched file
makes no run, and `make dev` after `make run` finds nothing to do. Everything made from the brand
follows by its automation conditions.
"""

from dagster import (
    AssetKey,
    AssetSelection,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from marketing_engine.brand import BrandFileError, brand_file_version
from marketing_engine.resources.brand import BrandResource

BRAND_PROFILE = AssetKey("brand_profile")


def materialized_version(context: SensorEvaluationContext) -> tuple[str | None, int]:
    """The brand file version the newest brand_profile was made from, and that event's storage id."""
    records = context.instance.fetch_materializations(BRAND_PROFILE, limit=1).records
    if not records or records[0].asset_materialization is None:
        return None, 0
    entry = records[0].asset_materialization.metadata.get("sha256")
    return (str(entry.value) if entry is not None else None), records[0].storage_id


@sensor(
    name="brand_file_changes",
    asset_selection=AssetSelection.assets(BRAND_PROFILE),
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Re-reads the brand file when its bytes change (sha256); everything made from it follows.",
)
def brand_file_changes(context: SensorEvaluationContext, brand: BrandResource) -> RunRequest | SkipReason:
    try:
        version = brand_file_version(brand.path)
    except BrandFileError as exc:
        return SkipReason(str(exc))
    made, storage_id = materialized_version(context)
    if made == version:
        return SkipReason(f"brand file unchanged (sha256 {version[:12]})")
    return RunRequest(
        run_key=f"brand:{version[:16]}:{storage_id}",
        asset_selection=[BRAND_PROFILE],
        tags={"marketing_engine/brand_sha256": version[:16]},
    )
