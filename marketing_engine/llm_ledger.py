"""The generation ledger: what text generation asked for, spent and saved, per UTC day, task,
backend and model.

A plain module (no Dagster import). `LLMResource` adds every `generate` / `generate_many` call to
it, on every backend, the offline composer included and cached answers too: one upsert per call,
never one per request. A ledger that cannot be written is logged and skipped, because counting
must never fail a generation. The marketing report reads it back for its period.

Where it lives: beside the response cache. Redis when a URL is given (`REDIS_URL`; one hash per
day under the cache's prefix, so every worker counts into one ledger), else a SQLite file under the
engine home (`llm_ledger.sqlite`, its own file: the offline composer and a switched-off cache write
nothing into the cache's folder).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, fields
from datetime import date, timedelta
from pathlib import Path

from marketing_engine.llm import LLMRequest, LLMResult
from marketing_engine.llm_cache import REDIS_PREFIX, sqlite_file
from marketing_engine.settings import engine_home, masked_url

log = logging.getLogger(__name__)

LEDGER_FILE = "llm_ledger.sqlite"
KEY_COLUMNS = ("day", "task", "backend", "model")


@dataclass(frozen=True)
class LedgerRow:
    """One day × task × backend × model: requests asked for (cached ones included), the tokens
    and dollars they spent, and the cache hits among them with the tokens and dollars they saved."""

    day: date
    task: str
    backend: str
    model: str
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    cache_hits: int = 0
    tokens_saved: int = 0
    cost_saved_usd: float = 0.0

    def __add__(self, other: LedgerRow) -> LedgerRow:
        return LedgerRow(
            *(getattr(self, name) for name in KEY_COLUMNS),
            **{name: getattr(self, name) + getattr(other, name) for name in COUNTS},
        )


COUNTS = tuple(f.name for f in fields(LedgerRow) if f.name not in KEY_COLUMNS)


def tally(
    day: date, backend: str, model: str, answered: Iterable[tuple[LLMRequest, LLMResult]]
) -> list[LedgerRow]:
    """The rows one call adds: its answers summed per task and per the model that wrote them (a
    cached answer keeps its model; `model`, the configured one, stands in where a result names none)."""
    rows: dict[tuple[str, str], LedgerRow] = {}
    for request, result in answered:
        usage = result.usage
        row = LedgerRow(
            day,
            request.task,
            backend,
            result.model or model,
            requests=1,
            input_tokens=usage.total_tokens - usage.output_tokens,  # cache writes and reads included
            output_tokens=usage.output_tokens,
            cost_usd=usage.cost_usd,
            cache_hits=usage.cache_hits,
            tokens_saved=usage.tokens_saved,
            cost_saved_usd=usage.cost_saved_usd,
        )
        key = (row.task, row.model)
        rows[key] = rows[key] + row if key in rows else row
    return list(rows.values())


def totals(rows: Iterable[LedgerRow], by: Sequence[str] = ("task", "backend", "model")) -> list[dict]:
    """The rows summed over every column not in `by` (the report's period: over its days), sorted
    by `by`; dollars rounded to the micro-dollar."""
    summed: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(getattr(row, name) for name in by)
        entry = summed.setdefault(key, {**dict(zip(by, key)), **dict.fromkeys(COUNTS, 0)})
        for name in COUNTS:
            entry[name] += getattr(row, name)
    for entry in summed.values():
        entry["cost_usd"] = round(entry["cost_usd"], 6)
        entry["cost_saved_usd"] = round(entry["cost_saved_usd"], 6)
    return [summed[key] for key in sorted(summed)]


class GenerationLedger:
    """Counts by day. Subclasses add and read; this class keeps a failed write from failing anything."""

    where = "the generation ledger"

    def add(self, rows: Sequence[LedgerRow]) -> None:
        """Add `rows` to what is counted already (one round trip); a failure is logged, not raised."""
        if not rows:
            return
        try:
            self._add(rows)
        except Exception as exc:  # noqa: BLE001 - counting must never fail the generation it counts
            log.warning("%s did not count %d rows: %s", self.where, len(rows), exc)

    def rows(self, first: date, last: date) -> list[LedgerRow]:
        """Every row from day `first` to day `last`, both included; none when it cannot be read
        (logged), so a report still renders when the ledger is out of reach."""
        try:
            return self._rows(first, last)
        except Exception as exc:  # noqa: BLE001 - the report goes on without this section
            log.warning("%s cannot be read: %s", self.where, exc)
            return []

    def _add(self, rows: Sequence[LedgerRow]) -> None:
        raise NotImplementedError

    def _rows(self, first: date, last: date) -> list[LedgerRow]:
        raise NotImplementedError


_TABLE = (
    "CREATE TABLE IF NOT EXISTS llm_ledger (day TEXT NOT NULL, task TEXT NOT NULL, backend TEXT NOT NULL, "
    "model TEXT NOT NULL, requests INTEGER NOT NULL, input_tokens INTEGER NOT NULL, "
    "output_tokens INTEGER NOT NULL, cost_usd REAL NOT NULL, cache_hits INTEGER NOT NULL, "
    "tokens_saved INTEGER NOT NULL, cost_saved_usd REAL NOT NULL, PRIMARY KEY (day, task, backend, model))"
)
_UPSERT = (
    f"INSERT INTO llm_ledger ({', '.join(KEY_COLUMNS + COUNTS)}) "
    f"VALUES ({', '.join('?' * (len(KEY_COLUMNS) + len(COUNTS)))}) "
    f"ON CONFLICT ({', '.join(KEY_COLUMNS)}) DO UPDATE SET "
    + ", ".join(f"{name} = {name} + excluded.{name}" for name in COUNTS)
)


class SQLiteLedger(GenerationLedger):
    """One table in a SQLite file; a call's rows go in with one upsert statement."""

    def __init__(self, path: Path):
        self.path = path
        self.where = f"the generation ledger {path}"

    def _add(self, rows: Sequence[LedgerRow]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        values = [(row.day.isoformat(), *(getattr(row, n) for n in KEY_COLUMNS[1:] + COUNTS)) for row in rows]
        with closing(sqlite_file(self.path, _TABLE)) as connection, connection:
            connection.executemany(_UPSERT, values)

    def _rows(self, first: date, last: date) -> list[LedgerRow]:
        if not self.path.is_file():
            return []
        query = f"SELECT {', '.join(KEY_COLUMNS + COUNTS)} FROM llm_ledger WHERE day BETWEEN ? AND ?"
        with closing(sqlite3.connect(self.path, timeout=30)) as connection:
            try:
                found = connection.execute(query, (first.isoformat(), last.isoformat())).fetchall()
            except sqlite3.OperationalError:  # the file exists, the table not yet
                return []
        return [LedgerRow(date.fromisoformat(day), *rest) for day, *rest in found]


class RedisLedger(GenerationLedger):
    """A hash per day (`<prefix>ledger:<day>`), one field per task, backend, model and count,
    incremented in one pipeline per call."""

    def __init__(self, url: str, prefix: str = REDIS_PREFIX):
        self.url = url
        self.prefix = prefix
        self.where = f"the generation ledger at {masked_url(url)}"
        self._client = None

    @property
    def client(self):
        """redis-py's client, made on first use (so making a ledger never fails)."""
        if self._client is None:
            import redis

            self._client = redis.Redis.from_url(self.url, socket_timeout=10, socket_connect_timeout=5)
        return self._client

    def _key(self, day: date) -> str:
        return f"{self.prefix}ledger:{day.isoformat()}"

    def _add(self, rows: Sequence[LedgerRow]) -> None:
        pipeline = self.client.pipeline(transaction=False)
        for row in rows:
            for name in COUNTS:
                field = json.dumps([row.task, row.backend, row.model, name], ensure_ascii=False)
                value = getattr(row, name)
                if isinstance(value, float):
                    pipeline.hincrbyfloat(self._key(row.day), field, value)
                else:
                    pipeline.hincrby(self._key(row.day), field, value)
        pipeline.execute()

    def _rows(self, first: date, last: date) -> list[LedgerRow]:
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        pipeline = self.client.pipeline(transaction=False)
        for day in days:
            pipeline.hgetall(self._key(day))
        found: list[LedgerRow] = []
        for day, counted in zip(days, pipeline.execute()):
            entries: dict[tuple[str, str, str], dict] = {}
            for field, value in counted.items():
                task, backend, model, name = json.loads(field)
                kind = float if name in ("cost_usd", "cost_saved_usd") else int
                entries.setdefault((task, backend, model), {})[name] = kind(value.decode())
            found += [LedgerRow(day, *key, **counts) for key, counts in entries.items()]
        return found


def ledger_at(redis_url: str | None = None, redis_prefix: str = REDIS_PREFIX) -> GenerationLedger:
    """The ledger in Redis at `redis_url`, or, without one, the SQLite file under the engine home."""
    if redis_url:
        return RedisLedger(redis_url, redis_prefix)
    return SQLiteLedger(engine_home() / LEDGER_FILE)
