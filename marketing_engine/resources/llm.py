"""Text generation behind one interface: `generate(request, schema=...)` and `generate_many(...)`.

Two backends:
- `anthropic`: the official SDK (Messages API, prompt caching of the brand context, Message Batches
  for bulk work, structured output validated against a pydantic model). See `llm_anthropic.py`.
- `offline` (default): a deterministic composer that writes from the brand file and the request's
  structured `inputs`. Domains register a composer per task (see `llm_offline.py`).

Every result carries token and dollar usage, so assets can report what generation cost.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any, Literal, TypeVar

from dagster import ConfigurableResource
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

T = TypeVar("T", bound=BaseModel)


class LLMError(RuntimeError):
    """Generation failed: the provider refused, ran out of tokens, or returned unusable output."""


class Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    cost_usd: float = 0.0
    requests: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_creation_input_tokens=self.cache_creation_input_tokens + other.cache_creation_input_tokens,
            cache_read_input_tokens=self.cache_read_input_tokens + other.cache_read_input_tokens,
            cost_usd=round(self.cost_usd + other.cost_usd, 6),
            requests=self.requests + other.requests,
        )

    def as_metadata(self) -> dict[str, float | int]:
        return {
            "llm_requests": self.requests,
            "llm_input_tokens": self.input_tokens,
            "llm_output_tokens": self.output_tokens,
            "llm_cache_read_tokens": self.cache_read_input_tokens,
            "llm_cost_usd": round(self.cost_usd, 4),
        }


class LLMRequest(BaseModel):
    """One generation. `system` is the brand context (cached by the Anthropic backend); `inputs` are
    the structured facts the prompt was built from, which the offline composer writes from."""

    model_config = ConfigDict(frozen=True)

    task: str
    prompt: str
    inputs: dict[str, Any] = Field(default_factory=dict)
    system: str = ""
    max_tokens: int = 4096
    temperature: float = 0.7
    custom_id: str | None = None


_CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def batch_custom_id(ref: str) -> str:
    """A Message Batches custom_id (1-64 letters, digits, `_` or `-`) for any reference, one per
    reference: the reference itself when it already fits, else its allowed characters and a short
    hash of the whole (`page:guide/x` → `page-guide-x-1f2e3d4c5b`)."""
    if _CUSTOM_ID.fullmatch(ref):
        return ref
    digest = hashlib.sha256(ref.encode("utf-8")).hexdigest()[:10]
    kept = re.sub(r"[^a-zA-Z0-9_-]+", "-", ref).strip("-")[: 64 - len(digest) - 1]
    return f"{kept}-{digest}" if kept else digest


class LLMResult(BaseModel):
    text: str
    data: Any = None
    usage: Usage = Usage()
    model: str = ""
    stop_reason: str = "end_turn"


def total_usage(results: Sequence[LLMResult]) -> Usage:
    usage = Usage()
    for result in results:
        usage = usage + result.usage
    return usage


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
