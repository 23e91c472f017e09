"""The generation ledger: every call counted per day, task, backend and model, cached or not, and
the report's text-generation section built from it. Counting never fails a generation."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pandas as pd
import pytest

from marketing_engine.analytics.report import ReportData, render_report
from marketing_engine.llm import total_usage
from marketing_engine.llm_ledger import LEDGER_FILE, LedgerRow, SQLiteLedger, ledger_at, totals
from marketing_engine.resources.llm import LLMResource

from .conftest import Tagline, request
from .test_llm_cache import REDIS_URL, answer, anthropic, redis_prefix  # noqa: F401 - the fixture

K = 3


def today_rows(ledger=None) -> list[LedgerRow]:
    today = datetime.now(UTC).date()
    return (ledger or ledger_at(None)).rows(today, today)


def pages(k: int = K):
    return [request(task="page", prompt=f"Page {n}") for n in range(k)]


def test_offline_generate_many_counts_every_request(engine_home: Path):
    results = LLMResource(backend="offline").generate_many(pages())
    LLMResource(backend="offline").generate(request(task="tagline"))
    (page,) = [row for row in today_rows() if row.task == "page"]
    usage = total_usage(results)
    assert (page.backend, page.model, page.requests) == ("offline", "offline-composer", K)
    assert (page.input_tokens, page.output_tokens) == (usage.input_tokens, usage.output_tokens)
    assert page.cost_usd == 0 and page.cache_hits == 0 and page.tokens_saved == 0
    assert [row.requests for row in today_rows() if row.task == "tagline"] == [1]
    assert (engine_home / LEDGER_FILE).is_file() and not (engine_home / "cache").exists()


def test_a_second_anthropic_run_is_counted_as_cache_hits(anthropic_api, engine_home: Path):
    route = anthropic_api.post("/v1/messages").mock(return_value=answer())
    first = anthropic().generate_many(pages(), Tagline)
    (after_first,) = today_rows()
    anthropic().generate_many(pages(), Tagline)  # a later run: every answer from the cache
    (row,) = today_rows()
    assert route.call_count == K
    assert (row.backend, row.model, row.task) == ("anthropic", "claude-sonnet-4-5", "page")
    assert after_first.cache_hits == 0 and after_first.requests == K
    assert row.requests == 2 * K and row.cache_hits == K
    assert (row.input_tokens, row.output_tokens) == (100 * K, 50 * K)  # only the first run spent
    assert row.tokens_saved == 150 * K > 0
    assert row.cost_usd > 0 and row.cost_usd == pytest.approx(total_usage(first).cost_usd)
    assert row.cost_saved_usd == pytest.approx(row.cost_usd)


def test_the_report_shows_what_generation_cost_and_what_the_cache_saved(anthropic_api):
    anthropic_api.post("/v1/messages").mock(return_value=answer())
    for _ in range(2):
        anthropic().generate_many(pages(), Tagline)
    LLMResource(backend="offline").generate_many(pages(2))
    rows = totals(today_rows())
    paid = next(row for row in rows if row["backend"] == "anthropic")
    empty = pd.DataFrame(columns=["model", "channel", "share", "revenue"])
    data = ReportData(
        "B", datetime.now(UTC), empty, [], pd.DataFrame(), pd.DataFrame(), [], generation=rows
    )
    html = render_report(data)
    assert "Text generation, last 30 days" in html and html.count("<td>page</td>") == 2
    cost, saved = f"${paid['cost_usd']:.4f}", f"${paid['cost_saved_usd']:.4f}"
    assert f"{2 * K + 2} requests, {cost}; the cache saved {saved}." in html
    assert f"<td>page</td><td>anthropic</td><td>claude-sonnet-4-5</td><td>{2 * K}</td>" in html
    assert "<td>50.0%</td>" in html and f"<td>{150 * K}</td>" in html
    assert "<td>page</td><td>offline</td><td>offline-composer</td><td>2</td>" in html and "<td>$0.00</td>" in html


def test_a_ledger_that_cannot_be_written_does_not_fail_generation(engine_home: Path, caplog):
    engine_home.mkdir(parents=True, exist_ok=True)
    (engine_home / LEDGER_FILE).mkdir()  # a folder where the file should be: every write fails
    with caplog.at_level(logging.WARNING, logger="marketing_engine.llm_ledger"):
        results = LLMResource(backend="offline").generate_many(pages())
    assert len(results) == K and all(result.text for result in results)
    assert "did not count 1 rows" in caplog.text
    assert today_rows() == []  # and a report reading it goes on without the section


def test_answers_paid_for_before_a_failure_are_counted(anthropic_api):
    failure = {"type": "error", "error": {"type": "invalid_request_error", "message": "x"}}
    anthropic_api.post("/v1/messages").mock(side_effect=[answer(), httpx.Response(400, json=failure)])
    with pytest.raises(Exception, match="HTTP 400"):
        anthropic().generate_many(pages(), Tagline)
    (row,) = today_rows()
    assert row.requests == 1 and row.input_tokens == 100


def test_rows_sum_over_the_days_of_the_period(tmp_path: Path):
    ledger = SQLiteLedger(tmp_path / LEDGER_FILE)
    for day in (date(2026, 11, 1), date(2026, 11, 2), date(2026, 12, 1)):
        ledger.add([LedgerRow(day, "page", "openai", "llama3", requests=2, cost_usd=0.0, input_tokens=10)])
    ledger.add([LedgerRow(date(2026, 11, 2), "page", "openai", "llama3", requests=1)])
    (row,) = totals(ledger.rows(date(2026, 11, 1), date(2026, 11, 30)))
    assert (row["requests"], row["input_tokens"]) == (5, 20)


def test_the_ledger_lives_in_redis_beside_the_cache(anthropic_api, redis_prefix, engine_home):  # noqa: F811
    from marketing_engine.llm_ledger import RedisLedger

    prefix, _ = redis_prefix
    anthropic_api.post("/v1/messages").mock(return_value=answer())
    for _ in range(2):
        anthropic(cache_redis_url=REDIS_URL, cache_redis_prefix=prefix).generate_many(pages(), Tagline)
    (row,) = today_rows(RedisLedger(REDIS_URL, prefix))
    assert (row.requests, row.cache_hits, row.tokens_saved) == (2 * K, K, 150 * K)
    assert row.cost_usd > 0 and row.cost_saved_usd == pytest.approx(row.cost_usd)
    assert not (engine_home / LEDGER_FILE).exists()
