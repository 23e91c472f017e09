"""An assistant on any OpenAI-compatible server that cites (official `openai` SDK, Chat Completions).

A search model (`gpt-4o-search-preview`, or a server that searches) returns the answer in
`choices[0].message.content` and its sources in `message.annotations`: items of type
`url_citation` whose `url_citation` object holds `url`, `title`, `start_index` and `end_index`
(the cited span of the content, kept as the citation's text). `web_search_options` is sent only
where `web_search` is on: a plain server that rejects it is then still usable.
"""

from __future__ import annotations

from typing import Any

import openai

from marketing_engine.resources.retry import ProviderError
from marketing_engine.visibility.answers import Answer, Citation

NO_API_KEY = "no-key"  # the SDK refuses an empty key; a local server checks none


class OpenAIAssistant:
    name = "openai"

    def __init__(
        self,
        api_key: str | None,
        model: str,
        base_url: str | None = None,
        web_search: bool = True,
        max_retries: int = 4,
    ):
        self.model, self.web_search = model, web_search
        self._client = openai.OpenAI(
            api_key=api_key or NO_API_KEY, base_url=base_url, max_retries=max_retries
        )

    def ask(self, question: str) -> Answer:
        extra: dict[str, Any] = {"web_search_options": {}} if self.web_search else {}
        try:
            completion = self._client.chat.completions.create(
                model=self.model, messages=[{"role": "user", "content": question}], **extra
            )
        except openai.APIError as exc:
            raise ProviderError(
                self.name, f"{type(exc).__name__}: {exc.message}", getattr(exc, "status_code", None)
            ) from None
        if not completion.choices:
            raise ProviderError(self.name, f"model {self.model!r} returned no choices for {question!r}")
        message = completion.choices[0].message
        text = message.content or ""
        citations = tuple(
            Citation(
                c.url_citation.url,
                c.url_citation.title or "",
                text[c.url_citation.start_index : c.url_citation.end_index],
            )
            for c in message.annotations or ()
            if c.type == "url_citation"
        )
        return Answer(self.name, question, text, citations, model=self.model)
