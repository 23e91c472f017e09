"""The LLM response cache: an unchanged request is never paid for twice, on SQLite and on Redis.

The pages stage itself runs twice on the Anthropic backend (respx at the SDK's transport, Message
Batches as in prod): the second run makes no API call and reports the tokens it saved.
"""

from __future__ import annotations

import json
import socket
import uuid
from pathlib import Path

import httpx
import pytest
from dagster import DagsterInstance, EnvVar, materialize
from needs import unavailable
from seo.sitekit import hashing_encoder
from sqlalchemy import select

from marketing_engine.assets import seo as seo_assets
from marketing_engine.llm import Usage, total_usage
from marketing_engine.llm_cache import LLMCacheError, cache_key
from marketing_engine.resources import build_resources
from marketing_engine.resources.llm import LLMResource, llm_from_env
from marketing_engine.seo import clustering
from marketing_engine.settings import warehouse_url
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import SeoPageBrief

from .conftest import BASE_URL, Tagline, batch_body, message_body, request, tool_use

REDIS_URL = "redis://127.0.0.1:6379/0"


def anthropic(**overrides) -> LLMResource:
    options = {"backend": "anthropic", "api_key": "sk-ant-test", "base_url": BASE_URL, "max_retries": 0}
    return LLMResource(**{**options, **overrides})


def answer(words: int = 3) -> httpx.Response:
    body = message_body(
        tool_use({"headline": "Roasted this morning", "words": words}), stop_reason="tool_use"
    )
    return httpx.Response(200, json=body)


# -- the key ------------------------------------------------------------------------------------


def test_the_key_covers_what_decides_the_answer_and_nothing_else():
    base = cache_key("anthropic", "claude-sonnet-4-5", request(), Tagline)
    changed = [
        cache_key("openai", "claude-sonnet-4-5", request(), Tagline),
        cache_key("anthropic", "claude-haiku-4-5", request(), Tagline),
        cache_key("anthropic", "claude-sonnet-4-5", request(system="Tallybird"), Tagline),
        cache_key("anthropic", "claude-sonnet-4-5", request(prompt="Write two taglines."), Tagline),
        cache_key("anthropic", "claude-sonnet-4-5", request(), None),
        cache_key("anthropic", "claude-sonnet-4-5", request(max_tokens=100), Tagline),
        cache_key("anthropic", "claude-sonnet-4-5", request(temperature=0.0), Tagline),
    ]
    assert len({base, *changed}) == 8
    # What no server sees cannot change its answer: the facts the prompt was built from, the batch id.
    same = request(inputs={"topic": "espresso"}, custom_id="page-1", task="headline")
    assert cache_key("anthropic", "claude-sonnet-4-5", same, Tagline) == base


class Wider(Tagline):
    tone: str = "warm"


def test_a_changed_schema_is_a_new_key():
    assert cache_key("openai", "m", request(), Tagline) != cache_key("openai", "m", request(), Wider)


# -- SQLite (the default) -----------------------------------------------------------------------


def test_a_repeated_request_is_answered_from_sqlite_with_0_tokens(anthropic_api, engine_home: Path):
    route = anthropic_api.post("/v1/messages").mock(return_value=answer())
    first = anthropic().generate(request(), Tagline)
    second = anthropic().generate(request(), Tagline)  # a new resource: a later run
    assert route.call_count == 1
    assert second.data == first.data and isinstance(second.data, Tagline)
    assert second.text == first.text and second.model == first.model
    assert (first.usage.requests, first.usage.cache_misses, first.usage.cache_hits) == (1, 1, 0)
    saved = second.usage
    assert (saved.requests, saved.input_tokens, saved.output_tokens, saved.cost_usd) == (0, 0, 0, 0.0)
    assert saved.cache_hits == 1 and saved.tokens_saved == 150
    assert saved.cost_saved_usd == first.usage.cost_usd > 0
    assert (engine_home / "cache" / "llm_responses.sqlite").is_file()
    metadata = total_usage([first, second]).as_metadata()
    assert metadata["llm_cache_hits"] == 1 and metadata["llm_cache_hit_rate"] == 0.5
    assert metadata["llm_tokens_saved"] == 150 and metadata["llm_requests"] == 1


def test_only_successful_answers_are_kept(anthropic_api):
    route = anthropic_api.post("/v1/messages").mock(
        side_effect=[
            httpx.Response(500, json={"type": "error", "error": {"type": "api_error", "message": "x"}})
        ]
        + [answer()] * 3
    )
    llm = anthropic()
    with pytest.raises(Exception, match="HTTP 500"):
        llm.generate(request(), Tagline)
    llm.generate(request(), Tagline)
    llm.generate(request(), Tagline)
    assert route.call_count == 2


