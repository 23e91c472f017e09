"""The Anthropic backend of the LLM resource, on the official `anthropic` SDK.

- Structured output: with a pydantic `schema`, the request carries one tool whose `input_schema` is
  the model's JSON schema and `tool_choice` forces it, so the answer arrives as the tool's JSON
  input. It is validated with pydantic; on failure the validation error goes back to the model as an
  error `tool_result` once (the repair retry), then `LLMError`.
- Prompt caching: the brand context (`request.system`) is a system block with
  `cache_control: ephemeral`, so the tool definition and brand context are read from the cache
  (0.1x input price) after the first call.
- Retries on 429/5xx/529 are the SDK's own (`max_retries`, honouring `retry-after`/`retry-after-ms`).
- `generate_batch` uses the Message Batches API (50% price). A batch item that errored, expired or
  was canceled is not retried: the whole call raises `LLMError` naming every failed custom_id and
  why, because a silent single-call fallback would double the cost of a large batch unnoticed.
  An answer that fails schema validation gets the same single repair call as `generate`.
- `LLMRequest.temperature` is not sent: the Messages API of SDK 2.14 has no temperature parameter.
- The API key is handed to the SDK only; it is never logged nor part of any error message.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import anthropic
from anthropic.types import Message
from pydantic import BaseModel, ValidationError

from marketing_engine.llm import LLMError, LLMRequest, LLMResult, Usage, describe_error

log = logging.getLogger(__name__)

STRUCTURED_OUTPUT_TOOL = "record_output"
BATCH_DISCOUNT = 0.5
CACHE_WRITE_MULTIPLIER = 1.25  # 5-minute ephemeral cache write
CACHE_READ_MULTIPLIER = 0.1
MAX_BATCH_REQUESTS = 100_000  # the Message Batches API's limit per batch
CUSTOM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input: float
    output: float


# Longest matching prefix wins; the bare family names cover future versions of a family.
PRICES: dict[str, Price] = {
    "claude-opus-4-0": Price(15.0, 75.0),
    "claude-opus-4-1": Price(15.0, 75.0),
    "claude-opus-4-2025": Price(15.0, 75.0),
    "claude-opus": Price(5.0, 25.0),
    "claude-sonnet": Price(3.0, 15.0),
    "claude-3-7-sonnet": Price(3.0, 15.0),
    "claude-haiku": Price(1.0, 5.0),
    "claude-3-5-haiku": Price(0.8, 4.0),
    "claude-3-haiku": Price(0.25, 1.25),
}


def price_for(model: str) -> Price:
    matches = [prefix for prefix in PRICES if model.startswith(prefix)]
    if not matches:
        raise LLMError(f"no price known for model {model!r}; add its family to PRICES in {__name__}")
    return PRICES[max(matches, key=len)]


def usage_of(message: Any, price: Price, batch: bool = False) -> Usage:
    """Token counts of one response and what they cost (cache writes 1.25x, reads 0.1x, batch 0.5x)."""
    raw = message.usage
    input_tokens = raw.input_tokens or 0
    output_tokens = raw.output_tokens or 0
    cache_write = raw.cache_creation_input_tokens or 0
    cache_read = raw.cache_read_input_tokens or 0
    dollars = (
        input_tokens * price.input
        + cache_write * price.input * CACHE_WRITE_MULTIPLIER
        + cache_read * price.input * CACHE_READ_MULTIPLIER
        + output_tokens * price.output
    ) / 1_000_000
    if batch:
        dollars *= BATCH_DISCOUNT
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_creation_input_tokens=cache_write,
        cache_read_input_tokens=cache_read,
        cost_usd=round(dollars, 6),
        requests=1,
    )


def _label(request: LLMRequest) -> str:
    return f"task {request.task!r}" + (f" (custom_id {request.custom_id!r})" if request.custom_id else "")


def _api_error(label: str, exc: anthropic.AnthropicError) -> LLMError:
    """The provider's status and message; never the request headers, where the key lives."""
    if isinstance(exc, anthropic.APIStatusError):
        error = exc.body.get("error") if isinstance(exc.body, dict) else None
        reason = f"{error.get('type')}: {error.get('message')}" if isinstance(error, dict) else exc.message
        return LLMError(f"Anthropic API returned HTTP {exc.status_code} for {label}: {reason}")
    if isinstance(exc, anthropic.APIConnectionError):
        return LLMError(f"Anthropic API unreachable for {label}: {exc.message}")
    return LLMError(f"Anthropic API call failed for {label}: {exc}")


