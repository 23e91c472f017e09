"""`keyword_cluster_pages`: after each new `keyword_clusters` materialization, the cluster
partitions follow the warehouse's clusters, and the largest clusters' briefs and pages are written.

Which clusters get pages: the largest `cluster_limit()` (MARKETING_ENGINE_SEO_CLUSTERS, default 8) of
the brand's clusters (`seo.store.cluster_slugs`) — `make run` evaluates this same sensor, so a
deployment writes what it writes.
A cluster whose pages were written after that materialization is up to date and asks for nothing,
so the sensor redoes nothing already made; run keys (`pages:<materialization>:<cluster>`) stop a
second run of the same one. (`keyword_clusters` still adds its partitions itself too, for a run of
the SEO assets without this sensor.)
"""

from dagster import (
    AssetKey,
    AssetRecordsFilter,
    AssetSelection,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from marketing_engine.assets.partitions import keyword_cluster_partitions
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.seo import store
from marketing_engine.seo.pages import cluster_limit

CLUSTERS = AssetKey("keyword_clusters")
PAGES = (AssetKey("page_briefs"), AssetKey("programmatic_pages"))


def _written_since(context: SensorEvaluationContext, cluster: str, storage_id: int) -> bool:
    records = context.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=PAGES[-1], asset_partitions=[cluster], after_storage_id=storage_id),
        limit=1,
    ).records
    return bool(records)


@sensor(
    name="keyword_cluster_pages",
    asset_selection=AssetSelection.assets(*PAGES),
    minimum_interval_seconds=120,
    default_status=DefaultSensorStatus.RUNNING,
    description="New keyword clusters: their partitions added (gone ones removed), and the largest "
    "clusters' briefs and pages written, one run per cluster.",
)
def keyword_cluster_pages(
    context: SensorEvaluationContext, brand: BrandResource, warehouse: WarehouseResource
) -> SensorResult | SkipReason:
    records = context.instance.fetch_materializations(CLUSTERS, limit=1).records
    if not records:
        return SkipReason("keyword_clusters has not been materialized yet")
    storage_id = records[0].storage_id
    if context.cursor and int(context.cursor) >= storage_id:
        return SkipReason(f"no keyword_clusters materialization after {context.cursor}")
    wanted = store.cluster_slugs(warehouse.get(), brand.slug)
    limit = cluster_limit()
    existing = set(context.instance.get_dynamic_partitions(keyword_cluster_partitions.name))
    added = [c for c in wanted if c not in existing]
    gone = sorted(existing - set(wanted))
    due = [c for c in wanted[:limit] if not _written_since(context, c, storage_id)]
    requests = []
    if added:
        requests.append(keyword_cluster_partitions.build_add_request(added))
    if gone:
        requests.append(keyword_cluster_partitions.build_delete_request(gone))
    context.log.info(
        f"keyword_clusters {storage_id}: {len(wanted)} clusters ({len(added)} added, {len(gone)} removed); "
        f"pages due for {len(due)} of the largest {limit}"
    )
    return SensorResult(
        run_requests=[
            RunRequest(
                run_key=f"pages:{storage_id}:{cluster}",
                partition_key=cluster,
                asset_selection=list(PAGES),
                tags={"marketing_engine/cluster": cluster},
            )
            for cluster in due
        ],
        dynamic_partitions_requests=requests,
        cursor=str(storage_id),
    )
