"""The LLM response cache: a request a paid backend answered once is never paid for again.

A plain module (no Dagster import). The key is a SHA-256 of what decides the answer: the backend,
the model, the system prompt, the prompt, the schema's JSON schema, `max_tokens` and `temperature`.
`LLMRequest.inputs` is not part of it: a server never sees them (the prompt was built from them),
so an edit that leaves every prompt as it was costs nothing. The offline composer, which writes
from the inputs, is not cached at all: it costs nothing, and its answer follows its code, which no
key can hold, so a cached one could outlive a fix.

Only successful results are stored. A result read back reports no new tokens, one cache hit, and
the tokens and dollars its first generation took (`Usage.tokens_saved`, `Usage.cost_saved_usd`).

Where it lives: Redis when a URL is given (`REDIS_URL`; one cache for every worker), else a SQLite
file under the engine home. Reading a cache that is unreachable raises `LLMCacheError` before
anything is spent; a result that cannot be stored is kept for the run and logged, not lost.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from marketing_engine.llm import LLMError, LLMRequest, LLMResult, Usage
from marketing_engine.settings import masked_url

log = logging.getLogger(__name__)

CACHE_SWITCH = "MARKETING_ENGINE_LLM_CACHE"  # `off` turns the cache off
KEY_VERSION = 1  # raise when what a key covers changes, so old entries are never read
REDIS_PREFIX = "marketing-engine:llm:"
SQLITE_CHUNK = 500  # keys per SELECT, well under SQLite's bound-parameter limit


class LLMCacheError(LLMError):
    """The response cache cannot be read (Redis unreachable, SQLite file unreadable)."""


def cache_key(backend: str, model: str, request: LLMRequest, schema: type[BaseModel] | None) -> str:
    payload = {
        "version": KEY_VERSION,
        "backend": backend,
        "model": model,
        "system": request.system,
        "prompt": request.prompt,
        "schema": schema.model_json_schema() if schema is not None else None,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def replayed(stored: LLMResult, schema: type[BaseModel] | None) -> LLMResult:
    """A stored result as a new one: its data re-read through the schema, its usage a cache hit."""
    data = (
        schema.model_validate(stored.data) if schema is not None and stored.data is not None else stored.data
    )
    saved = Usage(cache_hits=1, tokens_saved=stored.usage.total_tokens, cost_saved_usd=stored.usage.cost_usd)
    return stored.model_copy(update={"data": data, "usage": saved})


def sqlite_file(path: Path, table: str) -> sqlite3.Connection:
    """A connection to a SQLite file in WAL mode (parallel steps of one run share it), with the
    `CREATE TABLE IF NOT EXISTS` statement `table` run."""
    connection = sqlite3.connect(path, timeout=30)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(table)
    return connection


class ResponseCache:
    """Results by key. Subclasses read and write the raw JSON; this class names what failed."""

    where = "the LLM response cache"
    errors: tuple[type[Exception], ...] = ()

    def lookup(self, keys: Sequence[str]) -> dict[str, LLMResult]:
        """The stored results among `keys`; an entry that no longer parses counts as missing."""
        if not keys:
            return {}
        try:
            raw = self._read(list(dict.fromkeys(keys)))
        except self.errors as exc:
            raise LLMCacheError(
                f"{self.where} cannot be read: {exc}; fix it or set {CACHE_SWITCH}=off"
            ) from None
        found = {}
        for key, text in raw.items():
            try:
                found[key] = LLMResult.model_validate_json(text)
            except ValidationError:
                log.warning("%s holds an unreadable entry %s; it is generated again", self.where, key)
        return found

    def store(self, key: str, result: LLMResult) -> None:
        try:
            self._write(key, result.model_dump_json())
        except self.errors as exc:
            log.warning("%s did not keep the answer %s: %s", self.where, key, exc)

    def _read(self, keys: list[str]) -> dict[str, str]:
        raise NotImplementedError

    def _write(self, key: str, value: str) -> None:
        raise NotImplementedError


class SQLiteResponseCache(ResponseCache):
    """One table in a SQLite file (WAL, so parallel steps of one run can share it)."""

    errors = (sqlite3.Error,)

    def __init__(self, path: Path):
        self.path = path
        self.where = f"the LLM response cache {path}"

    def _connect(self) -> sqlite3.Connection:
        return sqlite_file(
            self.path,
            "CREATE TABLE IF NOT EXISTS llm_responses "
            "(key TEXT PRIMARY KEY, result TEXT NOT NULL, stored_at TEXT NOT NULL)",
        )

    def _read(self, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        with closing(self._connect()) as connection:
            for start in range(0, len(keys), SQLITE_CHUNK):
                chunk = keys[start : start + SQLITE_CHUNK]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT key, result FROM llm_responses WHERE key IN ({marks})"
                found.update(connection.execute(query, chunk).fetchall())
        return found

    def _write(self, key: str, value: str) -> None:
        with closing(self._connect()) as connection, connection:
            connection.execute(
                "INSERT OR REPLACE INTO llm_responses (key, result, stored_at) VALUES (?, ?, ?)",
                (key, value, datetime.now(UTC).isoformat(timespec="seconds")),
            )


class RedisResponseCache(ResponseCache):
    """One string per result under `prefix` (redis-py); shown by its URL without the password."""

    def __init__(self, url: str, prefix: str = REDIS_PREFIX):
        import redis

        self.errors = (redis.RedisError,)
        self.prefix = prefix
        self.where = f"the LLM response cache at {masked_url(url)}"
        self.client = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)

    def _read(self, keys: list[str]) -> dict[str, str]:
        values = self.client.mget([self.prefix + key for key in keys])
        return {key: value.decode() for key, value in zip(keys, values) if value is not None}

    def _write(self, key: str, value: str) -> None:
        self.client.set(self.prefix + key, value)
