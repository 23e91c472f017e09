"""One run at a time per engine home and per PostgreSQL warehouse.

`make run` takes an exclusive lock on `<home>/.run.lock` (filelock: `flock`, so the kernel frees it
when the process dies, however it dies) and, for a PostgreSQL warehouse, a session-level advisory
lock keyed by the database (several homes may share one warehouse). A second run waits up to
`wait` seconds, then stops with `HomeBusyError` naming the run that holds the lock and what to do.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from marketing_engine.settings import masked_url

LOCK_NAME = ".run.lock"
OWNER_NAME = ".run.owner.json"
# pg_advisory_lock's key: a fixed class for this project (the bytes of "MKEN"), the database's hash.
_ADVISORY_CLASS = 0x4D4B454E


class HomeBusyError(RuntimeError):
    """Another run holds the engine home or the warehouse."""


def _owner(home: Path) -> str:
    try:
        owner = json.loads((home / OWNER_NAME).read_text(encoding="utf-8"))
        return f"pid {owner['pid']} on {owner['host']}, started {owner['started']}"
    except (OSError, ValueError, KeyError):
        return "another process"


def _hold_home(home: Path, wait: float):
    from filelock import FileLock, Timeout

    lock = FileLock(home / LOCK_NAME, timeout=wait, preserve_lock_file=True, fallback_to_soft=False)
    try:
        lock.acquire()
    except Timeout:
        raise HomeBusyError(
            f"another run is using the engine home {home} ({_owner(home)}); wait for it to finish "
            f"(or run with --wait SECONDS), or give this run its own MARKETING_ENGINE_HOME"
        ) from None
    owner = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    from marketing_engine.files import write_text

    write_text(home / OWNER_NAME, json.dumps(owner))
    return lock


def _hold_warehouse(url: str, wait: float):
    """A PostgreSQL session holding the warehouse's advisory lock, or None for SQLite (the home's
    lock covers a SQLite warehouse inside it)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.pool import NullPool

    from marketing_engine.warehouse.db import WarehouseError, normalize_url

    url = normalize_url(url)
    if not url.startswith("postgresql"):
        return None
    engine = create_engine(url, poolclass=NullPool)
    try:
        connection = engine.connect()
    except OperationalError as exc:
        engine.dispose()
        raise WarehouseError(
            f"cannot reach the warehouse at {masked_url(url)}: {masked_url(str(exc.orig)).strip()}"
        ) from None
    deadline = time.monotonic() + wait
    query = text("SELECT pg_try_advisory_lock(:cls, hashtext(current_database()))")
    while not connection.execute(query, {"cls": _ADVISORY_CLASS}).scalar():
        connection.rollback()
        if time.monotonic() >= deadline:
            connection.close()
            engine.dispose()
            raise HomeBusyError(
                f"another run is writing to the warehouse {masked_url(url)}; wait for it to finish "
                "(or run with --wait SECONDS), or give this run its own warehouse"
            )
        time.sleep(0.5)
    connection.commit()  # the lock is the session's, not the transaction's
    return engine, connection


@contextmanager
def one_run_at_a_time(home: Path, warehouse_url: str, wait: float = 0.0) -> Iterator[None]:
    """Hold the home (and a PostgreSQL warehouse) for the duration of the block."""
    home.mkdir(parents=True, exist_ok=True)
    lock = _hold_home(home, wait)
    try:
        held = _hold_warehouse(warehouse_url, wait)
        try:
            yield
        finally:
            if held is not None:
                engine, connection = held
                connection.close()  # closing the session releases its advisory locks
                engine.dispose()
    finally:
        (home / OWNER_NAME).unlink(missing_ok=True)
        lock.release()
