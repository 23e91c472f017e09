"""The Anthropic backend driven through the real SDK against the documented shapes of /v1/messages
and /v1/messages/batches (respx at the SDK's transport layer, see conftest.py).

No `from __future__ import annotations`: this module defines a Dagster asset.
"""

import json
import logging

import httpcore2
import httpx
import pytest
from anthropic.types import Message
from dagster import AssetExecutionContext, DagsterInstance, EnvVar, MaterializeResult, asset, materialize
from dagster._serdes import serialize_value

from marketing_engine.llm import LLMError, total_usage
from marketing_engine.resources import llm_anthropic
from marketing_engine.resources.llm import LLMResource
from marketing_engine.resources.llm_anthropic import AnthropicBackend, price_for, usage_of

from .conftest import (
    BASE_URL,
    BRAND_CONTEXT,
    Tagline,
    batch_body,
    error_body,
    message_body,
    request,
    tool_use,
)

MODEL = "claude-sonnet-4-5"


def backend(**overrides) -> AnthropicBackend:
    options = {
        "api_key": "sk-ant-test",
        "model": MODEL,
        "base_url": BASE_URL,
        "max_retries": 2,
        "batch_poll_seconds": 0.0,
    }
    return AnthropicBackend(**{**options, **overrides})


def sent_body(route, index: int = -1) -> dict:
    return json.loads(route.calls[index].request.content)


# -- /v1/messages -------------------------------------------------------------------------------


def test_success_sends_model_cached_brand_context_and_returns_text(anthropic_api):
    route = anthropic_api.post("/v1/messages").mock(return_value=httpx.Response(200, json=message_body()))
    result = backend().generate(request(max_tokens=300))
    assert result.text == "Fresh coffee, delivered."
    assert result.model == MODEL and result.stop_reason == "end_turn"
    body = sent_body(route)
    assert body["model"] == MODEL
    assert body["max_tokens"] == 300
    assert body["system"] == [{"type": "text", "text": BRAND_CONTEXT, "cache_control": {"type": "ephemeral"}}]
    assert body["messages"] == [{"role": "user", "content": "Write a tagline."}]
    assert "tools" not in body
    assert route.calls.last.request.headers["authorization"] == "Bearer sk-ant-test"


def test_no_system_block_without_brand_context(anthropic_api):
    route = anthropic_api.post("/v1/messages").mock(return_value=httpx.Response(200, json=message_body()))
    backend().generate(request(system=""))
    assert "system" not in sent_body(route)


def test_structured_output_forces_the_schema_tool_and_validates(anthropic_api):
    answer = {"headline": "Roasted this morning", "words": 3}
    route = anthropic_api.post("/v1/messages").mock(
        return_value=httpx.Response(200, json=message_body(tool_use(answer), stop_reason="tool_use"))
    )
    result = backend().generate(request(), Tagline)
    assert result.data == Tagline(**answer)
    assert json.loads(result.text) == answer
    body = sent_body(route)
    assert body["tools"][0]["name"] == "record_output"
    assert body["tools"][0]["input_schema"] == Tagline.model_json_schema()
    assert body["tool_choice"] == {"type": "tool", "name": "record_output"}


def test_repair_retry_sends_the_validation_error_back_and_succeeds(anthropic_api):
    route = anthropic_api.post("/v1/messages").mock(
        side_effect=[
            httpx.Response(200, json=message_body(tool_use({"headline": "Roasted"}), stop_reason="tool_use")),
            httpx.Response(
                200,
                json=message_body(
                    tool_use({"headline": "Roasted", "words": 1}, "toolu_02"), stop_reason="tool_use"
                ),
            ),
        ]
    )
    result = backend().generate(request(), Tagline)
    assert result.data == Tagline(headline="Roasted", words=1)
    assert route.call_count == 2
    repair = sent_body(route, 1)["messages"]
    assert [turn["role"] for turn in repair] == ["user", "assistant", "user"]
    assert repair[1]["content"] == [
        {"type": "tool_use", "id": "toolu_01", "name": "record_output", "input": {"headline": "Roasted"}}
    ]
    feedback = repair[2]["content"][0]
    assert (
        feedback["type"] == "tool_result" and feedback["tool_use_id"] == "toolu_01" and feedback["is_error"]
    )
    assert "words" in feedback["content"] and "Field required" in feedback["content"]
    assert result.usage.requests == 2 and result.usage.input_tokens == 200


