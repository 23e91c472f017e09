"""The offline text backend: a deterministic composer that writes from structured inputs.

A domain registers a composer for its task in `COMPOSERS` (a dotted path, imported on first use):
a function `(request, rng) -> str | dict`. A dict is validated against the caller's schema.
Tasks without a composer get the generic one below, which writes sentences from the request's
inputs through a phrase library, never repeating a sentence within one output.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import random
import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from marketing_engine.llm import LLMError, LLMRequest, LLMResult, Usage

Composer = Callable[[LLMRequest, random.Random], "str | dict[str, Any]"]

# task name -> "module:function"; each domain adds its own line.
COMPOSERS: dict[str, str] = {
    "seo_page": "marketing_engine.seo.composer:seo_page_composer",
    "video_script": "marketing_engine.video.script:compose_video_script",
    "social_pitch": "marketing_engine.publishing.copy:compose_pitch",
    "journalist_pitch": "marketing_engine.outreach.pitches:compose_pitch",
}

_OPENERS = [
    "Here is what matters about {topic}.",
    "{topic} comes up more often than you might think.",
    "Most people ask about {topic} for one simple reason.",
    "Let's look at {topic} with fresh eyes.",
    "If {topic} is on your list, start here.",
]
_BODY = [
    "{brand} writes this for {audience}.",
    "The short answer: it depends on how you use it, and that is good news.",
    "A little planning up front saves a lot of effort later.",
    "Start with the basics, then add what your routine actually needs.",
    "The numbers are clearer than the marketing suggests.",
    "Small, steady changes beat one big overhaul.",
    "Think about cost over a year, not just on day one.",
    "Ask someone who does it daily; their habits tell you more than any spec sheet.",
    "The best choice is the one you will keep using.",
    "{point} is the detail that most guides skip.",
    "Remember {point}: it changes the whole picture.",
    "{point} is worth a closer look.",
]
_CLOSERS = [
    "Questions? {brand} is happy to help.",
    "Try it for a week and see what changes.",
    "Save this for later and share it with someone who needs it.",
    "Tell us what you would add.",
]


def _seed(seed: int, request: LLMRequest) -> int:
    payload = json.dumps([seed, request.task, request.prompt, request.inputs], sort_keys=True, default=str)
    return int.from_bytes(hashlib.sha256(payload.encode()).digest()[:8], "big")


def _tokens(text: str) -> int:
    return max(1, round(len(re.findall(r"\S+", text)) * 1.3))


def _flatten_points(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if 0 < len(value) < 120 else []
    if isinstance(value, dict):
        return [p for v in value.values() for p in _flatten_points(v)]
    if isinstance(value, (list, tuple)):
        return [p for v in value for p in _flatten_points(v)]
    return []


def generic_composer(request: LLMRequest, rng: random.Random) -> str:
    """Write a short paragraph from the request's inputs (topic, brand, audience, points)."""
    inputs = request.inputs
    topic = str(inputs.get("topic") or inputs.get("keyword") or request.task.replace("_", " "))
    brand = str(inputs.get("brand") or "our team")
    audience = str(inputs.get("audience") or "readers")
    points = _flatten_points(inputs.get("points") or inputs) or [topic]
    slots = {"topic": topic, "brand": brand, "audience": audience}
    sentences = [rng.choice(_OPENERS).format(**slots)]
    body = _BODY[:]
    rng.shuffle(body)
    for template in body[: rng.randint(4, 7)]:
        sentences.append(template.format(point=rng.choice(points), **slots))
    sentences.append(rng.choice(_CLOSERS).format(**slots))
    text = " ".join(dict.fromkeys(sentences))  # no sentence twice
    return text[0].upper() + text[1:]


def _resolve(task: str) -> Composer:
    target = COMPOSERS.get(task)
    if target is None:
        return generic_composer
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


class OfflineComposer:
    """Deterministic for (seed, request): the same request always gives the same text."""

    model = "offline-composer"

    def __init__(self, seed: int = 0):
        self.seed = seed

    def generate(self, request: LLMRequest, schema: type[BaseModel] | None = None) -> LLMResult:
        rng = random.Random(_seed(self.seed, request))
        output = _resolve(request.task)(request, rng)
        data = None
        if isinstance(output, dict):
            text = json.dumps(output, ensure_ascii=False)
            data = output
        else:
            text = output
        if schema is not None:
            try:
                data = schema.model_validate(data if data is not None else json.loads(text))
            except (ValidationError, json.JSONDecodeError) as exc:
                raise LLMError(
                    f"offline composer for task {request.task!r} did not fit {schema.__name__}: {exc}"
                )
        usage = Usage(
            input_tokens=_tokens(request.system + request.prompt), output_tokens=_tokens(text), requests=1
        )
        return LLMResult(text=text, data=data, usage=usage, model=self.model)
