"""The WordPress client and the keyword-ideas backends against their documented HTTP shapes."""

from __future__ import annotations

import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import httpx
import pytest
import respx
from googleapiclient.http import HttpMockSequence

from marketing_engine.resources.http import ProviderError
from marketing_engine.resources.keyword_ideas import (
    AUTOCOMPLETE_URL,
    DailyCap,
    KeywordIdeasResource,
    search_console_rows,
)
from marketing_engine.resources.wordpress import PageToPublish, WordPressResource, content_hash
from marketing_engine.seo.keywords import ExpansionContext

WP = "https://blog.example.com"
POSTS = f"{WP}/wp-json/wp/v2/posts"
PAGE = PageToPublish(
    "guides-battery-care",
    "Battery care: A Practical Guide",
    "<article><h1>x</h1></article>",
    "Practical answers about battery care.",
    "https://kestrelcycles.example/guides/battery-care/",
)


def _wordpress() -> WordPressResource:
    resource = WordPressResource(
        backend="wordpress", base_url=WP, username="editor", application_password="abcd efgh ijkl mnop"
    )
    resource._sleep = lambda seconds: None
    return resource


@respx.mock
def test_publishing_creates_a_post_with_basic_auth_then_updates_it_by_slug() -> None:
    lookup = respx.get(POSTS).mock(
        side_effect=[
            httpx.Response(200, json=[]),
            httpx.Response(200, json=[{"id": 7, "link": f"{WP}/x/", "meta": {}}]),
        ]
    )
    create = respx.post(POSTS).mock(
        return_value=httpx.Response(201, json={"id": 7, "link": f"{WP}/battery-care/"})
    )
    update = respx.post(f"{POSTS}/7").mock(
        return_value=httpx.Response(200, json={"id": 7, "link": f"{WP}/battery-care/"})
    )
    first = _wordpress().publish([PAGE])[0]
    assert (first.action, first.remote_id, first.url) == ("created", 7, f"{WP}/battery-care/")
    request = create.calls[0].request
    assert (
        request.headers["authorization"]
        == "Basic " + __import__("base64").b64encode(b"editor:abcdefghijklmnop").decode()
    )
    body = json.loads(request.content)
    assert body["slug"] == PAGE.slug and body["status"] == "publish" and body["content"] == PAGE.html
    assert lookup.calls[0].request.url.params["slug"] == PAGE.slug
    assert lookup.calls[0].request.url.params["status"] == "any"
    second = _wordpress().publish([PAGE])[0]
    assert second.action == "updated" and update.called and create.call_count == 1


@respx.mock
def test_an_unchanged_post_is_not_sent_again() -> None:
    meta = {"marketing_engine_sha256": content_hash(PAGE)}
    respx.get(POSTS).mock(
        return_value=httpx.Response(200, json=[{"id": 3, "link": f"{WP}/p/", "meta": meta}])
    )
    sent = respx.post(url__startswith=POSTS)
    assert _wordpress().publish([PAGE])[0].action == "unchanged"
    assert not sent.called


@respx.mock
@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (401, {"code": "rest_not_logged_in", "message": "You are not currently logged in."}, "HTTP 401"),
        (404, {"code": "rest_no_route", "message": "No route was found matching the URL"}, "No route"),
        (503, {"message": "Service Unavailable"}, "HTTP 503"),
    ],
)
def test_provider_errors_name_wordpress_and_the_status(status: int, body: dict, message: str) -> None:
    respx.get(POSTS).mock(return_value=httpx.Response(status, json=body))
    with pytest.raises(ProviderError, match=message) as raised:
        _wordpress().publish([PAGE])
    assert raised.value.provider == "wordpress" and raised.value.status == status
    assert "abcd" not in str(raised.value)


@respx.mock
def test_429_is_retried_after_the_requested_wait() -> None:
    waits: list[float] = []
    resource = _wordpress()
    resource._sleep = waits.append
    respx.get(POSTS).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}, json={"message": "slow down"}),
            httpx.Response(200, json=[]),
        ]
    )
    respx.post(POSTS).mock(return_value=httpx.Response(201, json={"id": 9, "link": f"{WP}/p/"}))
    assert resource.publish([PAGE])[0].action == "created"
    assert 2.0 <= waits[0] <= 2.2


@respx.mock
def test_malformed_wordpress_bodies_are_refused() -> None:
    respx.get(POSTS).mock(return_value=httpx.Response(200, json={"not": "a list"}))
    with pytest.raises(ProviderError, match="not a list"):
        _wordpress().publish([PAGE])
    respx.get(POSTS).mock(return_value=httpx.Response(200, json=[]))
    respx.post(POSTS).mock(return_value=httpx.Response(201, text="<html>ok</html>"))
    with pytest.raises(ProviderError, match="no post id"):
        _wordpress().publish([PAGE])


def test_local_backend_publishes_to_the_site_folder_and_wordpress_needs_credentials() -> None:
    assert WordPressResource().publish([PAGE])[0].url == PAGE.canonical_url
    with pytest.raises(ProviderError, match="WORDPRESS_APPLICATION_PASSWORD"):
        WordPressResource(backend="wordpress", base_url=WP).publish([PAGE])


CONTEXT = ExpansionContext("Kestrel Cycles", [("Portland", "OR")], ["VoltRide"])


