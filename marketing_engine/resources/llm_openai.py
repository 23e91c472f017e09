"""The OpenAI-compatible backend of the LLM resource, on the official `openai` SDK.

Any server that speaks the Chat Completions API, chosen by `base_url`: Ollama
(`http://localhost:11434/v1`), vLLM (`http://host:8000/v1`), a llama.cpp server
(`http://host:8080/v1`), or a hosted API.

- Structured output: with a pydantic `schema`, the request carries
  `response_format={"type": "json_schema", ...}` built from the model's JSON schema, and the answer
  is validated with pydantic. Invalid JSON, or JSON that does not fit, is sent back once with the
  error and the schema (the repair request); a second failure raises `LLMError` naming the task.
- Cost: 0 when the server is on this machine or a private network (its tokens cost nothing per
  call); elsewhere priced from `PRICES`, or 0 with a warning for a model the table does not know.
- Retries on 429 (honouring `Retry-After`), 408, 409, 5xx and dropped connections are the SDK's own
  (`max_retries`); what is left after them becomes an `LLMError` naming the server.
- A local server needs no API key, but the SDK will not start without one: it then gets a
  placeholder. A real key goes to the SDK only; no log line or error message carries it.
- `generate_many` calls singly: local servers have no batch API.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import openai
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from marketing_engine.llm import LLMError, LLMRequest, LLMResult, Usage, describe_error

log = logging.getLogger(__name__)

NO_API_KEY = "no-key"  # what a server that checks no key is sent; the SDK refuses an empty key


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens; `cached_input` for prompt tokens the server read from its cache."""

    input: float
    cached_input: float
    output: float


# Longest matching prefix wins. Chat models that take `max_tokens` and `temperature` as sent here.
PRICES: dict[str, Price] = {
    "gpt-4o": Price(2.5, 1.25, 10.0),
    "gpt-4o-mini": Price(0.15, 0.075, 0.6),
    "gpt-4.1": Price(2.0, 0.5, 8.0),
    "gpt-4.1-mini": Price(0.4, 0.1, 1.6),
    "gpt-4.1-nano": Price(0.1, 0.025, 0.4),
}


def price_for(model: str) -> Price | None:
    matches = [prefix for prefix in PRICES if model.startswith(prefix)]
    return PRICES[max(matches, key=len)] if matches else None


