"""AI visibility: each backend's documented answer shape read into a record (respx at the HTTP
layer), the simulator's citing rule, share of voice and gaps, the upsert, and the asset."""

from __future__ import annotations

from datetime import date

import httpx
import llm.conftest  # noqa: F401 - registers respx's httpcore2 mocker (the SDKs' transport)
import pytest
import respx

from marketing_engine.resources.assistants_anthropic import AnthropicAssistant
from marketing_engine.resources.assistants_gemini import GEMINI_API, GeminiAssistant
from marketing_engine.resources.assistants_openai import OpenAIAssistant
from marketing_engine.resources.retry import ProviderError
from marketing_engine.visibility import store
from marketing_engine.visibility.answers import Names, Rival, read_answer
from marketing_engine.visibility.share import gaps, share_of_voice
from marketing_engine.visibility.simulator import SimulatedAssistant, SitePage
from marketing_engine.warehouse.models import AIVisibility, CampaignMemory, Keyword, ProgrammaticPage

NAMES = Names(
    Rival("Brandname", "brand.example"),
    (Rival("Rival One", "rival-one.example"), Rival("Other", "other.example")),
)
QUESTION = "how to choose a frame size"
TEXT = "Rival One explains sizes; Brandname has a size chart."


def test_anthropic_web_search_answer_is_read() -> None:
    body = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 20},
        "content": [
            {
                "type": "server_tool_use",
                "id": "srvtoolu_1",
                "name": "web_search",
                "input": {"query": QUESTION},
            },
            {
                "type": "web_search_tool_result",
                "tool_use_id": "srvtoolu_1",
                "content": [
                    {
                        "type": "web_search_result",
                        "url": "https://brand.example/sizes/",
                        "title": "Sizes",
                        "encrypted_content": "x",
                        "page_age": None,
                    }
                ],
            },
            {
                "type": "text",
                "text": TEXT,
                "citations": [
                    {
                        "type": "web_search_result_location",
                        "url": "https://brand.example/sizes/",
                        "title": "Sizes",
                        "cited_text": "a size chart",
                        "encrypted_index": "e",
                    }
                ],
            },
        ],
    }
    with respx.mock(base_url="https://api.anthropic.com", using="httpcore2") as mock:
        route = mock.post("/v1/messages").mock(return_value=httpx.Response(200, json=body))
        answer = AnthropicAssistant("sk-test", "claude-sonnet-4-5", max_retries=0).ask(QUESTION)
    assert route.calls.last.request.read().count(b"web_search_20250305") == 1
    record = read_answer(answer, NAMES)
    assert (record.brand_mentioned, record.brand_cited, record.cited_url) == (
        True,
        True,
        "https://brand.example/sizes/",
    )
    assert record.brand_rank == 2 and record.competitors_mentioned == ["Rival One"]
    assert answer.citations[0].cited_text == "a size chart"


def test_openai_url_citations_are_read() -> None:
    start = TEXT.index("Rival One")
    body = {
        "id": "c1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-search-preview",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {
                    "role": "assistant",
                    "content": TEXT,
                    "annotations": [
                        {
                            "type": "url_citation",
                            "url_citation": {
                                "url": "https://rival-one.example/guide",
                                "title": "Guide",
                                "start_index": start,
                                "end_index": start + 9,
                            },
                        }
                    ],
                },
            }
        ],
    }
    with respx.mock(base_url="https://api.openai.com/v1", using="httpcore2") as mock:
        route = mock.post("/chat/completions").mock(return_value=httpx.Response(200, json=body))
        answer = OpenAIAssistant("sk-test", "gpt-4o-search-preview", max_retries=0).ask(QUESTION)
    assert b"web_search_options" in route.calls.last.request.read()
    record = read_answer(answer, NAMES)
    assert record.brand_mentioned and not record.brand_cited
    assert record.competitors_cited == ["Rival One"] and answer.citations[0].cited_text == "Rival One"


