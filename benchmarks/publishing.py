"""Publishing figures, on a throw-away PostgreSQL database:

1. Exactly-once under SIGKILL: 200 LinkedIn posts through a local LinkedIn-like server while the
   publish worker is killed at random points (some right after the server accepted a post).
2. One schedule tick dispatching 10,000 due posts to the outbox, beside a bare INSERT of 10,000
   rows into the same table in the same run (the floor any queue pays).
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

PG_ADMIN_URL = os.environ.get(
    "MARKETING_ENGINE_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
DRILL_POSTS = int(os.environ.get("PUBLISHING_BENCH_DRILL_POSTS", "200"))
TICK_POSTS = int(os.environ.get("PUBLISHING_BENCH_TICK_POSTS", "10000"))


def _database() -> tuple[str, object]:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"me_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False), (admin, name)


def _drop(handle: object) -> None:
    admin, name = handle  # type: ignore[misc]
    with admin.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": name},
        )
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def _rows(count: int, due: datetime, prefix: str) -> list[dict]:
    from benchmarks._drill import approved_posts

    stamps = {"attempts": 0, "created_at": due, "updated_at": due}  # no per-row defaults in the timing
    return [row | stamps for row in approved_posts("bench", prefix, count, due)]


def tick_benchmark(url: str) -> None:
    from marketing_engine.publishing.queue import dispatch_due
    from marketing_engine.resources.publishers.outbox import OutboxPublisher
    from marketing_engine.warehouse import Warehouse
    from marketing_engine.warehouse.models import SocialPost

    warehouse = Warehouse(url)
    due = datetime.now(UTC) - timedelta(minutes=1)
    reference_rows = _rows(TICK_POSTS, due, "reference")
    started = time.perf_counter()
    with warehouse.session() as session:
        session.execute(insert(SocialPost), reference_rows)
    bare_insert = time.perf_counter() - started
    with warehouse.session() as session:
        session.execute(SocialPost.__table__.delete())
        session.execute(insert(SocialPost), _rows(TICK_POSTS, due, "due"))
    with tempfile.TemporaryDirectory() as outbox:
        publisher = OutboxPublisher(Path(outbox), "linkedin")
        report = dispatch_due(warehouse, lambda _name: publisher, batch=500)
        files = len(list((Path(outbox) / "linkedin").glob("*.json")))
    published = warehouse.count(SocialPost, state="published")
    warehouse.dispose()
    print(
        f"tick: {report.published} due posts claimed (FOR UPDATE SKIP LOCKED) and written to the outbox in "
        f"{report.seconds:.1f} s ({report.published / report.seconds:,.0f} posts/s); {files} files, "
        f"{published} rows published  [target < 60 s]"
    )
    print(
        f"reference: bare INSERT of {TICK_POSTS} rows into social_posts: {bare_insert:.2f} s; "
        f"tick / insert = {report.seconds / bare_insert:.1f}x"
    )


def drill_benchmark(url: str) -> None:
    from benchmarks._drill import AUTHOR, run_drill
    from marketing_engine.publishing.queue import reconcile
    from marketing_engine.resources.publishers.linkedin import LinkedInPublisher
    from marketing_engine.warehouse import Warehouse

    warehouse = Warehouse(url)
    warehouse.engine  # noqa: B018 - migrate once, before the workers start

    def reconcile_on(server_url: str) -> tuple[int, int]:
        publisher = LinkedInPublisher("bench", AUTHOR, base_url=server_url, timeout=5)
        report = reconcile(warehouse, lambda _platform: publisher, grace=timedelta(0), brand="drill")
        return report.found, report.requeued

    report = run_drill(url, DRILL_POSTS, reconcile_on, seed=2027, timed_kill_chance=0.5)
    warehouse.dispose()
    print(
        f"fault drill: {report.posts} posts, {report.worker_runs} worker runs, "
        f"{report.kills_after_accept} SIGKILLs after the server accepted a post, {report.kills_timed} at random "
        f"times; reconciler found {report.reconciled_found}, requeued {report.reconciled_requeued}"
    )
    print(
        f"  server creates {report.server_creates} for {report.posts} posts: duplicates {report.duplicates}, "
        f"lost {report.lost}, states {report.states} -> exactly once: {report.exactly_once} "
        f"({report.seconds:.0f} s)"
    )


def main() -> None:
    url, handle = _database()
    try:
        tick_benchmark(url)
        drill_benchmark(url)
    finally:
        _drop(handle)


if __name__ == "__main__":
    main()
