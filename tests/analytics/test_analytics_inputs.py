"""Reading other groups' tables (published posts) and the report-screenshot command."""

from datetime import UTC, date, datetime

import pytest

from marketing_engine.analytics.loop import published_posts_on
from marketing_engine.analytics.screenshot import ReportNotFoundError, newest_report
from marketing_engine.warehouse import Warehouse, upsert
from marketing_engine.warehouse.models import SocialPost


def test_published_posts_become_learner_features(tmp_path):
    store = Warehouse(f"sqlite:///{tmp_path / 'posts.sqlite'}")
    base = {
        "brand": "kestrel-cycles",
        "variant": "main",
        "media_keys": [],
        "attempts": 0,
        "platform_post_id": None,
        "published_at": None,
        "scheduled_at": None,
    }
    rows = [
        {
            **base,
            "platform": "linkedin",
            "content_ref": "page:cargo-e-bike-guide",
            "idempotency_key": "k1",
            "body": "Is a cargo e-bike the family car you need? Here is what 40 parents told us.",
            "state": "published",
            "published_at": datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
            "platform_post_id": "urn:li:share:1",
        },
        {
            **base,
            "platform": "x",
            "content_ref": "page:battery",
            "idempotency_key": "k2",
            "body": "73% of battery failures start in winter.",
            "state": "published",
            "published_at": datetime(2026, 11, 21, 12, 0, tzinfo=UTC),
        },
        {
            **base,
            "platform": "x",
            "content_ref": "page:draft",
            "idempotency_key": "k3",
            "body": "draft",
            "state": "draft",
            "scheduled_at": datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        },
    ]
    with store.session() as session:
        upsert(session, SocialPost, rows, keys=["idempotency_key"])
    posts = published_posts_on(
        store, "kestrel-cycles", date(2026, 11, 20), ["e-bike battery care", "cargo e-bike"]
    )
    assert posts == [
        {
            "content_ref": "page:cargo-e-bike-guide",
            "platform": "linkedin",
            "hook": "question",
            "hour": 8,
            "weekday": "fri",
            "topic": "cargo e-bike",
            "length": len(rows[0]["body"]),
            "platform_post_id": "urn:li:share:1",  # no `source`: the provider that measures it says
        }
    ]
    assert published_posts_on(store, "another-brand", date(2026, 11, 20), ["cargo e-bike"]) == []
    assert published_posts_on(store, "kestrel-cycles", date(2026, 11, 22), ["cargo e-bike"]) == []
    store.dispose()


def test_report_screenshot_command_writes_a_png(tmp_path, report_data):
    from marketing_engine.analytics.report import render_report
    from marketing_engine.cli import main

    with pytest.raises(ReportNotFoundError, match="run `make run` first"):
        newest_report(tmp_path)
    report = tmp_path / "kestrel-cycles-marketing-report.html"
    report.write_text(render_report(report_data), encoding="utf-8")
    assert newest_report(tmp_path) == report
    out = tmp_path / "docs" / "report.png"
    assert main(["report-screenshot", "--report", str(report), "--out", str(out), "--height", "900"]) == 0
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_provider_totals_become_metric_rows():
    from marketing_engine.analytics.touchpoints import channel_total_rows, page_metric_rows

    day = date(2026, 11, 20)
    pages = page_metric_rows(
        [
            {
                "page": "https://kestrelcycles.example/bikes/cargo",
                "clicks": 3.0,
                "impressions": 120.0,
                "ctr": 0.025,
                "position": 8.4,
                "source": "search_console",  # every measured row names its provider
            }
        ],
        "kestrel-cycles",
        day,
    )
    assert {r["metric"]: r["value"] for r in pages} == {
        "clicks": 3.0,
        "impressions": 120.0,
        "ctr": 0.025,
        "position": 8.4,
    }
    assert {(r["platform"], r["source"]) for r in pages} == {("search", "search_console")}
    totals = channel_total_rows(
        [{"channel": "Organic Search", "sessions": 120.0, "keyEvents": 4.0, "source": "ga4"}],
        "kestrel-cycles",
        day,
    )
    assert {r["source"] for r in totals} == {"ga4"}
    assert [(r["content_ref"], r["metric"], r["value"]) for r in totals] == [
        ("channel:Organic Search", "sessions", 120.0),
        ("channel:Organic Search", "keyEvents", 4.0),
    ]