def test_gemini_grounding_chunks_are_read_and_errors_named() -> None:
    body = {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": "Rival One and Other both sell them."}]},
                "groundingMetadata": {
                    "webSearchQueries": [QUESTION],
                    "groundingChunks": [
                        {
                            "web": {
                                "uri": "https://vertexaisearch.cloud.google.com/grounding-api-redirect/abc",
                                "title": "rival-one.example",
                            }
                        },
                        {"web": {"uri": "https://other.example/p", "title": "other.example"}},
                    ],
                },
            }
        ]
    }
    url = f"{GEMINI_API}/models/gemini-2.5-flash:generateContent"
    with respx.mock(using="httpcore2") as mock:
        route = mock.post(url).mock(return_value=httpx.Response(200, json=body))
        answer = GeminiAssistant("g-key", "gemini-2.5-flash", max_retries=0).ask(QUESTION)
        assert route.calls.last.request.headers["x-goog-api-key"] == "g-key"
        mock.post(url).mock(return_value=httpx.Response(200, json={"candidates": []}))
        with pytest.raises(ProviderError, match="no candidate"):
            GeminiAssistant("g-key", "gemini-2.5-flash", max_retries=0).ask(QUESTION)
    record = read_answer(answer, NAMES)
    assert record.competitors_cited == ["Rival One", "Other"] and record.gap
    assert [g.query for g in gaps([record])] == [QUESTION]


def _gemini_error(code: int, status: str, message: str, reason: str | None = None) -> httpx.Response:
    """The Gemini API's documented error body (google.rpc.Status, ErrorInfo in details)."""
    details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason}] if reason else []
    error = {"code": code, "message": message, "status": status, "details": details}
    return httpx.Response(code, json={"error": error})


def test_gemini_sends_the_search_tool_and_names_each_failure(monkeypatch) -> None:
    from marketing_engine.resources import retry

    monkeypatch.setattr(retry.time, "sleep", lambda _seconds: None)
    url = f"{GEMINI_API}/models/gemini-2.5-flash:generateContent"
    answered = httpx.Response(200, json={"candidates": [{"content": {"parts": [{"text": "Other."}]}}]})
    cases = [
        ([_gemini_error(400, "INVALID_ARGUMENT", "API key not valid.", "API_KEY_INVALID")], "API key"),
        ([_gemini_error(403, "PERMISSION_DENIED", "unregistered caller")], "GEMINI_API_KEY"),
        ([_gemini_error(404, "NOT_FOUND", "models/x is not found")], "model 'gemini-2.5-flash' not found"),
        ([_gemini_error(503, "UNAVAILABLE", "overloaded")] * 2, "HTTP 503: overloaded"),
        ([httpx.Response(429, headers={"retry-after": "3600"})], "asks to wait 3600 s"),
        ([httpx.Response(200, text="<html>")], "malformed answer"),
    ]
    for responses, said in cases:
        retry.reset_provider_bounds()
        with respx.mock(using="httpcore2") as mock:
            route = mock.post(url).mock(side_effect=responses)
            with pytest.raises(ProviderError, match=said) as raised:
                GeminiAssistant("g-secret", "gemini-2.5-flash", max_retries=1).ask(QUESTION)
        assert route.call_count == len(responses) and "g-secret" not in str(raised.value)
    with respx.mock(using="httpcore2") as mock:
        limited = _gemini_error(429, "RESOURCE_EXHAUSTED", "quota")
        limited.headers["retry-after"] = "1"
        route = mock.post(url).mock(side_effect=[limited, answered])
        answer = GeminiAssistant("g-secret", "gemini-2.5-flash", max_retries=1).ask(QUESTION)
    assert answer.text == "Other." and route.call_count == 2
    assert b'"tools": [{"googleSearch": {}}]' in route.calls.last.request.read()


def test_a_page_that_answers_the_question_is_cited_more() -> None:
    good = SitePage("https://brand.example/frame-size/", "Choose a frame size", "frame size chart")
    off = SitePage("https://brand.example/opening-hours/", "Opening hours", "visit us")
    questions = [f"{QUESTION} {n}" for n in range(200)]

    def cited(pages: list[SitePage]) -> int:
        sim = SimulatedAssistant("anthropic", pages, NAMES, date(2025, 6, 1))
        return sum(read_answer(sim.ask(q), NAMES).brand_cited for q in questions)

    assert cited([good]) > 2 * cited([off])
    sim = SimulatedAssistant("anthropic", [good, off], NAMES, date(2025, 6, 1))
    assert sim.best_page(QUESTION)[0] == good and sim.ask(QUESTION) == sim.ask(QUESTION)
    records = [read_answer(sim.ask(q), NAMES) for q in questions]
    (share,) = share_of_voice(records)
    assert 0 < share.share_of_voice < 1 and share.questions == 200


@pytest.mark.parametrize("warehouse_url", ["sqlite"], indirect=True)
def test_records_upsert_without_duplicates(warehouse) -> None:
    sim = SimulatedAssistant("gemini", [], NAMES, date(2025, 6, 1))
    records = [read_answer(sim.ask(q), NAMES) for q in (QUESTION, "best frame")]
    for _ in range(2):
        store.save_records(warehouse, "b", date(2025, 6, 1), records)
        store.remember_gaps(warehouse, "b", gaps(records))
    assert warehouse.count(AIVisibility, brand="b") == 2
    assert warehouse.count(CampaignMemory, brand="b") == len(gaps(records))
    assert store.gap_questions(warehouse, "b") == sorted(g.query for g in gaps(records))