def test_repair_of_a_plain_text_answer_asks_again_in_a_user_turn(anthropic_api):
    route = anthropic_api.post("/v1/messages").mock(
        side_effect=[
            httpx.Response(200, json=message_body(text="Roasted this morning!")),
            httpx.Response(200, json=message_body(tool_use({"headline": "Roasted", "words": 1}))),
        ]
    )
    assert backend().generate(request(), Tagline).data.words == 1
    repair = sent_body(route, 1)["messages"]
    assert repair[1] == {"role": "assistant", "content": [{"type": "text", "text": "Roasted this morning!"}]}
    assert "no 'record_output' tool call" in repair[2]["content"]


def test_repair_retry_failure_raises_a_clear_error(anthropic_api):
    invalid = message_body(tool_use({"headline": "Roasted", "words": 40}), stop_reason="tool_use")
    route = anthropic_api.post("/v1/messages").mock(return_value=httpx.Response(200, json=invalid))
    with pytest.raises(LLMError, match=r"task 'tagline'.*did not fit Tagline after one repair retry.*words"):
        backend().generate(request(), Tagline)
    assert route.call_count == 2


def test_429_honours_retry_after_then_succeeds(anthropic_api, sdk_sleeps):
    route = anthropic_api.post("/v1/messages").mock(
        side_effect=[
            httpx.Response(
                429, headers={"retry-after": "7"}, json=error_body("rate_limit_error", "slow down")
            ),
            httpx.Response(200, json=message_body()),
        ]
    )
    assert backend().generate(request()).text == "Fresh coffee, delivered."
    assert route.call_count == 2
    assert sdk_sleeps == [7.0]


def test_529_overloaded_is_retried_with_backoff_then_succeeds(anthropic_api, sdk_sleeps):
    route = anthropic_api.post("/v1/messages").mock(
        side_effect=[
            httpx.Response(529, json=error_body("overloaded_error", "Overloaded")),
            httpx.Response(200, json=message_body()),
        ]
    )
    assert backend().generate(request()).usage.requests == 1
    assert route.call_count == 2
    assert len(sdk_sleeps) == 1 and 0.3 <= sdk_sleeps[0] <= 0.5  # SDK backoff: 0.5 s minus jitter


def test_retry_after_ms_is_preferred_and_an_html_error_page_is_reported(anthropic_api, sdk_sleeps):
    route = anthropic_api.post("/v1/messages").mock(
        return_value=httpx.Response(
            502, headers={"retry-after-ms": "250", "content-type": "text/html"}, text="<h1>Bad gateway</h1>"
        )
    )
    with pytest.raises(LLMError, match="HTTP 502 for task 'tagline'.*Bad gateway"):
        backend(max_retries=1).generate(request())
    assert route.call_count == 2 and sdk_sleeps == [0.25]


def test_500_until_retries_are_exhausted_raises(anthropic_api, sdk_sleeps):
    route = anthropic_api.post("/v1/messages").mock(
        return_value=httpx.Response(500, json=error_body("api_error", "Internal server error"))
    )
    with pytest.raises(LLMError, match=r"HTTP 500 for task 'tagline': api_error: Internal server error$"):
        backend(max_retries=2).generate(request())
    assert route.call_count == 3
    assert len(sdk_sleeps) == 2


def test_400_is_not_retried(anthropic_api, sdk_sleeps):
    route = anthropic_api.post("/v1/messages").mock(
        return_value=httpx.Response(400, json=error_body("invalid_request_error", "max_tokens: too large"))
    )
    with pytest.raises(LLMError, match="HTTP 400.*max_tokens: too large"):
        backend().generate(request())
    assert route.call_count == 1 and sdk_sleeps == []


def test_connection_failure_after_retries_raises(anthropic_api, sdk_sleeps):
    anthropic_api.post("/v1/messages").mock(side_effect=httpcore2.ConnectError("connection refused"))
    with pytest.raises(LLMError, match="unreachable for task 'tagline'"):
        backend(max_retries=1).generate(request())


