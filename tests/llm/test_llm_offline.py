"""The offline text backend and the LLM resource's interface around it."""

from __future__ import annotations

import random
import re

import pytest
from pydantic import BaseModel

from marketing_engine.llm import LLMError, LLMRequest, total_usage
from marketing_engine.resources import llm_offline
from marketing_engine.resources.llm import LLMResource
from marketing_engine.resources.llm_offline import OfflineComposer, generic_composer


class FaqEntry(BaseModel):
    question: str
    answer: str


def faq_composer(request: LLMRequest, rng: random.Random) -> dict:
    product = request.inputs["product"]
    return {"question": f"How fresh is {product}?", "answer": f"Roasted {rng.randint(1, 3)} days ago."}


def broken_faq_composer(request: LLMRequest, rng: random.Random) -> dict:
    return {"question": "How fresh is it?"}


def json_text_composer(request: LLMRequest, rng: random.Random) -> str:
    return '{"question": "Decaf?", "answer": "Swiss water process."}'


def blog_request(topic: str = "cold brew at home", **inputs) -> LLMRequest:
    return LLMRequest(
        task="blog_intro",
        prompt=f"Write an intro about {topic}.",
        inputs={
            "topic": topic,
            "brand": "Harbor Roasters",
            "audience": "home baristas",
            "points": ["coarse grind", "a 12-hour steep"],
            **inputs,
        },
    )


def sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.!?])\s+", text) if part]


def test_same_seed_and_request_give_the_same_text():
    assert OfflineComposer(seed=7).generate(blog_request()) == OfflineComposer(seed=7).generate(
        blog_request()
    )


def test_other_seeds_and_other_inputs_give_other_text():
    texts = {OfflineComposer(seed=seed).generate(blog_request()).text for seed in range(8)}
    assert len(texts) >= 6
    topics = ["cold brew at home", "espresso grind size", "decaf without the chemicals", "pour-over ratios"]
    by_topic = {topic: OfflineComposer(seed=0).generate(blog_request(topic)).text for topic in topics}
    assert len(set(by_topic.values())) == len(topics)
    for topic, text in by_topic.items():
        assert "Harbor Roasters" in text or topic in text.lower()


def test_generic_composer_writes_from_inputs_and_never_repeats_a_sentence():
    for seed in range(150):
        text = generic_composer(blog_request(points=["coarse grind"]), random.Random(seed))
        parts = sentences(text)
        assert len(parts) == len(set(parts)), text
        assert 6 <= len(parts) <= 10  # opener, 4-7 body sentences, closer ("Questions? ..." is two)
        assert text[0].isupper()
    text = generic_composer(blog_request(), random.Random(3))
    assert "cold brew at home" in text.lower()


def test_generic_composer_falls_back_to_the_task_name_without_inputs():
    text = generic_composer(LLMRequest(task="store_opening", prompt="..."), random.Random(1))
    assert "store opening" in text.lower()


def test_registered_composer_output_is_validated_against_the_schema(monkeypatch):
    monkeypatch.setitem(llm_offline.COMPOSERS, "faq", f"{__name__}:faq_composer")
    request = LLMRequest(task="faq", prompt="FAQ", inputs={"product": "Harbor Blend"})
    result = OfflineComposer(seed=1).generate(request, FaqEntry)
    assert isinstance(result.data, FaqEntry)
    assert result.data.question == "How fresh is Harbor Blend?"
    assert '"question": "How fresh is Harbor Blend?"' in result.text


def test_composer_text_that_is_json_is_parsed_for_the_schema(monkeypatch):
    monkeypatch.setitem(llm_offline.COMPOSERS, "faq_text", f"{__name__}:json_text_composer")
    result = OfflineComposer().generate(LLMRequest(task="faq_text", prompt="FAQ"), FaqEntry)
    assert result.data == FaqEntry(question="Decaf?", answer="Swiss water process.")


def test_output_that_does_not_fit_the_schema_raises_naming_task_and_schema(monkeypatch):
    monkeypatch.setitem(llm_offline.COMPOSERS, "faq", f"{__name__}:broken_faq_composer")
    with pytest.raises(LLMError, match=r"(?s)task 'faq' did not fit FaqEntry.*answer"):
        OfflineComposer().generate(LLMRequest(task="faq", prompt="FAQ"), FaqEntry)
    with pytest.raises(LLMError, match=r"task 'blog_intro' did not fit FaqEntry"):
        OfflineComposer().generate(blog_request(), FaqEntry)  # prose is not JSON


def test_offline_usage_counts_tokens_at_no_cost():
    usage = OfflineComposer().generate(blog_request()).usage
    assert usage.requests == 1 and usage.input_tokens > 0 and usage.output_tokens > 0
    assert usage.cost_usd == 0.0


def test_generate_many_keeps_request_order():
    llm = LLMResource(seed=5, batch_threshold=2)
    requests = [blog_request(topic) for topic in ("latte art", "french press", "moka pot")]
    results = llm.generate_many(requests)
    assert [result.text for result in results] == [llm.generate(request).text for request in requests]
    assert total_usage(results).requests == 3


def test_generate_accepts_a_plain_prompt_string():
    result = LLMResource().generate("Write a welcome line for new subscribers.")
    assert result.model == "offline-composer"
    assert "freeform" in result.text.lower() and result.usage.requests == 1


def test_anthropic_backend_without_api_key_raises():
    with pytest.raises(LLMError, match="needs ANTHROPIC_API_KEY"):
        LLMResource(backend="anthropic").generate("hello")
