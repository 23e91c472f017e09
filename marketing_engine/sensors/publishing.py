"""Publishing sensors.

`publish_reconciler`: resolves posts a crash or timeout left in `publishing` by reading the
platform back (found → published; not found after the grace period → due again), and checks that
published posts are still live. When it puts posts back in the queue it asks for a publish run.

`publish_site`: publishes the static site (`published_pages`) once per new build whose run passed
its blocking quality gates.

Both start runs that post for real in prod, so there they ask for none unless
MARKETING_ENGINE_PUBLISHING=on (`settings.publishing_blocked`); locally they write the outbox and
the site folder.
"""

from datetime import UTC, datetime, timedelta

from dagster import (
    AssetKey,
    AssetSelection,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from marketing_engine.jobs import publish_due_posts
from marketing_engine.publishing.outgoing import PublishError
from marketing_engine.publishing.queue import reconcile, verify_published
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.publishers import PublisherConfigError, PublishersResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.settings import publishing_blocked

SITE = AssetKey("static_site")
PUBLISHED_PAGES = AssetKey("published_pages")


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

    queue, slug = warehouse.get(), brand.load().slug
    report = reconcile(
        queue,
        publisher_for,
        now,
        grace=timedelta(seconds=publishers.reconcile_grace_seconds),
        max_attempts=publishers.max_attempts,
        brand=slug,
    )
    checked = verify_published(queue, publisher_for, now, brand=slug)
    summary = (
        f"stuck {report.checked}: found {report.found}, requeued {report.requeued}, failed {report.failed}; "
        f"verified {checked.verified}, missing {checked.missing}; errors {len(report.errors + checked.errors)}"
    )
    for error in (report.errors + checked.errors)[:5]:
        context.log.warning(error)
    context.update_cursor(now.isoformat())
    blocked = publishing_blocked()
    if report.requeued and blocked:
        return SkipReason(f"{summary}; no publish run: {blocked}")
    if report.requeued:
        return RunRequest(
            run_key=f"reconciled-{now:%Y%m%dT%H%M%S}", tags={"marketing_engine/reason": summary}
        )
    return SkipReason(summary)


@sensor(
    name="publish_site",
    asset_selection=AssetSelection.assets(PUBLISHED_PAGES),
    minimum_interval_seconds=300,
    default_status=DefaultSensorStatus.RUNNING,
    description="Publishes each new build of the static site whose run passed its blocking quality "
    "gates (locally the site folder; WordPress in prod, only with MARKETING_ENGINE_PUBLISHING=on).",
)
def publish_site(context: SensorEvaluationContext) -> RunRequest | SkipReason:
    if blocked := publishing_blocked():
        return SkipReason(blocked)
    built = context.instance.fetch_materializations(SITE, limit=1).records
    if not built:
        return SkipReason("static_site has not been built yet")
    build = built[0]
    published = context.instance.fetch_materializations(PUBLISHED_PAGES, limit=1).records
    if published and published[0].storage_id > build.storage_id:
        return SkipReason("the newest build of the site is published")
    run = context.instance.get_run_by_id(build.run_id)
    if run is not None and not run.is_finished:
        return SkipReason(f"the newest build's run {build.run_id[:8]} is still running")
    if run is None or run.status != DagsterRunStatus.SUCCESS:
        status = run.status.value if run else "unknown"
        return SkipReason(
            f"the newest build's run {build.run_id[:8]} ended {status}: a blocking quality gate failed "
            "or the run did not finish; the next build is published if it passes"
        )
    return RunRequest(run_key=f"site:{build.storage_id}", asset_selection=[PUBLISHED_PAGES])
