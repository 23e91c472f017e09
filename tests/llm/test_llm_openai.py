"""The OpenAI-compatible backend driven through the real `openai` SDK against the documented shapes
of /chat/completions (respx at the SDK's transport layer, see conftest.py): structured output with
one repair, retries, errors that name the server, and zero cost on a local server."""

from __future__ import annotations

import json
import logging
import socket

import httpx
import pytest
import respx
from dagster import EnvVar

from marketing_engine.llm import LLMError
from marketing_engine.resources import build_resources
from marketing_engine.resources.llm import LLMResource, llm_from_env
from marketing_engine.resources.llm_openai import OpenAICompatibleBackend, is_local, shown_url

from .conftest import (
    BRAND_CONTEXT,
    OPENAI_BASE_URL,
    Tagline,
    chat_completion_body,
    openai_error_body,
    request,
)

MODEL = "gpt-4o-mini"
LOCAL_MODEL = "llama3.1:8b"
SECRET = "sk-proj-SECRET-9e107d9d372bb6826bd81d3542a419d6"


def backend(**overrides) -> OpenAICompatibleBackend:
    options = {"model": MODEL, "base_url": OPENAI_BASE_URL, "api_key": "sk-test", "max_retries": 2}
    return OpenAICompatibleBackend(**{**options, **overrides})


def sent_body(route, index: int = -1) -> dict:
    return json.loads(route.calls[index].request.content)


def completion(data: dict | str, **kwargs) -> httpx.Response:
    content = data if isinstance(data, str) else json.dumps(data)
    return httpx.Response(200, json=chat_completion_body(content, **kwargs))


# -- /chat/completions --------------------------------------------------------------------------


def test_success_sends_the_documented_request_and_prices_a_hosted_model(openai_api):
    route = openai_api.post("/chat/completions").mock(
        return_value=httpx.Response(200, json=chat_completion_body())
    )
    result = backend().generate(request(max_tokens=300, temperature=0.2))
    assert result.text == "Fresh coffee, delivered."
    assert result.model == MODEL and result.stop_reason == "stop"
    body = sent_body(route)
    assert body == {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": BRAND_CONTEXT},
            {"role": "user", "content": "Write a tagline."},
        ],
        "max_tokens": 300,
        "temperature": 0.2,
    }
    assert route.calls.last.request.headers["authorization"] == "Bearer sk-test"
    usage = result.usage
    assert (usage.input_tokens, usage.output_tokens, usage.requests) == (120, 40, 1)
    assert usage.cost_usd == pytest.approx((120 * 0.15 + 40 * 0.6) / 1e6)


def test_cached_prompt_tokens_are_counted_apart_and_priced_lower(openai_api):
    usage = {
        "prompt_tokens": 20_000,
        "completion_tokens": 1_000,
        "total_tokens": 21_000,
        "prompt_tokens_details": {"cached_tokens": 15_000},
    }
    openai_api.post("/chat/completions").mock(
        return_value=httpx.Response(200, json=chat_completion_body(usage=usage))
    )
    result = backend().generate(request(system=""))
    assert (result.usage.input_tokens, result.usage.cache_read_input_tokens) == (5_000, 15_000)
    assert result.usage.cost_usd == pytest.approx((5_000 * 0.15 + 15_000 * 0.075 + 1_000 * 0.6) / 1e6)


def test_structured_output_sends_the_json_schema_and_validates(openai_api):
    route = openai_api.post("/chat/completions").mock(
        return_value=completion({"headline": "Roasted this morning", "words": 3})
    )
    result = backend().generate(request(), Tagline)
    assert isinstance(result.data, Tagline) and result.data.words == 3
    assert json.loads(result.text) == {"headline": "Roasted this morning", "words": 3}
    assert sent_body(route)["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Tagline", "schema": Tagline.model_json_schema(), "strict": False},
    }
    assert route.call_count == 1


def test_invalid_json_gets_one_repair_request_with_the_error(openai_api):
    route = openai_api.post("/chat/completions").mock(
        side_effect=[
            completion('{"headline": "Roasted this morning", "words": '),
            completion({"headline": "Roasted", "words": 1}),
        ]
    )
    result = backend().generate(request(), Tagline)
    assert result.data == Tagline(headline="Roasted", words=1)
    assert route.call_count == 2
    repair = sent_body(route, 1)["messages"]
    assert repair[:2] == sent_body(route, 0)["messages"]
    assert repair[2] == {"role": "assistant", "content": '{"headline": "Roasted this morning", "words": '}
    assert repair[3]["role"] == "user"
    assert "Invalid JSON" in repair[3]["content"] and '"headline"' in repair[3]["content"]
    assert result.usage.requests == 2 and result.usage.input_tokens == 240


