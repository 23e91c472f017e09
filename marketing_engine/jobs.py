"""Asset jobs. `definitions.py` registers every job listed in `JOBS` (a job added here goes there too)."""

# publishing: the publish job the five-minute schedule runs (one step per platform, each in its pool)
from dagster import AssetSelection, define_asset_job

from marketing_engine.assets.publishing import PUBLISH_ASSET_KEYS

publish_due_posts = define_asset_job(
    "publish_due_posts",
    selection=AssetSelection.assets(*PUBLISH_ASSET_KEYS),
    description="Publish every due, approved post exactly once, one step per platform.",
)

JOBS = [publish_due_posts]
