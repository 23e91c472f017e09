"""What a text generation is and what it returns: the request, the result, token usage and errors.

A plain module (no Dagster import), so domain code can build requests and read results without
pulling in the orchestrator. The resource that runs them is `marketing_engine.resources.llm`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class LLMError(RuntimeError):
    """Generation failed: the provider refused, ran out of tokens, or returned unusable output."""


class Usage(BaseModel):
    """Tokens and dollars spent, and what the response cache saved (a cached result spends nothing)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    cost_usd: float = 0.0
    requests: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    tokens_saved: int = 0
    cost_saved_usd: float = 0.0

    @property
    def total_tokens(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_creation_input_tokens
            + self.cache_read_input_tokens
        )

    def __add__(self, other: Usage) -> Usage:
        summed = {
            name: getattr(self, name) + getattr(other, name)
            for name in type(self).model_fields
            if name not in ("cost_usd", "cost_saved_usd")
        }
        return Usage(
            **summed,
            cost_usd=round(self.cost_usd + other.cost_usd, 6),
            cost_saved_usd=round(self.cost_saved_usd + other.cost_saved_usd, 6),
        )

    def as_metadata(self) -> dict[str, float | int]:
        lookups = self.cache_hits + self.cache_misses
        return {
            "llm_requests": self.requests,
            "llm_input_tokens": self.input_tokens,
            "llm_output_tokens": self.output_tokens,
            "llm_cache_read_tokens": self.cache_read_input_tokens,
            "llm_cost_usd": round(self.cost_usd, 4),
            "llm_cache_hits": self.cache_hits,
            "llm_cache_hit_rate": round(self.cache_hits / lookups, 4) if lookups else 0.0,
            "llm_tokens_saved": self.tokens_saved,
            "llm_cost_saved_usd": round(self.cost_saved_usd, 4),
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


def describe_error(error: Exception) -> str:
    """A validation error on one line per field, without pydantic's documentation links (what a
    model is shown when it is asked to repair its answer)."""
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or '(root)'}: {item['msg']}"
            for item in error.errors()
        )
    return str(error)


def total_usage(results: Sequence[LLMResult]) -> Usage:
    usage = Usage()
    for result in results:
        usage = usage + result.usage
    return usage