def test_json_that_does_not_fit_is_repaired_too(openai_api):
    route = openai_api.post("/chat/completions").mock(
        side_effect=[
            completion({"headline": "Too long", "words": 40}),
            completion({"headline": "Short", "words": 1}),
        ]
    )
    assert backend().generate(request(), Tagline).data.words == 1
    assert "words: Input should be less than or equal to 12" in sent_body(route, 1)["messages"][-1]["content"]


def test_a_second_invalid_answer_raises_naming_the_task(openai_api):
    route = openai_api.post("/chat/completions").mock(
        side_effect=[completion("Here is your tagline!"), completion("```json\n{}```")]
    )
    with pytest.raises(LLMError) as caught:
        backend().generate(request(task="page_title"), Tagline)
    message = str(caught.value)
    assert "task 'page_title'" in message and "did not fit Tagline after one repair request" in message
    assert OPENAI_BASE_URL in message
    assert route.call_count == 2


def test_429_is_retried_after_the_retry_after_header(openai_api, sdk_sleeps):
    route = openai_api.post("/chat/completions").mock(
        side_effect=[
            httpx.Response(
                429,
                headers={"retry-after": "3"},
                json=openai_error_body("Rate limit reached", "rate_limit_error"),
            ),
            httpx.Response(200, json=chat_completion_body()),
        ]
    )
    assert backend().generate(request()).text == "Fresh coffee, delivered."
    assert route.call_count == 2 and sdk_sleeps == [3.0]


def test_429_past_the_retries_names_the_server(openai_api, sdk_sleeps):
    openai_api.post("/chat/completions").mock(
        return_value=httpx.Response(
            429,
            headers={"retry-after": "1"},
            json=openai_error_body("Rate limit reached", "rate_limit_error"),
        )
    )
    with pytest.raises(
        LLMError,
        match=r"http://llm.test/v1 returned HTTP 429 for task 'tagline' after 2 retries: Rate limit reached$",
    ):
        backend().generate(request())
    assert sdk_sleeps == [1.0, 1.0]


def test_5xx_is_retried_then_named(openai_api, sdk_sleeps):
    route = openai_api.post("/chat/completions").mock(
        return_value=httpx.Response(503, json=openai_error_body("model is loading", "server_error"))
    )
    with pytest.raises(LLMError, match=r"HTTP 503 for task 'tagline' after 2 retries: model is loading$"):
        backend().generate(request())
    assert route.call_count == 3 and len(sdk_sleeps) == 2


def test_401_names_the_server_and_the_setting_never_the_key(openai_api):
    route = openai_api.post("/chat/completions").mock(
        return_value=httpx.Response(
            401, json=openai_error_body(f"Incorrect API key provided: {SECRET}", "invalid_request_error")
        )
    )
    with pytest.raises(LLMError) as caught:
        backend(api_key=SECRET).generate(request())
    message = str(caught.value)
    assert "http://llm.test/v1 refused the API key for task 'tagline' (HTTP 401)" in message
    assert "OPENAI_API_KEY" in message and SECRET not in message
    assert route.call_count == 1  # not retried


def test_an_unknown_model_is_named_with_the_server_message(openai_api):
    openai_api.post("/chat/completions").mock(
        return_value=httpx.Response(
            404, json=openai_error_body('model "llama3.1:8b" not found, try pulling it first', "api_error")
        )
    )
    with pytest.raises(LLMError) as caught:
        backend(model=LOCAL_MODEL).generate(request())
    message = str(caught.value)
    assert "http://llm.test/v1 answered HTTP 404 for task 'tagline' with model 'llama3.1:8b'" in message
    assert "not found, try pulling it first" in message and "OPENAI_MODEL" in message


def test_a_server_message_that_echoes_the_key_is_masked(openai_api):
    openai_api.post("/chat/completions").mock(
        return_value=httpx.Response(
            400, json=openai_error_body(f"bad header Bearer {SECRET}", "invalid_request_error")
        )
    )
    with pytest.raises(LLMError) as caught:
        backend(api_key=SECRET).generate(request())
    assert SECRET not in str(caught.value) and "Bearer ***" in str(caught.value)


def test_connection_refused_names_the_server_without_its_password():
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    local = backend(base_url=f"http://user:hunter2@127.0.0.1:{port}/v1", max_retries=0)
    with pytest.raises(LLMError) as caught:
        local.generate(request())
    message = str(caught.value)
    assert (
        f"the OpenAI-compatible server at http://127.0.0.1:{port}/v1 is unreachable for task 'tagline'"
        in message
    )
    assert "is the server running" in message and "hunter2" not in message