class AnthropicBackend:
    """Messages API for single calls, Message Batches API for bulk work."""

    def __init__(
        self,
        api_key: str,
        model: str,
        base_url: str | None = None,
        max_retries: int = 4,
        batch_poll_seconds: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.model = model
        self.price = price_for(model)
        self.batch_poll_seconds = batch_poll_seconds
        self._sleep = sleep
        self.client = anthropic.Anthropic(api_key=api_key, base_url=base_url, max_retries=max_retries)

    # -- request bodies -------------------------------------------------------------------------

    def params(self, request: LLMRequest, schema: type[BaseModel] | None) -> dict[str, Any]:
        """The body of one /v1/messages call (also the `params` of one batch item)."""
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "messages": [{"role": "user", "content": request.prompt}],
        }
        if request.system:
            params["system"] = [
                {"type": "text", "text": request.system, "cache_control": {"type": "ephemeral"}}
            ]
        if schema is not None:
            params["tools"] = [
                {
                    "name": STRUCTURED_OUTPUT_TOOL,
                    "description": f"Record the answer as a {schema.__name__} object.",
                    "input_schema": schema.model_json_schema(),
                }
            ]
            params["tool_choice"] = {"type": "tool", "name": STRUCTURED_OUTPUT_TOOL}
        return params

    # -- single calls ---------------------------------------------------------------------------

    def _create(self, request: LLMRequest, params: dict[str, Any]) -> Message:
        try:
            message = self.client.messages.create(**params)
        except anthropic.AnthropicError as exc:
            raise _api_error(_label(request), exc) from None
        except ValueError as exc:  # a 200 whose body is not JSON
            raise LLMError(f"Anthropic API sent a malformed JSON body for {_label(request)}: {exc}") from None
        return _well_formed(_label(request), message)

    def generate(self, request: LLMRequest, schema: type[BaseModel] | None = None) -> LLMResult:
        params = self.params(request, schema)
        message = self._create(request, params)
        return self._finish(request, schema, params, message, usage_of(message, self.price))

    # -- turning a response into a result -------------------------------------------------------

    def _finish(
        self,
        request: LLMRequest,
        schema: type[BaseModel] | None,
        params: dict[str, Any],
        message: Any,
        usage: Usage,
    ) -> LLMResult:
        _check_stop_reason(request, message)
        if schema is None:
            text = "".join(block.text for block in message.content if block.type == "text")
            return LLMResult(text=text, usage=usage, model=message.model, stop_reason=message.stop_reason)
        try:
            data = _validated(schema, message)
        except (ValidationError, LLMError) as first_error:
            message, data, repair_usage = self._repair(request, schema, params, message, first_error)
            usage = usage + repair_usage
        return LLMResult(
            text=data.model_dump_json(),
            data=data,
            usage=usage,
            model=message.model,
            stop_reason=message.stop_reason,
        )

    def _repair(
        self,
        request: LLMRequest,
        schema: type[BaseModel],
        params: dict[str, Any],
        message: Any,
        error: Exception,
    ) -> tuple[Any, BaseModel, Usage]:
        """One more turn: show the model its answer and the validation error, ask for a fixed one."""
        log.info(
            "structured output for %s did not fit %s; asking once for a repair",
            _label(request),
            schema.__name__,
        )
        repair_params = {**params, "messages": [*params["messages"], *_repair_turns(message, error)]}
        repaired = self._create(request, repair_params)
        usage = usage_of(repaired, self.price)
        _check_stop_reason(request, repaired)
        try:
            return repaired, _validated(schema, repaired), usage
        except (ValidationError, LLMError) as exc:
            raise LLMError(
                f"Anthropic output for {_label(request)} did not fit {schema.__name__} after one repair "
                f"retry: {describe_error(exc)}"
            ) from None

    # -- Message Batches ------------------------------------------------------------------------

    def generate_batch(
        self, requests: Sequence[LLMRequest], schema: type[BaseModel] | None = None
    ) -> list[LLMResult]:
        """All requests as Message Batches (100,000 a batch); results in the order of `requests`."""
        ids = _custom_ids(requests)
        bodies = {custom_id: self.params(request, schema) for custom_id, request in zip(ids, requests)}
        outcomes: dict[str, Any] = {}
        for start in range(0, len(ids), MAX_BATCH_REQUESTS):
            outcomes.update(
                self._run_batch({key: bodies[key] for key in ids[start : start + MAX_BATCH_REQUESTS]})
            )
        _raise_failed_items(ids, outcomes)
        results = []
        for custom_id, request in zip(ids, requests):
            message = _well_formed(f"batch item {custom_id!r}", outcomes[custom_id].message)
            request = request if request.custom_id else request.model_copy(update={"custom_id": custom_id})
            usage = usage_of(message, self.price, batch=True)
            results.append(self._finish(request, schema, bodies[custom_id], message, usage))
        return results

    def _run_batch(self, bodies: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """Create one batch, poll it until it has ended, and read its results by custom_id."""
        label = f"a Message Batch of {len(bodies)} requests"
        try:
            batch = self.client.messages.batches.create(
                requests=[{"custom_id": custom_id, "params": body} for custom_id, body in bodies.items()]
            )
            log.info("message batch %s created with %d requests", batch.id, len(bodies))
            # The API ends every batch within 24 hours (unfinished items expire), so this loop ends.
            while batch.processing_status != "ended":
                self._sleep(self.batch_poll_seconds)
                batch = self.client.messages.batches.retrieve(batch.id)
            return {item.custom_id: item.result for item in self.client.messages.batches.results(batch.id)}
        except anthropic.AnthropicError as exc:
            raise _api_error(label, exc) from None
        except ValueError as exc:
            raise LLMError(f"Anthropic API sent a malformed JSON body for {label}: {exc}") from None


def _custom_ids(requests: Sequence[LLMRequest]) -> list[str]:
    """Each request's custom_id (or its position), checked against the API's rules before any call."""
    ids = [request.custom_id or f"request-{index}" for index, request in enumerate(requests)]
    invalid = [custom_id for custom_id in ids if not CUSTOM_ID.fullmatch(custom_id)]
    if invalid:
        raise LLMError(f"batch custom_ids must be 1-64 letters, digits, '_' or '-'; invalid: {invalid[:5]}")
    repeated = sorted(custom_id for custom_id, count in Counter(ids).items() if count > 1)
    if repeated:
        raise LLMError(f"batch custom_ids must be unique; repeated: {', '.join(repeated)}")
    return ids


def _well_formed(label: str, message: Any) -> Message:
    """The SDK builds responses leniently; a proxy page or a foreign JSON body must not pass as one."""
    if not isinstance(message, Message) or not isinstance(message.content, list) or message.usage is None:
        raise LLMError(
            f"Anthropic API sent a malformed body for {label}: not a message with content and usage"
        )
    return message


def _check_stop_reason(request: LLMRequest, message: Any) -> None:
    if message.stop_reason in ("max_tokens", "model_context_window_exceeded"):
        raise LLMError(
            f"Anthropic output for {_label(request)} was truncated (stop_reason {message.stop_reason!r}, "
            f"max_tokens {request.max_tokens}); raise max_tokens or shorten the prompt"
        )
    if message.stop_reason == "refusal":
        raise LLMError(f"the model refused {_label(request)} (stop_reason 'refusal')")


def _validated(schema: type[BaseModel], message: Any) -> BaseModel:
    for block in message.content:
        if block.type == "tool_use" and block.name == STRUCTURED_OUTPUT_TOOL:
            return schema.model_validate(block.input)
    raise LLMError(f"the answer has no {STRUCTURED_OUTPUT_TOOL!r} tool call")


def _repair_turns(message: Any, error: Exception) -> list[dict[str, Any]]:
    assistant: list[dict[str, Any]] = []
    for block in message.content:
        if block.type == "text":
            assistant.append({"type": "text", "text": block.text})
        elif block.type == "tool_use":
            assistant.append({"type": "tool_use", "id": block.id, "name": block.name, "input": block.input})
    tool_use = next((block for block in message.content if block.type == "tool_use"), None)
    feedback = f"Your answer did not match the schema: {describe_error(error)}. Answer again with a corrected object."
    if tool_use is None:
        return [{"role": "assistant", "content": assistant}, {"role": "user", "content": feedback}]
    return [
        {"role": "assistant", "content": assistant},
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": tool_use.id, "is_error": True, "content": feedback}
            ],
        },
    ]


def _raise_failed_items(ids: list[str], outcomes: dict[str, Any]) -> None:
    failures = []
    for custom_id in ids:
        outcome = outcomes.get(custom_id)
        if outcome is None:
            failures.append(f"{custom_id}: missing from the batch results")
        elif outcome.type == "errored":
            failures.append(
                f"{custom_id}: errored ({outcome.error.error.type}: {outcome.error.error.message})"
            )
        elif outcome.type != "succeeded":
            failures.append(f"{custom_id}: {outcome.type}")
    if failures:
        raise LLMError(f"{len(failures)} of {len(ids)} batch requests failed: " + "; ".join(failures))