def is_local(base_url: str) -> bool:
    """Whether the server is on this machine or a private network: `localhost`, a loopback,
    private or link-local address (no name is looked up)."""
    host = (urlsplit(base_url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def shown_url(url: str) -> str:
    """The URL as errors name it: no user, password, query, fragment or trailing slash."""
    parts = urlsplit(url)
    netloc, path = parts.netloc.rpartition("@")[2], parts.path.rstrip("/")
    return parts._replace(netloc=netloc, path=path, query="", fragment="").geturl()


class OpenAICompatibleBackend:
    """Chat Completions on any OpenAI-compatible server."""

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        max_retries: int = 4,
        timeout: float = 600.0,
    ):
        self.model = model
        self._api_key = api_key
        self.client = openai.OpenAI(
            api_key=api_key or NO_API_KEY, base_url=base_url, max_retries=max_retries, timeout=timeout
        )
        self.base_url = shown_url(str(self.client.base_url))
        self.local = is_local(self.base_url)
        self.price = None if self.local else price_for(model)
        if not self.local and self.price is None:
            log.warning(
                "no price known for model %r at %s: its cost is reported as 0 (add it to PRICES in %s)",
                model,
                self.base_url,
                __name__,
            )

    @property
    def where(self) -> str:
        return f"the OpenAI-compatible server at {self.base_url}"

    def params(self, request: LLMRequest, schema: type[BaseModel] | None) -> dict[str, Any]:
        """The body of one /chat/completions call."""
        messages = [{"role": "system", "content": request.system}] if request.system else []
        params: dict[str, Any] = {
            "model": self.model,
            "messages": [*messages, {"role": "user", "content": request.prompt}],
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }
        if schema is not None:
            params["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": schema.__name__,
                    "schema": schema.model_json_schema(),
                    "strict": False,
                },
            }
        return params

    def generate(self, request: LLMRequest, schema: type[BaseModel] | None = None) -> LLMResult:
        params = self.params(request, schema)
        completion = self._create(request, params)
        usage = self.usage_of(completion)
        answer = _answer(completion)
        if schema is None:
            return self._result(completion, answer, None, usage)
        try:
            data = schema.model_validate_json(answer)
        except ValidationError as first_error:
            log.info(
                "structured output for task %r did not fit %s; asking once for a repair",
                request.task,
                schema.__name__,
            )
            repair = {
                **params,
                "messages": [*params["messages"], *_repair_turns(answer, first_error, schema)],
            }
            completion = self._create(request, repair)
            usage = usage + self.usage_of(completion)
            try:
                data = schema.model_validate_json(_answer(completion))
            except ValidationError as exc:
                raise LLMError(
                    f"output from {self.where} for task {request.task!r} did not fit {schema.__name__} "
                    f"after one repair request: {describe_error(exc)}"
                ) from None
        return self._result(completion, data.model_dump_json(), data, usage)

    def usage_of(self, completion: ChatCompletion) -> Usage:
        """Token counts of one response and what they cost (0 on a local server)."""
        raw = completion.usage
        prompt = (raw.prompt_tokens or 0) if raw else 0
        output = (raw.completion_tokens or 0) if raw else 0
        details = raw.prompt_tokens_details if raw else None
        cached = (details.cached_tokens or 0) if details else 0
        price = self.price
        dollars = (
            ((prompt - cached) * price.input + cached * price.cached_input + output * price.output)
            / 1_000_000
            if price
            else 0.0
        )
        return Usage(
            input_tokens=prompt - cached,
            output_tokens=output,
            cache_read_input_tokens=cached,
            cost_usd=round(dollars, 6),
            requests=1,
        )

    def _create(self, request: LLMRequest, params: dict[str, Any]) -> ChatCompletion:
        try:
            completion = self.client.chat.completions.create(**params)
        except openai.OpenAIError as exc:
            raise self._api_error(request, exc) from None
        except ValueError as exc:  # a 200 whose body is not JSON
            raise LLMError(
                f"{self.where} sent a malformed JSON body for task {request.task!r}: {exc}"
            ) from None
        if not isinstance(completion, ChatCompletion) or not completion.choices:
            raise LLMError(
                f"{self.where} sent a malformed body for task {request.task!r}: not a chat completion with choices"
            )
        _check_finish(self.where, request, completion)
        return completion

    def _result(self, completion: ChatCompletion, text: str, data: Any, usage: Usage) -> LLMResult:
        return LLMResult(
            text=text,
            data=data,
            usage=usage,
            model=completion.model,
            stop_reason=completion.choices[0].finish_reason,
        )

    def _api_error(self, request: LLMRequest, exc: openai.OpenAIError) -> LLMError:
        """The server's status and message, naming the server; never the key."""
        label = f"task {request.task!r}"
        if isinstance(exc, openai.AuthenticationError):
            return LLMError(
                f"{self.where} refused the API key for {label} (HTTP 401): set OPENAI_API_KEY to a key it accepts"
            )
        if isinstance(exc, openai.APIStatusError):
            reason = self._hidden(_reason(exc))
            if isinstance(exc, openai.NotFoundError):
                return LLMError(
                    f"{self.where} answered HTTP 404 for {label} with model {self.model!r}: {reason}; set "
                    "OPENAI_MODEL to a model it serves (Ollama: `ollama pull <model>`) and check that "
                    "OPENAI_BASE_URL ends with the API's path (often /v1)"
                )
            retried = (
                f" after {self.client.max_retries} retries"
                if exc.status_code == 429 or exc.status_code >= 500
                else ""
            )
            return LLMError(f"{self.where} returned HTTP {exc.status_code} for {label}{retried}: {reason}")
        if isinstance(exc, openai.APITimeoutError):
            return LLMError(f"{self.where} timed out for {label} after {self.client.max_retries} retries")
        if isinstance(exc, openai.APIConnectionError):
            cause = self._hidden(str(exc.__cause__ or exc))
            return LLMError(
                f"{self.where} is unreachable for {label} ({cause}) after {self.client.max_retries} retries: "
                "is the server running, and is OPENAI_BASE_URL right?"
            )
        return LLMError(f"the call to {self.where} failed for {label}: {self._hidden(str(exc))}")

    def _hidden(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text


def _reason(exc: openai.APIStatusError) -> str:
    error = exc.body.get("error", exc.body) if isinstance(exc.body, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    return str(error) if isinstance(error, str) else exc.message


def _answer(completion: ChatCompletion) -> str:
    return completion.choices[0].message.content or ""


def _check_finish(where: str, request: LLMRequest, completion: ChatCompletion) -> None:
    choice = completion.choices[0]
    if choice.finish_reason == "length":
        raise LLMError(
            f"output from {where} for task {request.task!r} was truncated (finish_reason 'length', "
            f"max_tokens {request.max_tokens}); raise max_tokens or shorten the prompt"
        )
    if choice.finish_reason == "content_filter" or choice.message.refusal:
        raise LLMError(
            f"the model at {where} refused task {request.task!r}: {choice.message.refusal or 'content_filter'}"
        )


def _repair_turns(answer: str, error: Exception, schema: type[BaseModel]) -> list[dict[str, str]]:
    feedback = (
        f"Your answer is not valid JSON for the schema: {describe_error(error)}. Reply with only the "
        f"corrected JSON object, matching this JSON schema: {json.dumps(schema.model_json_schema())}"
    )
    return [{"role": "assistant", "content": answer}, {"role": "user", "content": feedback}]
