"""`publish_reconciler`: resolves posts a crash or timeout left in `publishing` by reading the
platform back (found → published; not found after the grace period → due again), and checks that
published posts are still live. When it puts posts back in the queue it asks for a publish run."""

from datetime import UTC, datetime, timedelta

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SkipReason, sensor

from marketing_engine.jobs import publish_due_posts
from marketing_engine.publishing.outgoing import PublishError
from marketing_engine.publishing.queue import reconcile, verify_published
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.publishers import PublisherConfigError, PublishersResource
from marketing_engine.resources.warehouse import WarehouseResource


@sensor(
    job=publish_due_posts,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Resolve posts stuck in `publishing` against the platform; verify published posts are live.",
)
def publish_reconciler(
    context: SensorEvaluationContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    publishers: PublishersResource,
    media_store: MediaStoreResource,
):
    now = datetime.now(UTC)

    def publisher_for(platform: str):
        try:
            return publishers.for_platform(platform, media_store.local_path)
        except PublisherConfigError as exc:
            raise PublishError(str(exc)) from None

    store = warehouse.get()
    report = reconcile(
        store,
        publisher_for,
        now,
        grace=timedelta(seconds=publishers.reconcile_grace_seconds),
        max_attempts=publishers.max_attempts,
        brand=brand.load().slug,
    )
    checked = verify_published(store, publisher_for, now, brand=brand.load().slug)
    summary = (
        f"stuck {report.checked}: found {report.found}, requeued {report.requeued}, failed {report.failed}; "
        f"verified {checked.verified}, missing {checked.missing}; errors {len(report.errors + checked.errors)}"
    )
    for error in (report.errors + checked.errors)[:5]:
        context.log.warning(error)
    context.update_cursor(now.isoformat())
    if report.requeued:
        return RunRequest(
            run_key=f"reconciled-{now:%Y%m%dT%H%M%S}", tags={"marketing_engine/reason": summary}
        )
    return SkipReason(summary)
