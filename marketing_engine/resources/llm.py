"""Text generation behind one interface: `generate(request, schema=...)` and `generate_many(...)`.

Three backends:
- `anthropic`: the official SDK (Messages API, prompt caching of the brand context, Message Batches
  for bulk work, structured output validated against a pydantic model). See `llm_anthropic.py`.
- `openai`: any OpenAI-compatible server (Ollama, vLLM, a llama.cpp server, a hosted API) through
  the official SDK with a `base_url`; cost 0 on a local server. See `llm_openai.py`.
- `offline` (default): a deterministic composer that writes from the brand file and the request's
  structured `inputs`. Domains register a composer per task (see `llm_offline.py`).

Every result carries token and dollar usage, so assets can report what generation cost.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Literal, TypeVar

from dagster import ConfigurableResource, EnvVar
from pydantic import BaseModel, Field, PrivateAttr

from marketing_engine.llm import LLMError, LLMRequest, LLMResult

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

    _client: Any = PrivateAttr(default=None)

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

    def generate(self, request: LLMRequest | str, schema: type[T] | None = None) -> LLMResult:
        if isinstance(request, str):
            request = LLMRequest(task="freeform", prompt=request)
        return self._generate([request], schema, batch=False)[0]

    def generate_many(self, requests: Sequence[LLMRequest], schema: type[T] | None = None) -> list[LLMResult]:
        """Results in the order of `requests`; the Anthropic backend batches above `batch_threshold`."""
        return self._generate(list(requests), schema, batch=True)

    def _generate(self, requests: list[LLMRequest], schema: type[T] | None, batch: bool) -> list[LLMResult]:
        backend = self._backend()
        if batch and len(requests) >= self.batch_threshold and hasattr(backend, "generate_batch"):
            return backend.generate_batch(requests, schema)
        return [backend.generate(request, schema) for request in requests]


def llm_from_env(env: Literal["local", "prod"]) -> LLMResource:
    """The LLM resource the settings ask for.

    MARKETING_ENGINE_LLM picks the backend (`offline`, `anthropic`, `openai`); unset, it is offline
    locally and Anthropic in prod. `openai` reads OPENAI_MODEL (required), OPENAI_BASE_URL (the
    server, e.g. `http://localhost:11434/v1`; unset, the SDK's default) and OPENAI_API_KEY (only
    if set: local servers need none).
    """
    backend = os.environ.get(BACKEND_SETTING, "").strip().lower() or (
        "offline" if env == "local" else "anthropic"
    )
    if backend == "offline":
        return LLMResource(backend="offline")
    if backend == "anthropic":
        return LLMResource(backend="anthropic", api_key=EnvVar("ANTHROPIC_API_KEY"))
    if backend != "openai":
        raise ValueError(f"{BACKEND_SETTING}={backend!r}: expected 'offline', 'anthropic' or 'openai'")
    if not os.environ.get("OPENAI_MODEL"):
        raise ValueError(
            f"{BACKEND_SETTING}=openai needs OPENAI_MODEL: the name of a model the server at OPENAI_BASE_URL serves"
        )
    server = {"base_url": EnvVar("OPENAI_BASE_URL")} if os.environ.get("OPENAI_BASE_URL") else {}
    key = {"api_key": EnvVar("OPENAI_API_KEY")} if os.environ.get("OPENAI_API_KEY") else {}
    return LLMResource(backend="openai", model=EnvVar("OPENAI_MODEL"), **server, **key)