def test_malformed_json_body_raises(anthropic_api):
    anthropic_api.post("/v1/messages").mock(
        return_value=httpx.Response(
            200, content=b'{"id": "msg_01", "content": [', headers={"content-type": "application/json"}
        )
    )
    with pytest.raises(LLMError, match="malformed JSON body for task 'tagline'"):
        backend().generate(request())


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, json={"error": "upstream gateway said hi"}),
        httpx.Response(200, text="<html>captive portal</html>", headers={"content-type": "text/html"}),
    ],
    ids=["foreign-json", "html"],
)
def test_a_body_that_is_not_a_message_raises(anthropic_api, response):
    anthropic_api.post("/v1/messages").mock(return_value=response)
    with pytest.raises(LLMError, match="malformed body for task 'tagline': not a message"):
        backend().generate(request())


def test_max_tokens_stop_reason_means_truncated_output(anthropic_api):
    anthropic_api.post("/v1/messages").mock(
        return_value=httpx.Response(200, json=message_body(text="Roasted this", stop_reason="max_tokens"))
    )
    with pytest.raises(LLMError, match=r"task 'tagline'.*truncated.*max_tokens 20"):
        backend().generate(request(max_tokens=20))


def test_refusal_stop_reason_raises(anthropic_api):
    anthropic_api.post("/v1/messages").mock(
        return_value=httpx.Response(200, json=message_body(text="", stop_reason="refusal"))
    )
    with pytest.raises(LLMError, match="the model refused task 'tagline'"):
        backend().generate(request(), Tagline)


# -- /v1/messages/batches -----------------------------------------------------------------------


def batch_line(custom_id: str, result: dict) -> str:
    return json.dumps({"custom_id": custom_id, "result": result})


def succeeded(text: str, **kwargs) -> dict:
    return {"type": "succeeded", "message": message_body(text=text, **kwargs)}


def mock_batch(api, lines: list[str], polls: int = 1, batch_id: str = "msgbatch_01", create: bool = True):
    """create -> `polls` x in_progress -> ended (twice: the SDK's results() retrieves once more)."""
    create_route = None
    if create:
        create_route = api.post("/v1/messages/batches").mock(
            return_value=httpx.Response(200, json=batch_body(batch_id, "in_progress", {"processing": 3}))
        )
    states = ["in_progress"] * polls + ["ended", "ended"]
    retrieve = api.get(f"/v1/messages/batches/{batch_id}").mock(
        side_effect=[httpx.Response(200, json=batch_body(batch_id, state)) for state in states]
    )
    results = api.get(f"/v1/messages/batches/{batch_id}/results").mock(
        return_value=httpx.Response(
            200, content="\n".join(lines).encode(), headers={"content-type": "application/binary"}
        )
    )
    return create_route, retrieve, results


def test_batch_polls_until_ended_and_maps_results_back_in_request_order(anthropic_api):
    lines = [
        batch_line("page-c", succeeded("C")),
        batch_line("page-a", succeeded("A")),
        batch_line("page-b", succeeded("B")),
    ]
    create, retrieve, results = mock_batch(anthropic_api, lines, polls=2)
    sleeps: list[float] = []
    requests = [request(prompt=f"Page {name}", custom_id=f"page-{name}") for name in "abc"]
    out = backend(batch_poll_seconds=30.0, sleep=sleeps.append).generate_batch(requests)
    assert [result.text for result in out] == ["A", "B", "C"]
    assert sleeps == [30.0, 30.0, 30.0]  # in_progress at create, 2 in_progress polls, then ended
    assert retrieve.call_count == 4 and results.call_count == 1
    items = sent_body(create)["requests"]
    assert [item["custom_id"] for item in items] == ["page-a", "page-b", "page-c"]
    assert items[0]["params"]["model"] == MODEL
    assert items[0]["params"]["messages"] == [{"role": "user", "content": "Page a"}]
    assert items[0]["params"]["system"][0]["cache_control"] == {"type": "ephemeral"}
    # 100 input + 50 output tokens each at Sonnet prices, half price in a batch.
    assert out[0].usage.cost_usd == pytest.approx((100 * 3 + 50 * 15) / 1e6 * 0.5)


def test_batch_names_errored_and_expired_items(anthropic_api):
    errored = {"type": "errored", "error": error_body("invalid_request_error", "prompt is too long")}
    lines = [
        batch_line("request-0", succeeded("A")),
        batch_line("request-1", errored),
        batch_line("request-2", {"type": "expired"}),
    ]
    mock_batch(anthropic_api, lines)
    with pytest.raises(LLMError) as caught:
        backend(sleep=lambda seconds: None).generate_batch([request(prompt=str(i)) for i in range(3)])
    message = str(caught.value)
    assert "2 of 3 batch requests failed" in message
    assert "request-1: errored (invalid_request_error: prompt is too long)" in message
    assert "request-2: expired" in message and "request-0" not in message