def test_truncated_output_and_malformed_bodies_raise(openai_api):
    route = openai_api.post("/chat/completions")
    route.mock(return_value=completion('{"headline": "Roa', finish_reason="length"))
    with pytest.raises(LLMError, match=r"truncated \(finish_reason 'length', max_tokens 4096\)"):
        backend().generate(request(), Tagline)
    route.mock(return_value=httpx.Response(200, text="<html>proxy login</html>"))
    with pytest.raises(LLMError, match="malformed"):
        backend().generate(request())
    route.mock(return_value=httpx.Response(200, json={"object": "list", "data": []}))
    with pytest.raises(LLMError, match="not a chat completion with choices"):
        backend().generate(request())


# -- local servers ------------------------------------------------------------------------------


def test_a_local_server_costs_nothing_and_needs_no_key(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    ollama = "http://127.0.0.1:11434/v1"
    with respx.mock(base_url=ollama, using="httpcore2") as server:
        route = server.post("/chat/completions").mock(
            return_value=completion({"headline": "Roasted", "words": 1}, model=LOCAL_MODEL)
        )
        llm = LLMResource(backend="openai", model=LOCAL_MODEL, base_url=ollama, cache=False)
        result = llm.generate(request(), Tagline)
    assert result.data.words == 1 and result.model == LOCAL_MODEL
    assert (result.usage.input_tokens, result.usage.output_tokens) == (120, 40)
    assert result.usage.cost_usd == 0.0
    assert route.calls.last.request.headers["authorization"] == "Bearer no-key"


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://localhost:11434/v1", True),
        ("http://127.0.0.1:8000/v1", True),
        ("http://[::1]:8080/v1", True),
        ("http://10.0.0.5:8000/v1", True),
        ("http://192.168.1.20:11434/v1", True),
        ("http://172.16.4.2:8080/v1", True),
        ("http://gpu.localhost/v1", True),
        ("https://api.example.com/v1", False),
        ("http://8.8.8.8/v1", False),
        (OPENAI_BASE_URL, False),
    ],
)
def test_local_means_this_machine_or_a_private_network(url, local):
    assert is_local(url) is local


def test_an_unpriced_hosted_model_costs_0_with_a_warning(openai_api, caplog):
    caplog.set_level(logging.WARNING)
    openai_api.post("/chat/completions").mock(return_value=httpx.Response(200, json=chat_completion_body()))
    assert backend(model="mistral-large").generate(request()).usage.cost_usd == 0.0
    assert "no price known for model 'mistral-large' at http://llm.test/v1" in caplog.text


def test_shown_url_drops_user_password_and_query():
    assert shown_url("https://me:pw@llm.example.com:8443/v1?key=abc#x") == "https://llm.example.com:8443/v1"


# -- settings -----------------------------------------------------------------------------------


def test_settings_pick_the_openai_backend_with_its_server_model_and_key(openai_api, monkeypatch):
    monkeypatch.setenv("MARKETING_ENGINE_LLM", "openai")
    monkeypatch.setenv("OPENAI_BASE_URL", OPENAI_BASE_URL)
    monkeypatch.setenv("OPENAI_MODEL", MODEL)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    llm = build_resources("local")["llm"]
    assert llm.backend == "openai"
    assert llm.api_key == EnvVar("OPENAI_API_KEY") and llm.base_url == EnvVar("OPENAI_BASE_URL")
    route = openai_api.post("/chat/completions").mock(
        return_value=httpx.Response(200, json=chat_completion_body())
    )
    with llm.process_config_and_initialize_cm() as ready:
        assert ready.generate(request()).text == "Fresh coffee, delivered."
    assert route.calls.last.request.headers["authorization"] == f"Bearer {SECRET}"
    assert sent_body(route)["model"] == MODEL


def test_settings_default_offline_locally_and_anthropic_in_prod(monkeypatch):
    monkeypatch.delenv("MARKETING_ENGINE_LLM", raising=False)
    assert llm_from_env("local").backend == "offline"
    prod = llm_from_env("prod")
    assert prod.backend == "anthropic" and prod.api_key == EnvVar("ANTHROPIC_API_KEY")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("MARKETING_ENGINE_LLM", "openai")
    monkeypatch.setenv("OPENAI_MODEL", LOCAL_MODEL)
    assert llm_from_env("prod").api_key is None  # a local server needs no key


def test_settings_refuse_an_unknown_backend_or_a_missing_model(monkeypatch):
    monkeypatch.setenv("MARKETING_ENGINE_LLM", "gpt")
    with pytest.raises(
        ValueError, match="MARKETING_ENGINE_LLM='gpt': expected 'offline', 'anthropic' or 'openai'"
    ):
        llm_from_env("local")
    monkeypatch.setenv("MARKETING_ENGINE_LLM", "openai")
    monkeypatch.delenv("OPENAI_MODEL", raising=False)
    with pytest.raises(ValueError, match="MARKETING_ENGINE_LLM=openai needs OPENAI_MODEL"):
        llm_from_env("local")
