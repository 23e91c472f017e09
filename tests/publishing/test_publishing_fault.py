"""The exactly-once fault drill on PostgreSQL: the publish worker is SIGKILLed at random points,
including after the platform accepted a post and before the warehouse recorded it."""

from __future__ import annotations

from datetime import timedelta

from benchmarks._drill import AUTHOR, run_drill
from marketing_engine.publishing.queue import reconcile
from marketing_engine.resources.publishers.linkedin import LinkedInPublisher
from marketing_engine.warehouse import Warehouse


def test_killed_publisher_publishes_every_post_exactly_once(pg_url: str) -> None:
    warehouse = Warehouse(pg_url)

    def reconcile_on(server_url: str) -> tuple[int, int]:
        publisher = LinkedInPublisher("drill", AUTHOR, base_url=server_url, timeout=5)
        report = reconcile(
            warehouse, lambda _platform: publisher, grace=timedelta(0), max_attempts=3, brand="drill"
        )
        assert not report.errors
        return report.found, report.requeued

    report = run_drill(pg_url, 30, reconcile_on, seed=11, timed_kill_chance=0.35)
    warehouse.dispose()
    print(report)
    assert report.kills_after_accept >= 1  # the accepted-but-unrecorded window was hit
    assert report.kills_after_accept + report.kills_timed >= 3 and report.worker_runs >= 4
    assert report.reconciled_found >= report.kills_after_accept  # those posts were found, not re-sent
    assert report.server_creates == 30
    assert report.duplicates == 0 and report.lost == 0
    assert report.states == {"published": 30}
    assert report.exactly_once
