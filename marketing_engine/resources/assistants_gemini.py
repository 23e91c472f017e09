"""Gemini grounded in Google Search (official `google-genai` SDK, `models.generate_content`).

The request carries the tool `Tool(google_search=GoogleSearch())`; the answer is `response.text`
and its sources are `candidates[0].grounding_metadata.grounding_chunks[].web.{uri, title}` (the
uri often a redirect, the title the site's domain: the parser matches either). The SDK retries
nothing unless told to; 429, 5xx and dropped connections go through the engine's one retry policy
(`resources/retry.py`: Retry-After, backoff, the provider's time bound), sorted by
`resources/http.py` from the SDK's own HTTP response.
"""

from __future__ import annotations

import json

import httpx
import httpx2
import pydantic
from google import genai
from google.genai import errors, types

from marketing_engine.resources.http import failure
from marketing_engine.resources.retry import ProviderError, RetryPolicy, Transient
from marketing_engine.visibility.answers import Answer, Citation

GEMINI_API = "https://generativelanguage.googleapis.com/v1beta"  # the API root, its version included
TIMEOUT_MS = 60_000
DROPPED = (httpx.TransportError, httpx2.TransportError)  # the SDK sends through either


class GeminiAssistant:
    name = "gemini"

    def __init__(self, api_key: str, model: str, base_url: str = GEMINI_API, max_retries: int = 4):
        self.model, self.max_retries = model, max_retries
        self._client = genai.Client(
            api_key=api_key,
            vertexai=False,
            http_options=types.HttpOptions(
                base_url=base_url,
                base_url_resource_scope=types.ResourceScope.COLLECTION,  # base_url holds the version
                timeout=TIMEOUT_MS,
            ),
        )
        self._config = types.GenerateContentConfig(tools=[types.Tool(google_search=types.GoogleSearch())])

    def ask(self, question: str) -> Answer:
        response = RetryPolicy(self.max_retries).run(self.name, lambda: self._generate(question))
        if not response.candidates:
            raise ProviderError(self.name, f"no candidate in the answer to {question!r}")
        metadata = response.candidates[0].grounding_metadata
        chunks = (metadata.grounding_chunks if metadata else None) or []
        citations = tuple(
            Citation(chunk.web.uri, chunk.web.title or "") for chunk in chunks if chunk.web and chunk.web.uri
        )
        return Answer(self.name, question, response.text or "", citations, model=self.model)

    def _generate(self, question: str) -> types.GenerateContentResponse:
        try:
            return self._client.models.generate_content(
                model=self.model, contents=question, config=self._config
            )
        except errors.APIError as exc:
            raise self._refusal(exc) from None
        except DROPPED as exc:
            raise Transient(ProviderError(self.name, type(exc).__name__, retryable=True)) from None
        except (json.JSONDecodeError, pydantic.ValidationError) as exc:  # a 200 that is no answer
            raise ProviderError(
                self.name, f"malformed answer to {question!r}: {type(exc).__name__}"
            ) from None

    def _refusal(self, exc: errors.APIError) -> Transient | ProviderError:
        """429 and 5xx for the retry policy; a refused key or an unknown model said plainly."""
        if exc.response is None:
            return ProviderError(self.name, str(exc.message or exc.status), exc.code)
        sorted_failure = failure(self.name, exc.response)
        if isinstance(sorted_failure, Transient):
            return sorted_failure
        status, detail = exc.code, sorted_failure.detail
        if status in (401, 403) or "API_KEY_INVALID" in str(exc.details):
            return ProviderError(
                self.name,
                f"the API key was refused ({detail}): set GEMINI_API_KEY to a Gemini API key",
                status,
            )
        if status == 404:
            return ProviderError(
                self.name,
                f"model {self.model!r} not found ({detail}): set gemini_model to a model it serves",
                404,
            )
        return sorted_failure
