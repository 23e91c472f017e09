"""Text generation behind one interface: `generate(request, schema=...)` and `generate_many(...)`.

Three backends:
- `anthropic`: the official SDK (Messages API, prompt caching of the brand context, Message Batches
  for bulk work, structured output validated against a pydantic model). See `llm_anthropic.py`.
- `openai`: any OpenAI-compatible server (Ollama, vLLM, a llama.cpp server, a hosted API) through
  the official SDK with a `base_url`; cost 0 on a local server. See `llm_openai.py`.
- `offline` (default): a deterministic composer that writes from the brand file and the request's
  structured `inputs`. Domains register a composer per task (see `llm_offline.py`).

Every result carries token and dollar usage, so assets can report what generation cost. Answers of
the paid backends are kept in a response cache (`marketing_engine.llm_cache`): an unchanged
request is answered from it, with 0 new tokens and the tokens it saved in its usage. Every call,
on every backend, is counted in the generation ledger (`marketing_engine.llm_ledger`) that the
marketing report reads: requests, tokens and dollars per day, task, backend and model.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from dagster import ConfigurableResource, EnvVar
from pydantic import BaseModel, Field, PrivateAttr

from marketing_engine.llm import LLMError, LLMRequest, LLMResult, Usage
from marketing_engine.llm_cache import (
    CACHE_SWITCH,
    REDIS_PREFIX,
    RedisResponseCache,
    ResponseCache,
    SQLiteResponseCache,
    cache_key,
    replayed,
)
from marketing_engine.llm_ledger import GenerationLedger, ledger_at, tally

T = TypeVar("T", bound=BaseModel)

BACKEND_SETTING = "MARKETING_ENGINE_LLM"


class LLMResource(ConfigurableResource):
    """Text generation. `backend: offline` (default), `anthropic` (needs ANTHROPIC_API_KEY) or
    `openai` (any OpenAI-compatible server at `base_url`; a key only where the server wants one)."""

    backend: Literal["offline", "anthropic", "openai"] = "offline"
    model: str = "claude-sonnet-4-5"
    api_key: str | None = Field(
        default=None, description="Only through EnvVar('ANTHROPIC_API_KEY') or EnvVar('OPENAI_API_KEY')."
    )
    base_url: str | None = None
    seed: int = 0
    batch_threshold: int = Field(default=20, description="generate_many uses Message Batches from this size.")
    max_retries: int = 4
    batch_poll_seconds: float = 10.0
    cache: bool = Field(
        default=True, description="Answer unchanged requests of the paid backends from the response cache."
    )
    cache_redis_url: str | None = Field(
        default=None,
        description="Only through EnvVar('REDIS_URL'); without it, SQLite under the engine home.",
    )
    cache_redis_prefix: str = REDIS_PREFIX

    _client: Any = PrivateAttr(default=None)
    _cache: ResponseCache | None = PrivateAttr(default=None)
    _counts: GenerationLedger | None = PrivateAttr(default=None)

    def _backend(self):
        if self._client is None:
            if self.backend == "offline":
                from marketing_engine.resources.llm_offline import OfflineComposer

                self._client = OfflineComposer(seed=self.seed)
            elif self.backend == "openai":
                from marketing_engine.resources.llm_openai import OpenAICompatibleBackend

                self._client = OpenAICompatibleBackend(
                    model=self.model,
                    base_url=self.base_url,
                    api_key=self.api_key,
                    max_retries=self.max_retries,
                )
            else:
                from marketing_engine.resources.llm_anthropic import AnthropicBackend

                if not self.api_key:
                    raise LLMError("LLM backend 'anthropic' needs ANTHROPIC_API_KEY in the environment")
                self._client = AnthropicBackend(
                    api_key=self.api_key,
                    model=self.model,
                    base_url=self.base_url,
                    max_retries=self.max_retries,
                    batch_poll_seconds=self.batch_poll_seconds,
                )
        return self._client

    def _response_cache(self) -> ResponseCache | None:
        """The cache, for the paid backends only (the offline composer costs nothing)."""
        if not self.cache or self.backend == "offline":
            return None
        if self._cache is None:
            if self.cache_redis_url:
                self._cache = RedisResponseCache(self.cache_redis_url, self.cache_redis_prefix)
            else:
                from marketing_engine.settings import home_dir

                self._cache = SQLiteResponseCache(home_dir("cache") / "llm_responses.sqlite")
        return self._cache

    def generate(self, request: LLMRequest | str, schema: type[T] | None = None) -> LLMResult:
        if isinstance(request, str):
            request = LLMRequest(task="freeform", prompt=request)
        return self._generate([request], schema, batch=False)[0]

    def generate_many(self, requests: Sequence[LLMRequest], schema: type[T] | None = None) -> list[LLMResult]:
        """Results in the order of `requests`; the Anthropic backend batches the requests the cache
        could not answer when there are `batch_threshold` or more."""
        return self._generate(list(requests), schema, batch=True)

    def _generate(self, requests: list[LLMRequest], schema: type[T] | None, batch: bool) -> list[LLMResult]:
        backend = self._backend()
        cache = self._response_cache()
        keys = [cache_key(self.backend, self.model, request, schema) for request in requests] if cache else []
        found = cache.lookup(keys) if cache else {}
        results = {index: replayed(found[key], schema) for index, key in enumerate(keys) if key in found}
        missing = [index for index in range(len(requests)) if index not in results]

        def keep(index: int, result: LLMResult) -> None:
            if cache is not None:
                cache.store(keys[index], result)
                result = result.model_copy(update={"usage": result.usage + Usage(cache_misses=1)})
            results[index] = result

        try:
            if batch and len(missing) >= self.batch_threshold and hasattr(backend, "generate_batch"):
                answers = backend.generate_batch([requests[i] for i in missing], schema)
                for index, result in zip(missing, answers):
                    keep(index, result)
            else:
                for index in missing:  # each answer is kept as it arrives, so a later failure loses none
                    keep(index, backend.generate(requests[index], schema))
        finally:  # what was answered is counted, even when a later request failed
            answered = [(requests[index], result) for index, result in results.items()]
            self._ledger().add(tally(datetime.now(UTC).date(), self.backend, self.model, answered))
        return [results[index] for index in range(len(requests))]

    def _ledger(self) -> GenerationLedger:
        """The generation ledger, beside the cache: Redis at `cache_redis_url`, else the engine home's
        SQLite file. Every backend counts into it, cached or not, with the cache switched off too."""
        if self._counts is None:
            self._counts = ledger_at(self.cache_redis_url, self.cache_redis_prefix)
        return self._counts


def llm_from_env(env: Literal["local", "prod"]) -> LLMResource:
    """The LLM resource the settings ask for.

    MARKETING_ENGINE_LLM picks the backend (`offline`, `anthropic`, `openai`); unset, it is offline
    locally and Anthropic in prod. `openai` reads OPENAI_MODEL (required), OPENAI_BASE_URL (the
    server, e.g. `http://localhost:11434/v1`; unset, the SDK's default) and OPENAI_API_KEY (only
    if set: local servers need none). The response cache is on unless MARKETING_ENGINE_LLM_CACHE is
    `off`; it lives in Redis when REDIS_URL is set, else in SQLite under the engine home.
    """
    backend = os.environ.get(BACKEND_SETTING, "").strip().lower() or (
        "offline" if env == "local" else "anthropic"
    )
    switch = os.environ.get(CACHE_SWITCH, "on").strip().lower()
    if switch not in ("on", "off"):
        raise ValueError(f"{CACHE_SWITCH}={switch!r}: expected 'on' or 'off'")
    cache: dict[str, Any] = {"cache": switch == "on"}
    if EnvVar("REDIS_URL").get_value():  # the URL may carry a password
        cache["cache_redis_url"] = EnvVar("REDIS_URL")
    if backend == "offline":
        return LLMResource(backend="offline", **cache)
    if backend == "anthropic":
        return LLMResource(backend="anthropic", api_key=EnvVar("ANTHROPIC_API_KEY"), **cache)
    if backend != "openai":
        raise ValueError(f"{BACKEND_SETTING}={backend!r}: expected 'offline', 'anthropic' or 'openai'")
    if not os.environ.get("OPENAI_MODEL"):
        raise ValueError(
            f"{BACKEND_SETTING}=openai needs OPENAI_MODEL: the name of a model the server at OPENAI_BASE_URL serves"
        )
    server = {"base_url": EnvVar("OPENAI_BASE_URL")} if EnvVar("OPENAI_BASE_URL").get_value() else {}
    key = {"api_key": EnvVar("OPENAI_API_KEY")} if EnvVar("OPENAI_API_KEY").get_value() else {}
    return LLMResource(backend="openai", model=EnvVar("OPENAI_MODEL"), **server, **key, **cache)
