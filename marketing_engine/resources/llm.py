"""Text generation behind one interface: `generate(request, schema=...)` and `generate_many(...)`.

Two backends:
- `anthropic`: the official SDK (Messages API, prompt caching of the brand context, Message Batches
  for bulk work, structured output validated against a pydantic model). See `llm_anthropic.py`.
- `offline` (default): a deterministic composer that writes from the brand file and the request's
  structured `inputs`. Domains register a composer per task (see `llm_offline.py`).

Every result carries token and dollar usage, so assets can report what generation cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypeVar

from dagster import ConfigurableResource
from pydantic import BaseModel, Field, PrivateAttr

from marketing_engine.llm import LLMError, LLMRequest, LLMResult

T = TypeVar("T", bound=BaseModel)


class LLMResource(ConfigurableResource):
    """Text generation. `backend: offline` (default) or `anthropic` (needs ANTHROPIC_API_KEY)."""

    backend: Literal["offline", "anthropic"] = "offline"
    model: str = "claude-sonnet-4-5"
    api_key: str | None = Field(default=None, description="Only through EnvVar('ANTHROPIC_API_KEY').")
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
        return self._backend().generate(request, schema)

    def generate_many(self, requests: Sequence[LLMRequest], schema: type[T] | None = None) -> list[LLMResult]:
        """Results in the order of `requests`; the Anthropic backend batches above `batch_threshold`."""
        backend = self._backend()
        if len(requests) >= self.batch_threshold and hasattr(backend, "generate_batch"):
            return backend.generate_batch(list(requests), schema)
        return [backend.generate(request, schema) for request in requests]