def test_answers_already_paid_for_are_kept_when_a_later_request_fails(anthropic_api):
    failure = httpx.Response(
        400, json={"type": "error", "error": {"type": "invalid_request_error", "message": "x"}}
    )
    route = anthropic_api.post("/v1/messages").mock(side_effect=[answer(), failure, answer(), answer()])
    requests = [request(prompt=f"Tagline {n}") for n in range(3)]
    with pytest.raises(Exception, match="HTTP 400"):
        anthropic().generate_many(requests, Tagline)
    again = anthropic().generate_many(requests, Tagline)
    assert route.call_count == 4  # 1 + the failure, then only the 2 not kept
    assert [result.usage.cache_hits for result in again] == [1, 0, 0]


def test_the_switch_turns_the_cache_off(anthropic_api, monkeypatch, engine_home: Path):
    route = anthropic_api.post("/v1/messages").mock(return_value=answer())
    anthropic(cache=False).generate(request(), Tagline)
    anthropic(cache=False).generate(request(), Tagline)
    assert route.call_count == 2 and not (engine_home / "cache").exists()
    monkeypatch.setenv("MARKETING_ENGINE_LLM_CACHE", "off")
    assert llm_from_env("prod").cache is False
    monkeypatch.setenv("MARKETING_ENGINE_LLM_CACHE", "of")
    with pytest.raises(ValueError, match="MARKETING_ENGINE_LLM_CACHE='of': expected 'on' or 'off'"):
        llm_from_env("prod")


def test_the_offline_composer_is_never_cached(engine_home: Path):
    first = LLMResource(backend="offline").generate(request())
    second = LLMResource(backend="offline").generate(request())
    assert first == second  # the same text and usage as ever, run after run
    assert second.usage.requests == 1 and second.usage.cache_hits == 0
    assert not (engine_home / "cache").exists()


def test_batched_requests_are_answered_from_the_cache(anthropic_api):
    pages = PagesBatch(anthropic_api, {"headline": "Roasted this morning", "words": 3})
    requests = [request(prompt=f"Page {n}", custom_id=f"page-{n}") for n in range(3)]
    first = anthropic(batch_threshold=2, batch_poll_seconds=0.0).generate_many(requests, Tagline)
    second = anthropic(batch_threshold=2, batch_poll_seconds=0.0).generate_many(requests, Tagline)
    assert pages.create.call_count == 1 and [r.data for r in second] == [r.data for r in first]
    assert total_usage(second).cache_hits == 3 and total_usage(second).requests == 0


# -- Redis (REDIS_URL) ----------------------------------------------------------------------------


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own on the machine's Redis, deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis at {REDIS_URL} is unreachable: {exc}")
    prefix = f"marketing-engine-test:{uuid.uuid4().hex}:"
    yield prefix, client
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_a_repeated_request_is_answered_from_redis(anthropic_api, redis_prefix, engine_home: Path):
    prefix, client = redis_prefix
    route = anthropic_api.post("/v1/messages").mock(return_value=answer())
    first = anthropic(cache_redis_url=REDIS_URL, cache_redis_prefix=prefix).generate(request(), Tagline)
    second = anthropic(cache_redis_url=REDIS_URL, cache_redis_prefix=prefix).generate(request(), Tagline)
    assert route.call_count == 1 and second.data == first.data
    assert second.usage.cache_hits == 1 and second.usage.tokens_saved == 150
    key = cache_key("anthropic", "claude-sonnet-4-5", request(), Tagline)
    assert json.loads(client.get(prefix + key))["text"] == first.text
    assert not (engine_home / "cache").exists()  # nothing went to SQLite


