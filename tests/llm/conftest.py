"""respx for the anthropic SDK, which talks HTTP through httpx2/httpcore2 rather than httpx/httpcore.

respx patches httpcore's transports; `HTTPCore2Mocker` is the same mocker pointed at httpcore2's,
so `respx.mock(using="httpcore2")` intercepts every request the real SDK sends, after the SDK has
built its headers and body, exactly where the network would start.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import httpcore2
import pytest
import respx
from pydantic import BaseModel, Field
from respx.mocks import HTTPCoreMocker, Mocker

from marketing_engine.llm import LLMRequest

BASE_URL = "http://anthropic.test"
BRAND_CONTEXT = "You write for Harbor Roasters, a coffee roaster in Portland and Seattle."


class Tagline(BaseModel):
    """The structured output every backend test asks for."""

    headline: str
    words: int = Field(ge=1, le=12)


def request(**overrides) -> LLMRequest:
    """A tagline request with the brand context; `overrides` change any field."""
    return LLMRequest(
        **{"task": "tagline", "prompt": "Write a tagline.", "system": BRAND_CONTEXT, **overrides}
    )


if "httpcore2" not in Mocker.registry:

    class HTTPCore2Mocker(HTTPCoreMocker):
        name = "httpcore2"
        targets: ClassVar[list[str]] = [
            "httpcore2._sync.connection.HTTPConnection",
            "httpcore2._sync.connection_pool.ConnectionPool",
            "httpcore2._sync.http_proxy.HTTPProxy",
        ]

        @classmethod
        def from_sync_httpx_response(cls, httpx_response, target, **kwargs):
            return httpcore2.Response(
                status=httpx_response.status_code,
                headers=httpx_response.headers.raw,
                content=httpx_response.stream,
                extensions=httpx_response.extensions,
            )


@pytest.fixture
def anthropic_api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE_URL, using="httpcore2", assert_all_called=False) as router:
        yield router


@pytest.fixture
def sdk_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The SDK's retry waits, recorded instead of slept (it calls time.sleep between attempts)."""
    import anthropic._base_client as base_client

    waits: list[float] = []
    monkeypatch.setattr(base_client.time, "sleep", waits.append)
    return waits


def message_body(
    content: list[dict[str, Any]] | None = None,
    *,
    text: str = "Fresh coffee, delivered.",
    stop_reason: str = "end_turn",
    model: str = "claude-sonnet-4-5",
    usage: dict[str, int] | None = None,
    message_id: str = "msg_01",
) -> dict[str, Any]:
    """A /v1/messages response body as documented."""
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content if content is not None else [{"type": "text", "text": text}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": usage
        or {
            "input_tokens": 100,
            "output_tokens": 50,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }


def tool_use(data: dict[str, Any], tool_id: str = "toolu_01") -> list[dict[str, Any]]:
    return [{"type": "tool_use", "id": tool_id, "name": "record_output", "input": data}]


def error_body(error_type: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": message}, "request_id": "req_01"}


def batch_body(batch_id: str, status: str, counts: dict[str, int] | None = None) -> dict[str, Any]:
    """A /v1/messages/batches/{id} body as documented."""
    ended = status == "ended"
    return {
        "id": batch_id,
        "type": "message_batch",
        "processing_status": status,
        "request_counts": {
            "processing": 0,
            "succeeded": 0,
            "errored": 0,
            "canceled": 0,
            "expired": 0,
            **(counts or {}),
        },
        "ended_at": "2026-11-26T14:00:00Z" if ended else None,
        "created_at": "2026-11-26T13:00:00Z",
        "expires_at": "2026-11-27T13:00:00Z",
        "archived_at": None,
        "cancel_initiated_at": None,
        "results_url": f"{BASE_URL}/v1/messages/batches/{batch_id}/results" if ended else None,
    }


# -- OpenAI-compatible servers (the openai SDK talks through httpx2/httpcore2 too) -----------------

OPENAI_BASE_URL = "http://llm.test/v1"


@pytest.fixture
def openai_api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=OPENAI_BASE_URL, using="httpcore2", assert_all_called=False) as router:
        yield router


def chat_completion_body(
    content: str | None = "Fresh coffee, delivered.",
    *,
    finish_reason: str = "stop",
    model: str = "gpt-4o-mini",
    usage: dict[str, Any] | None = None,
    refusal: str | None = None,
) -> dict[str, Any]:
    """A /chat/completions response body as documented (Ollama, vLLM and llama.cpp send the same)."""
    return {
        "id": "chatcmpl-01",
        "object": "chat.completion",
        "created": 1_764_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": usage or {"prompt_tokens": 120, "completion_tokens": 40, "total_tokens": 160},
    }


def openai_error_body(message: str, error_type: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": error_type, "param": None, "code": code}}
