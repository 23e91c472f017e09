"""Claude answering with the web search tool (official `anthropic` SDK, Messages API).

The request carries the server tool `web_search_20250305`; the answer's content is a sequence of
blocks: `server_tool_use` (the searches), `web_search_tool_result` (what they found) and `text`
blocks whose `citations` of type `web_search_result_location` carry `url`, `title` and
`cited_text`. The text is the text blocks joined; the citations are those of the text.
"""

from __future__ import annotations

from typing import Any

import anthropic

from marketing_engine.resources.retry import ProviderError
from marketing_engine.visibility.answers import Answer, Citation


class AnthropicAssistant:
    name = "anthropic"

    def __init__(self, api_key: str, model: str, max_searches: int = 3, max_retries: int = 4):
        self.model, self.max_searches = model, max_searches
        self._client = anthropic.Anthropic(api_key=api_key, max_retries=max_retries)

    def ask(self, question: str) -> Answer:
        try:
            message = self._client.messages.create(
                model=self.model,
                max_tokens=1024,
                messages=[{"role": "user", "content": question}],
                tools=[{"type": "web_search_20250305", "name": "web_search", "max_uses": self.max_searches}],
            )
        except anthropic.APIError as exc:
            raise ProviderError(
                self.name, f"{type(exc).__name__}: {exc.message}", getattr(exc, "status_code", None)
            ) from None
        return answer_from_content(question, message.content, self.model)


def answer_from_content(question: str, content: list[Any], model: str) -> Answer:
    texts, citations = [], []
    for block in content:
        if block.type != "text":
            continue
        texts.append(block.text)
        for cited in block.citations or ():
            if cited.type == "web_search_result_location":
                citations.append(Citation(cited.url, cited.title or "", cited.cited_text or ""))
    return Answer("anthropic", question, "".join(texts), tuple(citations), model=model)