def test_batch_results_with_a_broken_jsonl_line_raise(anthropic_api):
    mock_batch(anthropic_api, [batch_line("a", succeeded("A")), '{"custom_id": "b", "result": {'])
    with pytest.raises(LLMError, match="malformed JSON body for a Message Batch of 2 requests"):
        backend(sleep=lambda seconds: None).generate_batch([request(custom_id="a"), request(custom_id="b")])


def test_batch_item_missing_from_results_is_named(anthropic_api):
    mock_batch(anthropic_api, [batch_line("a", succeeded("A"))])
    with pytest.raises(LLMError, match="b: missing from the batch results"):
        backend(sleep=lambda seconds: None).generate_batch([request(custom_id="a"), request(custom_id="b")])


def test_batch_structured_output_repairs_an_invalid_item_with_a_single_call(anthropic_api):
    good = {"type": "succeeded", "message": message_body(tool_use({"headline": "A", "words": 1}))}
    bad = {"type": "succeeded", "message": message_body(tool_use({"headline": "B"}))}
    mock_batch(anthropic_api, [batch_line("a", good), batch_line("b", bad)])
    repair = anthropic_api.post("/v1/messages").mock(
        return_value=httpx.Response(200, json=message_body(tool_use({"headline": "B", "words": 2})))
    )
    out = backend(sleep=lambda seconds: None).generate_batch(
        [request(custom_id="a"), request(custom_id="b")], Tagline
    )
    assert [result.data.words for result in out] == [1, 2]
    assert repair.call_count == 1
    batch_cost = (100 * 3 + 50 * 15) / 1e6 * 0.5
    assert out[1].usage.cost_usd == pytest.approx(batch_cost + batch_cost * 2)  # repair at full price


def test_batch_rejects_duplicate_or_invalid_custom_ids_before_any_call(anthropic_api):
    with pytest.raises(LLMError, match="repeated: same"):
        backend().generate_batch([request(custom_id="same"), request(custom_id="same")])
    with pytest.raises(LLMError, match=r"invalid: \['blog post #1'\]"):
        backend().generate_batch([request(custom_id="blog post #1")])
    assert not anthropic_api.calls
    assert backend().generate_batch([]) == []


def test_batch_larger_than_the_api_limit_is_split_into_several_batches(anthropic_api, monkeypatch):
    monkeypatch.setattr(llm_anthropic, "MAX_BATCH_REQUESTS", 2)
    create = anthropic_api.post("/v1/messages/batches").mock(
        side_effect=[httpx.Response(200, json=batch_body(batch_id, "ended")) for batch_id in ("b1", "b2")]
    )
    mock_batch(
        anthropic_api, [batch_line("x", succeeded("X")), batch_line("w", succeeded("W"))], 0, "b1", False
    )
    mock_batch(anthropic_api, [batch_line("y", succeeded("Y"))], 0, "b2", False)
    out = backend().generate_batch([request(custom_id=key) for key in ("w", "x", "y")])
    assert [result.text for result in out] == ["W", "X", "Y"]
    assert [[item["custom_id"] for item in sent_body(create, i)["requests"]] for i in (0, 1)] == [
        ["w", "x"],
        ["y"],
    ]


def test_batch_create_error_raises(anthropic_api):
    anthropic_api.post("/v1/messages/batches").mock(
        return_value=httpx.Response(
            400, json=error_body("invalid_request_error", "too many requests in batch")
        )
    )
    with pytest.raises(
        LLMError,
        match="HTTP 400 for a Message Batch of 1 requests: invalid_request_error: too many requests in batch$",
    ):
        backend().generate_batch([request()])


