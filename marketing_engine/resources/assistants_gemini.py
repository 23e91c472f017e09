"""Gemini grounded in Google Search (the Gemini API's `generateContent` REST endpoint over httpx).

The official `google-genai` SDK needs tenacity < 9.2, which the engine pins at 9.2.1, so this
backend speaks the documented REST shape itself: the request carries `tools: [{"google_search": {}}]`;
the answer is `candidates[0].content.parts[].text`, and its sources are
`candidates[0].groundingMetadata.groundingChunks[].web.{uri, title}` (the uri often a redirect,
the title the site's domain: the parser matches either). Retries go through `resources/http.py`.
"""

from __future__ import annotations

import httpx

from marketing_engine.resources.http import json_object, send_with_retry
from marketing_engine.resources.retry import ProviderError
from marketing_engine.visibility.answers import Answer, Citation

GEMINI_API = "https://generativelanguage.googleapis.com/v1beta"


class GeminiAssistant:
    name = "gemini"

    def __init__(self, api_key: str, model: str, base_url: str = GEMINI_API, max_retries: int = 4):
        self.model, self.base_url, self.max_retries = model, base_url.rstrip("/"), max_retries
        self._client = httpx.Client(timeout=60.0, headers={"x-goog-api-key": api_key})

    def ask(self, question: str) -> Answer:
        response = send_with_retry(
            self._client,
            "POST",
            f"{self.base_url}/models/{self.model}:generateContent",
            provider=self.name,
            max_retries=self.max_retries,
            json={"contents": [{"parts": [{"text": question}]}], "tools": [{"google_search": {}}]},
        )
        body = json_object(response, self.name)
        candidates = body.get("candidates") or []
        if not candidates or not isinstance(candidates[0], dict):
            raise ProviderError(
                self.name, f"no candidate in the answer to {question!r}", response.status_code
            )
        candidate = candidates[0]
        parts = (candidate.get("content") or {}).get("parts") or []
        text = "".join(part.get("text", "") for part in parts if isinstance(part, dict))
        chunks = (candidate.get("groundingMetadata") or {}).get("groundingChunks") or []
        citations = tuple(
            Citation(web["uri"], web.get("title", ""))
            for chunk in chunks
            if isinstance(web := chunk.get("web"), dict) and web.get("uri")
        )
        return Answer(self.name, question, text, citations, model=self.model)