def test_settings_put_the_cache_in_redis_when_redis_url_is_set(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://:s3cret@127.0.0.1:6379/0")
    llm = llm_from_env("prod")
    assert llm.cache is True and llm.cache_redis_url == EnvVar("REDIS_URL")
    monkeypatch.delenv("REDIS_URL")
    assert llm_from_env("prod").cache_redis_url is None


def test_an_unreachable_redis_fails_before_anything_is_paid_and_hides_its_password(anthropic_api):
    route = anthropic_api.post("/v1/messages").mock(return_value=answer())
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    llm = anthropic(cache_redis_url=f"redis://:s3cret@127.0.0.1:{port}/0")
    with pytest.raises(LLMCacheError) as caught:
        llm.generate(request(), Tagline)
    message = str(caught.value)
    assert f"redis://:***@127.0.0.1:{port}/0 cannot be read" in message
    assert "MARKETING_ENGINE_LLM_CACHE=off" in message and "s3cret" not in message
    assert route.call_count == 0


# -- the pages stage, re-run ----------------------------------------------------------------------


class PagesBatch:
    """Message Batches on respx: every item of a created batch succeeds with `data` as its answer."""

    def __init__(self, api, data: dict):
        self.ids: list[str] = []
        self.create = api.post("/v1/messages/batches").mock(side_effect=self._created)
        ended = httpx.Response(200, json=batch_body("msgbatch_01", "ended"))
        api.get("/v1/messages/batches/msgbatch_01").mock(return_value=ended)
        api.get("/v1/messages/batches/msgbatch_01/results").mock(side_effect=lambda _: self._results(data))

    def _created(self, sent: httpx.Request) -> httpx.Response:
        self.ids = [item["custom_id"] for item in json.loads(sent.content)["requests"]]
        return httpx.Response(200, json=batch_body("msgbatch_01", "in_progress"))

    def _results(self, data: dict) -> httpx.Response:
        message = message_body(tool_use(data), stop_reason="tool_use")
        lines = [
            json.dumps({"custom_id": i, "result": {"type": "succeeded", "message": message}})
            for i in self.ids
        ]
        return httpx.Response(
            200, content="\n".join(lines).encode(), headers={"content-type": "application/binary"}
        )


DRAFT = {
    "title": "Cargo e-bikes at Kestrel Cycles",
    "meta_description": "Cargo e-bikes at Kestrel Cycles: the models, their prices and where to try one.",
    "h1": "Cargo e-bikes",
    "direct_answer": None,
    "intro": ["Kestrel Cycles sells cargo e-bikes."],
    "sections": [{"heading": "Models", "paragraphs": ["Kestrel Cargo is one of them."]}],
    "faq": [],
    "image_alt": "A cargo e-bike",
}


def test_rerunning_the_pages_stage_on_anthropic_makes_no_api_call(anthropic_api, monkeypatch):
    monkeypatch.setattr(clustering, "minilm_encoder", lambda cache_dir=None: hashing_encoder)
    single = anthropic_api.post("/v1/messages").mock(return_value=answer())
    pages = PagesBatch(anthropic_api, DRAFT)
    # the engine's own local resources (this test's home and warehouse), writing on Anthropic
    resources = {**build_resources("local"), "llm": anthropic(batch_threshold=2, batch_poll_seconds=0.0)}
    instance = DagsterInstance.ephemeral()
    run = lambda assets, **kw: materialize(assets, resources=resources, instance=instance, **kw)
    assert run([seo_assets.keyword_universe, seo_assets.keyword_clusters]).success
    cluster = instance.get_dynamic_partitions("keyword_clusters")[0]
    stage = [seo_assets.page_briefs, seo_assets.programmatic_pages]

    def pages_run() -> tuple[dict, dict[str, str]]:
        result = run(stage, partition_key=cluster)
        assert result.success
        with Warehouse(warehouse_url()).session() as session:
            drafts = dict(session.execute(select(SeoPageBrief.slug, SeoPageBrief.draft_sha256)).all())
        metadata = result.asset_materializations_for_node("programmatic_pages")[0].metadata
        return {key: value.value for key, value in metadata.items()}, drafts

    first, drafts = pages_run()
    written = first["pages"]
    assert written >= 2 and pages.create.call_count == 1 and len(pages.ids) == written
    assert first["llm_requests"] == written and first["llm_cache_hits"] == 0
    calls = len(anthropic_api.calls)

    second, drafts_again = pages_run()
    assert len(anthropic_api.calls) == calls  # not one API call: no batch, no message
    assert pages.create.call_count == 1 and single.call_count == 0
    assert second["pages"] == written and drafts_again == drafts
    assert second["llm_requests"] == 0 and second["llm_input_tokens"] == 0 and second["llm_cost_usd"] == 0
    assert second["llm_cache_hits"] == written and second["llm_cache_hit_rate"] == 1.0
    assert second["llm_tokens_saved"] == 150 * written
    assert second["llm_cost_saved_usd"] == first["llm_cost_usd"] > 0


def test_usage_adds_the_cache_counts():
    total = Usage(cache_misses=1, requests=1) + Usage(cache_hits=2, tokens_saved=300, cost_saved_usd=0.25)
    assert total.as_metadata()["llm_cache_hit_rate"] == round(2 / 3, 4)
    assert total.as_metadata()["llm_cost_saved_usd"] == 0.25
    assert Usage().as_metadata()["llm_cache_hit_rate"] == 0.0