def test_generate_many_batches_from_the_threshold_and_calls_singly_below(anthropic_api, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    mock_batch(anthropic_api, [batch_line(f"request-{i}", succeeded(str(i))) for i in range(3)], polls=0)
    single = anthropic_api.post("/v1/messages").mock(return_value=httpx.Response(200, json=message_body()))
    llm = LLMResource(
        backend="anthropic",
        api_key="sk-ant-test",
        base_url=BASE_URL,
        batch_threshold=3,
        batch_poll_seconds=0.0,
    )
    batched = llm.generate_many([request(prompt=str(i)) for i in range(3)])
    assert [result.text for result in batched] == ["0", "1", "2"]
    assert single.call_count == 0
    assert len(llm.generate_many([request(), request()])) == 2
    assert single.call_count == 2
    assert total_usage(batched).requests == 3


# -- accounting ---------------------------------------------------------------------------------


def test_usage_and_cost_arithmetic():
    body = message_body(
        usage={
            "input_tokens": 1_000,
            "output_tokens": 2_000,
            "cache_creation_input_tokens": 10_000,
            "cache_read_input_tokens": 100_000,
        }
    )

    message = Message.model_validate(body)
    sonnet = price_for(MODEL)
    usage = usage_of(message, sonnet)
    # $3/MTok input, $3.75 cache write (1.25x), $0.30 cache read (0.1x), $15 output.
    assert usage.cost_usd == pytest.approx((1_000 * 3 + 10_000 * 3.75 + 100_000 * 0.3 + 2_000 * 15) / 1e6)
    assert usage.cost_usd == pytest.approx(0.1005)
    assert usage_of(message, sonnet, batch=True).cost_usd == pytest.approx(0.05025)
    assert (
        usage.input_tokens,
        usage.output_tokens,
        usage.cache_creation_input_tokens,
        usage.cache_read_input_tokens,
        usage.requests,
    ) == (1_000, 2_000, 10_000, 100_000, 1)
    assert usage.as_metadata()["llm_cost_usd"] == 0.1005


def test_price_table_picks_the_longest_matching_model_family():
    assert (price_for("claude-sonnet-4-5-20250929").input, price_for("claude-sonnet-4-5").output) == (
        3.0,
        15.0,
    )
    assert price_for("claude-opus-4-1-20250805").output == 75.0
    assert price_for("claude-opus-4-5").output == 25.0
    assert price_for("claude-haiku-4-5").input == 1.0
    assert price_for("claude-3-5-haiku-20241022").input == 0.8
    with pytest.raises(LLMError, match="no price known for model 'gpt-4o'"):
        price_for("gpt-4o")


# -- the API key stays secret -------------------------------------------------------------------

SECRET = "sk-ant-api03-SECRET-d41d8cd98f00b204e9800998ecf8427e"


@asset(group_name="llm_test")
def harbor_tagline(context: AssetExecutionContext, llm: LLMResource) -> MaterializeResult:
    result = llm.generate(request())
    context.log.info(f"tagline written: {result.text}")
    return MaterializeResult(metadata={"tagline": result.text, **result.usage.as_metadata()})


def test_api_key_never_appears_in_logs_or_dagster_metadata(anthropic_api, monkeypatch, caplog):
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    route = anthropic_api.post("/v1/messages").mock(return_value=httpx.Response(200, json=message_body()))
    caplog.set_level(logging.DEBUG)
    instance = DagsterInstance.ephemeral()
    llm = LLMResource(backend="anthropic", api_key=EnvVar("ANTHROPIC_API_KEY"), base_url=BASE_URL)
    outcome = materialize([harbor_tagline], resources={"llm": llm}, instance=instance)
    assert outcome.success
    # The key did reach the provider, so its absence below means something.
    assert route.calls.last.request.headers["authorization"] == f"Bearer {SECRET}"
    run = instance.get_run_by_id(outcome.run_id)
    records = instance.all_logs(outcome.run_id)
    assert any(record.dagster_event and record.dagster_event.is_step_materialization for record in records)
    recorded = serialize_value(run) + "".join(serialize_value(record) for record in records)
    assert "Fresh coffee, delivered." in recorded and "llm_cost_usd" in recorded
    assert SECRET not in recorded and "d41d8cd98f00b204" not in recorded
    assert SECRET not in caplog.text and caplog.text


def test_api_error_messages_do_not_carry_the_key(anthropic_api):
    anthropic_api.post("/v1/messages").mock(
        return_value=httpx.Response(401, json=error_body("authentication_error", "invalid x-api-key"))
    )
    with pytest.raises(LLMError) as caught:
        backend(api_key=SECRET).generate(request())
    assert "HTTP 401" in str(caught.value) and SECRET not in str(caught.value)