def test_the_asset_materializes_on_a_seeded_warehouse(tmp_path, example_brand) -> None:
    from dagster import DagsterInstance, materialize

    from marketing_engine.assets.visibility import ai_visibility
    from marketing_engine.resources import local_resources
    from marketing_engine.warehouse import Warehouse, upsert

    resources = local_resources()
    db = Warehouse(resources["warehouse"].url)
    slug, topic = example_brand.slug, example_brand.seed_topics[0]
    with db.session() as session:
        upsert(
            session,
            Keyword,
            [
                {
                    "brand": slug,
                    "text": f"how to choose {topic}",
                    "normalized": f"choose {topic}",
                    "seed": topic,
                    "intent": "informational",
                    "volume": 90,
                },
                {
                    "brand": slug,
                    "text": f"best {topic}",
                    "normalized": f"best {topic}",
                    "seed": topic,
                    "intent": "commercial",
                    "volume": 50,
                },
                {
                    "brand": slug,
                    "text": f"{topic} ideas",
                    "normalized": f"{topic} idea",
                    "seed": topic,
                    "intent": "informational",
                    "volume": 10,
                },
            ],
            keys=["brand", "normalized"],
        )
        upsert(
            session,
            ProgrammaticPage,
            [
                {
                    "brand": slug,
                    "slug": "choose",
                    "page_type": "question",
                    "keyword": f"how to choose {topic}",
                    "title": f"How to choose {topic}",
                    "published_url": f"{example_brand.site_url}/choose/",
                },
            ],
            keys=["brand", "slug"],
        )
    day = "2025-06-01"
    for _ in range(2):
        result = materialize(
            [ai_visibility],
            partition_key=day,
            resources=resources,
            instance=DagsterInstance.ephemeral(),
            selection=[ai_visibility],
        )
        assert result.success
    metadata = result.asset_materializations_for_node("ai_visibility")[0].metadata
    assert metadata["questions"].value == 2 and metadata["records"].value == 6
    assert set(metadata["share_of_voice"].value) == {"anthropic", "openai", "gemini"}
    assert db.count(AIVisibility, brand=slug) == 6


def test_the_report_shows_share_of_voice_over_time_per_assistant() -> None:
    from datetime import UTC, datetime

    import pandas as pd

    from marketing_engine.analytics.report import ReportData, render_report

    rows = [
        {
            "day": day,
            "assistant": name,
            "questions": 4,
            "share_of_voice": sov,
            "mention_rate": 0.5,
            "citation_rate": 0.25,
        }
        for day, sov in (("2025-06-01", 0.2), ("2025-06-02", 0.3))
        for name in ("anthropic", "gemini")
    ]
    empty = pd.DataFrame(columns=["model", "channel", "share", "revenue"])
    data = ReportData(
        "B", datetime(2025, 6, 2, tzinfo=UTC), empty, [], pd.DataFrame(), pd.DataFrame(), [], visibility=rows
    )
    html = render_report(data)
    assert 'data-title="AI visibility"' in html and "Share of voice in AI answers" in html
    assert html.count("<td>gemini</td>") == 2 and "30.0%" in html


def test_a_gap_question_reaches_the_brief_and_the_page_prompt(example_brand) -> None:
    """A question assistants answer with competitors and not the brand joins the FAQ questions of
    the briefs that share a content word with it, and so the page writer's prompt; an unrelated
    gap reaches no brief."""
    from marketing_engine.seo.briefs import PageBrief, aim_at_gaps
    from marketing_engine.seo.pages import page_request

    topic = example_brand.seed_topics[0]
    near = PageBrief("s", "/s/", "Guide", f"{topic} guide", "informational", "c", topic, topic, [], [])
    far = PageBrief("o", "/o/", "Blog", "zqxw vbnm", "informational", "d", "zqxw", "zqxw", [], [])
    gap = f"which {topic} should I choose"
    assert aim_at_gaps([near, far], [gap, "entirely unrelated plmk question"], example_brand) == 1
    assert near.ai_gaps == [gap] and gap in near.questions and far.ai_gaps == far.questions == []
    assert gap in page_request(example_brand, near.as_dict()).prompt
    assert aim_at_gaps([near], [gap], example_brand) == 0  # asked once, not twice
