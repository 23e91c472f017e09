"""The foundation group: the brand profile and the campaigns it implies.

`brand_profile`'s data version is the brand file's sha256: re-reading an unchanged file changes
nothing downstream (nothing turns Unsynced), and the `brand_file_changes` sensor asks for a run only
when the bytes differ from the newest materialization's.
"""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    DataVersion,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)
from sqlalchemy import select

from marketing_engine.assets.automation import WAREHOUSE, after_upstream, owners
from marketing_engine.assets.common import markdown_table
from marketing_engine.brand import BrandProfile, brand_file_version
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.warehouse import upsert
from marketing_engine.warehouse.models import Campaign

GROUP = "foundation"


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", "yaml"},
    code_version="1",
    description="The validated brand file every other asset reads.",
)
def brand_profile(brand: BrandResource) -> MaterializeResult[BrandProfile]:
    version = brand_file_version(brand.path)  # first: a file changed after this is read again
    profile = brand.load()
    return MaterializeResult(
        value=profile,
        data_version=DataVersion(version),
        metadata={
            "sha256": version,
            "brand": profile.name,
            "domain": profile.domain,
            "file": MetadataValue.path(brand.path),
            "products": len(profile.products),
            "locations": len(profile.locations),
            "competitors": len(profile.competitors),
            "channels": MetadataValue.text(", ".join(profile.enabled_channels)),
            "seed_topics": MetadataValue.text(", ".join(profile.seed_topics)),
        },
    )


def campaign_rows(profile: BrandProfile) -> list[dict]:
    """One campaign per product and enabled channel: sales for products, leads for services."""
    slug = profile.slug
    rows = []
    for product in profile.products:
        for channel in profile.enabled_channels:
            campaign = f"{product.slug}-{channel}"
            rows.append(
                {
                    "brand": slug,
                    "slug": campaign,
                    "name": f"{product.name} on {channel}",
                    "product": product.name,
                    "channel": channel,
                    "objective": "sales" if product.kind == "product" else "leads",
                    "status": "active",
                    "utm_campaign": campaign,
                }
            )
    return rows


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", WAREHOUSE},
    code_version="1",
    automation_condition=after_upstream(),
    description="Campaign rows for the brand's products and channels, upserted.",
)
def campaigns(
    context: AssetExecutionContext, brand_profile: BrandProfile, warehouse: WarehouseResource
) -> MaterializeResult:
    from marketing_engine.publishing.workflow import sync_campaign_workflows

    rows = campaign_rows(brand_profile)
    slug = brand_profile.slug
    wanted = {row["slug"] for row in rows}
    with warehouse.get().session() as session:
        upsert(session, Campaign, rows, keys=["brand", "slug"])
        archived = 0
        for campaign in session.scalars(select(Campaign).where(Campaign.brand == slug)):
            if campaign.slug not in wanted and campaign.status != "archived":
                campaign.status = "archived"  # a product or channel left the brand file: keep its history
                archived += 1
        session.flush()
        stages = sync_campaign_workflows(session, slug, context.run_id)  # each campaign's workflow row
    return MaterializeResult(
        metadata={
            "campaigns": len(rows),
            "archived": archived,
            "workflow_stages": MetadataValue.json(stages),
            "preview": markdown_table(rows, ["slug", "product", "channel", "objective"]),
        }
    )


@asset_check(
    asset=campaigns, blocking=True, description="Every product × enabled channel has one active campaign."
)
def campaigns_cover_products_and_channels(
    brand: BrandResource, warehouse: WarehouseResource
) -> AssetCheckResult:
    profile = brand.load()
    expected = {(row["product"], row["channel"]) for row in campaign_rows(profile)}
    with warehouse.get().session() as session:
        found = [
            (c.product, c.channel)
            for c in session.scalars(
                select(Campaign).where(
                    Campaign.brand == profile.slug, Campaign.status == "active"
                )
            )
        ]
    missing = sorted(expected - set(found))
    duplicates = len(found) - len(set(found))
    return AssetCheckResult(
        passed=not missing and not duplicates,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "expected": len(expected),
            "found": len(found),
            "missing": str(missing[:10]),
            "duplicates": duplicates,
        },
    )