@respx.mock
def test_autocomplete_suggestions_join_the_offline_expansion_with_a_polite_delay() -> None:
    route = respx.get(AUTOCOMPLETE_URL).mock(
        side_effect=lambda request: httpx.Response(
            200, json=[request.url.params["q"], [f"{request.url.params['q']} for kids", "cargo e-bike uk"]]
        )
    )
    resource = KeywordIdeasResource(backend="autocomplete", delay_seconds=1.5)
    waits: list[float] = []
    resource._sleep = waits.append
    ideas = resource.ideas(["cargo e-bike"], CONTEXT)
    live = [i for i in ideas if i.source == "autocomplete"]
    assert route.call_count == 6 and waits == [1.5] * 6
    assert "best cargo e-bike for kids" in {i.text for i in live}
    assert route.calls[0].request.url.params["client"] == "firefox"
    assert (route.calls[0].request.url.params["hl"], route.calls[0].request.url.params["gl"]) == ("en", "us")
    assert len([i for i in ideas if i.source == "offline"]) > 60  # one city, one competitor, no personas here


@respx.mock
def test_autocomplete_asks_in_the_brand_language_and_country() -> None:
    route = respx.get(AUTOCOMPLETE_URL).mock(return_value=httpx.Response(200, json=["q", []]))
    resource = KeywordIdeasResource(backend="autocomplete", delay_seconds=0)
    resource._sleep = lambda seconds: None
    context = ExpansionContext("Tasca", [("Lisboa", "Lisboa")], [], language="pt", country="pt")
    resource.ideas(["polvo à lagareiro"], context)
    queries = [call.request.url.params["q"] for call in route.calls]
    assert queries[:3] == ["polvo à lagareiro", "como polvo à lagareiro", "o que polvo à lagareiro"]
    assert {(c.request.url.params["hl"], c.request.url.params["gl"]) for c in route.calls} == {("pt", "pt")}


@respx.mock
def test_the_daily_cap_holds_across_runs(engine_home) -> None:
    respx.get(AUTOCOMPLETE_URL).mock(return_value=httpx.Response(200, json=["q", ["a"]]))
    resource = KeywordIdeasResource(backend="autocomplete", daily_cap=4, delay_seconds=0)
    resource._sleep = lambda s: None
    assert len([i for i in resource.ideas(["x"], CONTEXT) if i.source == "autocomplete"]) == 4
    assert len([i for i in resource.ideas(["x"], CONTEXT) if i.source == "autocomplete"]) == 0
    cap = DailyCap(engine_home / "cap.json", 1)
    assert cap.take(date(2026, 1, 1)) and not cap.take(date(2026, 1, 1)) and cap.take(date(2026, 1, 2))


def _take_from_cap(path: str, takes: int) -> int:
    cap = DailyCap(Path(path), 60)
    return sum(cap.take() for _ in range(takes))


def test_the_daily_cap_holds_across_processes_taking_at_once(tmp_path) -> None:
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        taken = list(pool.map(_take_from_cap, [str(tmp_path / "cap.sqlite")] * 4, [30] * 4))
    assert sum(taken) == 60, taken


@respx.mock
def test_malformed_autocomplete_answers_are_refused() -> None:
    respx.get(AUTOCOMPLETE_URL).mock(return_value=httpx.Response(200, json={"suggestions": []}))
    resource = KeywordIdeasResource(backend="autocomplete", delay_seconds=0)
    with pytest.raises(ProviderError, match="unexpected suggestion shape"):
        resource.ideas(["x"], CONTEXT)


def _service(responses: list[tuple[dict, str]]):
    from googleapiclient.discovery import build

    return build("searchconsole", "v1", http=HttpMockSequence(responses), static_discovery=True)


def test_search_console_rows_follow_start_row_pagination() -> None:
    page = lambda n, start: json.dumps(
        {
            "rows": [
                {"keys": [f"q{start + i}"], "clicks": 1, "impressions": 10, "ctr": 0.1, "position": 4.0}
                for i in range(n)
            ]
        }
    )
    service = _service(
        [({"status": "200"}, page(2, 0)), ({"status": "200"}, page(2, 2)), ({"status": "200"}, page(1, 4))]
    )
    rows = search_console_rows(
        service, "sc-domain:kestrelcycles.example", date(2026, 1, 1), date(2026, 1, 28), page_size=2
    )
    assert [r["keys"][0] for r in rows] == ["q0", "q1", "q2", "q3", "q4"]


def test_search_console_errors_become_provider_errors() -> None:
    body = json.dumps({"error": {"code": 403, "message": "User does not have sufficient permission"}})
    service = _service([({"status": "403", "reason": "Forbidden"}, body)])
    with pytest.raises(ProviderError, match="HTTP 403"):
        search_console_rows(service, "sc-domain:x.example", date(2026, 1, 1), date(2026, 1, 2))


def test_search_console_backend_turns_queries_into_ideas_under_their_seed() -> None:
    resource = KeywordIdeasResource(backend="search_console", site_url="sc-domain:x.example")
    resource._service = _service(
        [
            (
                {"status": "200"},
                json.dumps(
                    {
                        "rows": [
                            {
                                "keys": ["cargo e-bike for two kids"],
                                "clicks": 3,
                                "impressions": 120,
                                "ctr": 0.02,
                                "position": 7.1,
                            }
                        ]
                    }
                ),
            )
        ]
    )
    ideas = [
        i
        for i in resource.ideas(["cargo e-bike", "e-bike tax credit"], CONTEXT)
        if i.source == "search_console"
    ]
    assert [(i.text, i.seed, i.volume) for i in ideas] == [("cargo e-bike for two kids", "cargo e-bike", 120)]
    with pytest.raises(ProviderError, match="GOOGLE_SERVICE_ACCOUNT_JSON"):
        KeywordIdeasResource(backend="search_console").search_console_service()
