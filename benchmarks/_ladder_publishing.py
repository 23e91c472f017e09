"""Scale ladder, publishing: one publish tick (`queue.dispatch_due`, claims of 500 under
`FOR UPDATE SKIP LOCKED`, delivered to the local outbox backend) over the publishing benchmark's
10,000 due posts and over 100,000 (issue 13's target), on a throw-away PostgreSQL database.

The tick pages through the due posts — one claimed batch in memory at a time — and the run checks
exactly once: every due post published, one outbox file each, none left scheduled.
"""

from __future__ import annotations

import atexit
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks._ladder import Case

SEED_BATCH = 10_000


def _seed(size: int):
    from sqlalchemy import insert

    from benchmarks.publishing import _database, _drop, _rows
    from marketing_engine.warehouse import Warehouse
    from marketing_engine.warehouse.models import SocialPost

    url, handle = _database()
    atexit.register(_drop, handle)
    warehouse = Warehouse(url)
    atexit.register(warehouse.dispose)  # runs before the drop (atexit is last in, first out)
    due = datetime.now(UTC) - timedelta(minutes=1)
    for start in range(0, size, SEED_BATCH):
        with warehouse.session() as session:
            session.execute(insert(SocialPost), _rows(min(SEED_BATCH, size - start), due, f"due{start}-"))
    outbox = tempfile.TemporaryDirectory()
    atexit.register(outbox.cleanup)
    return warehouse, Path(outbox.name), size


def _tick(state) -> dict:
    from marketing_engine.publishing.queue import dispatch_due
    from marketing_engine.resources.publishers.outbox import OutboxPublisher
    from marketing_engine.warehouse.models import SocialPost

    warehouse, outbox, size = state
    publisher = OutboxPublisher(outbox, "linkedin")
    report = dispatch_due(warehouse, lambda _name: publisher, batch=500)
    files = sum(1 for _ in (outbox / "linkedin").glob("*.json"))
    published = warehouse.count(SocialPost, state="published")
    if not report.published == files == published == size:
        raise RuntimeError(
            f"not exactly once: {size} due, {report.published} reported, {files} outbox files, "
            f"{published} rows published"
        )
    return {"published": report.published, "posts_per_s": round(report.published / report.seconds)}


CASES = [Case("one publish tick -> outbox (PostgreSQL)", "due posts", 10_000, _seed, _tick)]
