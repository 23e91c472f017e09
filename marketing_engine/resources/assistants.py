"""The AI assistants the brand's questions are put to, behind one interface: `assistants(...)`
gives one client per assistant, each with a `name` and `ask(question) -> Answer`.

- `simulator` (default): a deterministic stand-in for each of `simulated` (assistant names), that
  answers from the brand's own published pages and competitor list (`visibility/simulator.py`).
- `live`: each assistant whose key is set — Anthropic with web search (`ANTHROPIC_API_KEY`), an
  OpenAI-compatible server with citations (`OPENAI_API_KEY` or `OPENAI_BASE_URL`), Gemini with
  Google Search grounding (`GEMINI_API_KEY`). An assistant without a key is left out and named in
  `not_configured()`; with none at all the asset reports "no data".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from marketing_engine.visibility.answers import Names
from marketing_engine.visibility.simulator import SimulatedAssistant, SitePage

ASSISTANTS = ("anthropic", "openai", "gemini")


class AssistantsResource(ConfigurableResource):
    """AI assistants that answer with sources. Keys only through EnvVar."""

    backend: Literal["simulator", "live"] = "simulator"
    simulated: list[str] = Field(default_factory=lambda: list(ASSISTANTS))
    seed: int = 0
    anthropic_api_key: str | None = None
    anthropic_model: str = "claude-sonnet-4-5"
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-search-preview"
    openai_web_search: bool = True
    gemini_api_key: str | None = None
    gemini_model: str = "gemini-2.5-flash"
    max_retries: int = 4

    def not_configured(self) -> list[str]:
        if self.backend == "simulator":
            return []
        keys = {
            "anthropic": self.anthropic_api_key,
            "openai": self.openai_api_key or self.openai_base_url,
            "gemini": self.gemini_api_key,
        }
        return [name for name, key in keys.items() if not key]

    def assistants(
        self, pages: Sequence[SitePage], names: Names, day: date, language: str = "en"
    ) -> list[Any]:
        """One client per assistant; the simulator answers from `pages` and `names` on `day`."""
        if self.backend == "simulator":
            return [
                SimulatedAssistant(n, tuple(pages), names, day, language, self.seed) for n in self.simulated
            ]
        found: list[Any] = []
        if self.anthropic_api_key:
            from marketing_engine.resources.assistants_anthropic import AnthropicAssistant

            found.append(
                AnthropicAssistant(self.anthropic_api_key, self.anthropic_model, max_retries=self.max_retries)
            )
        if self.openai_api_key or self.openai_base_url:
            from marketing_engine.resources.assistants_openai import OpenAIAssistant

            found.append(
                OpenAIAssistant(
                    self.openai_api_key,
                    self.openai_model,
                    self.openai_base_url,
                    self.openai_web_search,
                    self.max_retries,
                )
            )
        if self.gemini_api_key:
            from marketing_engine.resources.assistants_gemini import GeminiAssistant

            found.append(
                GeminiAssistant(self.gemini_api_key, self.gemini_model, max_retries=self.max_retries)
            )
        return found


def assistants_from_env() -> AssistantsResource:
    """Live assistants for those whose key is in the environment (read when the resource is built,
    never at import). With none, no assistant answers: in prod nothing simulated is written."""
    keys = {
        "anthropic_api_key": "ANTHROPIC_API_KEY",
        "openai_api_key": "OPENAI_API_KEY",
        "openai_base_url": "OPENAI_BASE_URL",
        "gemini_api_key": "GEMINI_API_KEY",
    }
    present = {field: EnvVar(name) for field, name in keys.items() if EnvVar(name).get_value()}
    return AssistantsResource(backend="live", **present)
