"""Journeys from real data: the one-touch-per-row file format and GA4's BigQuery export, through the
warehouse into attribution (Markov and Shapley credit exactly the recorded conversions and revenue)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
import responses

from marketing_engine.analytics.ga4_export import PROVIDER, bigquery_client, export_touches, ga4_channel
from marketing_engine.analytics.journey_import import (
    JourneyImportError,
    build_journeys,
    read_touches,
    store_journeys,
)
from marketing_engine.analytics.loop import attribute, credit_balance
from marketing_engine.resources.retry import ProviderError
from marketing_engine.warehouse.models import CampaignMetric, CustomerJourney

DATA = Path(__file__).parent.parent / "data" / "ga4_bigquery"
BQ = "https://bigquery.googleapis.com/bigquery/v2/projects/kestrel-analytics"
DATASET = "kestrel-analytics.analytics_312345678"
HEADER = "user_id,timestamp,channel,campaign,conversion,revenue,currency,product\n"


def _csv(tmp_path: Path, body: str, name: str = "touches.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body)
    return path


def test_touches_become_journeys_that_end_at_a_conversion_within_the_lookback(tmp_path):
    path = _csv(
        tmp_path,
        "u1,2026-10-01T09:00:00Z,linkedin,,0,,,\n"  # 40 days before the sale: outside the lookback
        "u1,2026-11-05T09:00:00Z,email,digest,0,,,\n"
        "u1,2026-11-09T18:30:00+01:00,google_ads,winter,1,120.50,EUR,Annual plan\n"
        "u1,2026-11-12T10:00:00Z,x,,0,,,\n"  # after the sale: a new journey, not converted yet
        "u2,2026-11-10T12:00:00,,,1,40,EUR,Starter kit\n",  # a sale with no touch: direct
    )
    journeys = build_journeys(read_touches(path, "EUR"), "import", lookback_days=30)
    by_channels = {tuple(j["channels"]): j for j in journeys}
    assert set(by_channels) == {("linkedin",), ("email", "google_ads"), ("x",), ("direct",)}
    sale = by_channels[("email", "google_ads")]
    assert (sale["converted"], sale["revenue"], sale["product"], sale["day"]) == (
        True,
        120.5,
        "Annual plan",
        date(2026, 11, 9),
    )
    assert sale["days_before"] == [pytest.approx(4 + 8.5 / 24, abs=1e-4), 0.0]  # 17:30 UTC on the 9th
    assert not by_channels[("linkedin",)]["converted"] and by_channels[("direct",)]["revenue"] == 40.0
    assert {j["source"] for j in journeys} == {"import"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("u1,yesterday,email,,0,,,\n", "touches.csv, line 2, column 'timestamp': 'yesterday'"),
        ("u1,2026-11-01T00:00:00Z,e-mail!,,0,,,\n", "line 2, column 'channel': 'e-mail!'"),
        ("u1,2026-11-01T00:00:00Z,,,0,,,\n", "line 2, column 'channel': empty on a touch"),
        (",2026-11-01T00:00:00Z,email,,0,,,\n", "line 2, column 'user_id': empty"),
        ("u1,2026-11-01T00:00:00Z,email,,maybe,,,\n", "column 'conversion': 'maybe'"),
        ("u1,2026-11-01T00:00:00Z,email,,0,12,EUR,\n", "column 'revenue': 12.0 on a row that is not"),
        ("u1,2026-11-01T00:00:00Z,email,,1,-3,EUR,\n", "column 'revenue': '-3' must be a number >= 0"),
        ("u1,2026-11-01T00:00:00Z,email,,1,ten,EUR,\n", "column 'revenue': 'ten' is not a number"),
        (
            "u1,2026-11-01T00:00:00Z,email,,0,,,\nu2,2026-11-01T00:00:00Z,email,,1,9,USD,\n",
            "line 3, column 'currency': USD but the brand's revenue is in EUR",
        ),
    ],
)
def test_a_bad_row_is_named_by_file_line_and_column(tmp_path, body, message):
    with pytest.raises(JourneyImportError, match=message.replace("(", r"\(")):
        read_touches(_csv(tmp_path, body), "EUR")


def test_bad_files_are_named(tmp_path):
    with pytest.raises(JourneyImportError, match=r"nowhere.csv: no such touch file"):
        read_touches(tmp_path / "nowhere.csv")
    (tmp_path / "touches.json").write_text("[]")
    with pytest.raises(JourneyImportError, match=r"touches.json: a touch file is .csv or .parquet"):
        read_touches(tmp_path / "touches.json")
    (tmp_path / "short.csv").write_text("user_id,when,channel\nu1,2026-11-01,email\n")
    with pytest.raises(JourneyImportError, match=r"short.csv: missing column\(s\) timestamp"):
        read_touches(tmp_path / "short.csv")
    with pytest.raises(JourneyImportError, match="lookback_days must be positive"):
        build_journeys([], "import", lookback_days=0)
    (tmp_path / "ragged.csv").write_text(
        "user_id,timestamp,channel\nu1,2026-11-01T09:00:00Z,email\nu2,2026-11-01T10:00:00Z,email,extra\n"
    )
    with pytest.raises(
        JourneyImportError, match=r"ragged.csv: not a readable csv touch file: Error tokenizing"
    ):
        read_touches(tmp_path / "ragged.csv")
    (tmp_path / "latin.csv").write_bytes(
        "user_id,timestamp,channel\nJos\xe9,2026-11-01,email\n".encode("latin-1")
    )
    with pytest.raises(JourneyImportError, match=r"latin.csv: not a readable csv touch file: 'utf-8' codec"):
        read_touches(tmp_path / "latin.csv")
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(JourneyImportError, match=r"broken.parquet: not a readable parquet touch file"):
        read_touches(tmp_path / "broken.parquet")


def test_parquet_reads_like_csv_and_reimporting_stores_nothing_twice(tmp_path, warehouse):
    frame = pd.DataFrame(
        {
            "user_id": ["u1", "u1", "u2"],
            "timestamp": pd.to_datetime(["2026-11-01T08:00Z", "2026-11-02T08:00Z", "2026-11-02T09:00Z"]),
            "channel": ["email", "x", "linkedin"],
            "conversion": [False, False, False],
        }
    )
    path = tmp_path / "touches.parquet"
    frame.to_parquet(path)
    first = build_journeys(read_touches(path), "import")
    assert sorted(tuple(j["channels"]) for j in first) == [("email", "x"), ("linkedin",)]
    store_journeys(warehouse, "kestrel-cycles", first)
    store_journeys(warehouse, "kestrel-cycles", first)
    assert warehouse.count(CustomerJourney, brand="kestrel-cycles") == 2
    # A later, longer export: u1's open journey now ends in a sale two days later — replaced, not added.
    longer = pd.concat(
        [
            frame,
            pd.DataFrame(
                {
                    "user_id": ["u1"],
                    "timestamp": pd.to_datetime(["2026-11-04T10:00Z"]),
                    "channel": ["google_ads"],
                    "conversion": [True],
                    "revenue": [80.0],
                }
            ),
        ]
    )
    longer.to_parquet(path)
    summary = store_journeys(warehouse, "kestrel-cycles", build_journeys(read_touches(path), "import"))
    assert (summary.journeys, summary.conversions, summary.revenue) == (2, 1, 80.0)
    assert warehouse.count(CustomerJourney, brand="kestrel-cycles") == 2
    with pytest.raises(JourneyImportError, match=r"touches.parquet, row 1, column 'user_id': empty"):
        frame.assign(user_id=["", "u1", "u2"]).to_parquet(path)
        read_touches(path)


@pytest.mark.parametrize(
    ("source", "medium", "channel"),
    [
        ("google", "cpc", "google_ads"),
        ("facebook", "paid", "meta_ads"),
        ("instagram", "cpc", "meta_ads"),
        ("linkedin", "cpc", "linkedin_ads"),
        ("google", "organic", "organic_search"),
        ("duckduckgo.com", "referral", "organic_search"),
        ("newsletter", "email", "email"),
        ("l.facebook.com", "referral", "facebook"),
        ("t.co", "referral", "x"),
        ("linkedin.com", "referral", "linkedin"),
        ("(direct)", "(none)", "direct"),
        ("partner-blog.example", "referral", "referral"),
        ("tiktok", "cpc", "other_paid"),
        ("podcast", "audio", "other"),
    ],
)
def test_ga4_source_and_medium_map_onto_the_engines_channels(source, medium, channel):
    assert ga4_channel(source, medium) == channel


def _recorded_export(mock: responses.RequestsMock) -> dict:
    recorded = json.loads((DATA / "events_query.json").read_text())
    mock.post(f"{BQ}/queries", json=recorded["jobs.query"])
    mock.get(f"{BQ}/jobs/job_ga4_export_journeys", json=recorded["jobs.get"])
    mock.get(f"{BQ}/queries/job_ga4_export_journeys", json=recorded["jobs.getQueryResults"])
    return recorded


def _client():
    from google.auth.credentials import AnonymousCredentials

    return bigquery_client("kestrel-analytics", AnonymousCredentials())


@pytest.fixture(scope="module")
def tasca():
    """A Portuguese brand whose revenue is in euros, like the recorded answers."""
    from marketing_engine.brand import load_brand
    from marketing_engine.settings import PROJECT_ROOT

    return load_brand(PROJECT_ROOT / "examples" / "tasca-da-conceicao.yaml")


def test_ga4_bigquery_export_journeys_feed_markov_and_shapley_attribution(warehouse, tasca):
    with responses.RequestsMock() as mock:
        recorded = _recorded_export(mock)
        touches = export_touches(
            _client(), DATASET, date(2026, 11, 2), date(2026, 11, 4), tasca.currency_code
        )
        sent = json.loads(mock.calls[0].request.body)
        assert "page_token" not in sent and "pageToken=BEHJWUTWRY" in mock.calls[2].request.url
    assert (
        f"FROM `{DATASET}.events_*`" in sent["query"] and "_TABLE_SUFFIX BETWEEN @first_day" in sent["query"]
    )
    assert [p["parameterValue"]["value"] for p in sent["queryParameters"]] == ["20261102", "20261104"]
    rows = recorded["jobs.query"]["rows"] + recorded["jobs.getQueryResults"]["rows"]
    purchases = [r["f"] for r in rows if r["f"][2]["v"] == "purchase"]
    assert len(touches) == len(rows) == int(recorded["jobs.query"]["totalRows"])
    assert touches[0].at == datetime.fromtimestamp(int(rows[0]["f"][1]["v"]) / 1e6, UTC)

    journeys = build_journeys(touches, PROVIDER)
    summary = store_journeys(warehouse, tasca.slug, journeys)
    recorded_revenue = round(sum(float(p[6]["v"]) for p in purchases), 2)
    assert (summary.conversions, summary.revenue) == (len(purchases), recorded_revenue) == (33, 5575.0)
    assert summary.journeys >= 50 and (summary.first_day, summary.last_day) == (
        date(2026, 11, 2),
        date(2026, 11, 3),
    )

    outcome = attribute(warehouse, tasca.slug, tasca)
    assert (outcome.conversions, round(outcome.revenue, 2)) == (33, 5575.0)
    assert {"markov_1", "markov_2", "markov_3", "shapley"} <= set(outcome.shares)
    assert {"google_ads", "meta_ads", "email", "organic_search"} <= set(outcome.shares["shapley"])
    balance = credit_balance(warehouse, tasca.slug)
    assert {"markov_1", "shapley"} <= set(balance) and max(balance.values()) < 1e-6


def test_a_bigquery_refusal_is_a_provider_error_and_a_bad_dataset_is_named():
    error = {
        "error": {
            "code": 403,
            "message": "Access Denied: Table kestrel-analytics:analytics_312345678.events_*: "
            "User does not have permission to query table",
            "status": "PERMISSION_DENIED",
            "errors": [{"message": "Access Denied", "domain": "global", "reason": "accessDenied"}],
        }
    }
    with responses.RequestsMock() as mock:
        mock.post(f"{BQ}/queries", json=error, status=403)
        with pytest.raises(ProviderError, match=r"ga4_bigquery: HTTP 403: .*Access Denied") as caught:
            export_touches(_client(), DATASET, date(2026, 11, 2), date(2026, 11, 4))
    assert caught.value.status == 403
    with pytest.raises(JourneyImportError, match=r"GA4_BIGQUERY_DATASET 'analytics_312345678' is not"):
        export_touches(_client(), "analytics_312345678", date(2026, 11, 2), date(2026, 11, 4))
    with pytest.raises(JourneyImportError, match="range 2026-11-04 .. 2026-11-02 is empty"):
        export_touches(_client(), DATASET, date(2026, 11, 4), date(2026, 11, 2))


def test_an_export_window_read_again_replaces_that_sources_journeys_in_it(warehouse, tmp_path):
    with responses.RequestsMock() as mock:
        _recorded_export(mock)
        touches = export_touches(_client(), DATASET, date(2026, 11, 2), date(2026, 11, 4), "EUR")
    journeys = build_journeys(touches, PROVIDER)
    ended_2nd = [j for j in journeys if j["day"] == date(2026, 11, 2)]
    assert 0 < len(ended_2nd) < len(journeys)
    path = _csv(tmp_path, "u1,2026-11-03T09:00:00Z,email,,0,,,\n")
    store_journeys(warehouse, "kestrel-cycles", build_journeys(read_touches(path), "import"))
    window = (PROVIDER, date(2026, 11, 2))
    store_journeys(warehouse, "kestrel-cycles", journeys, window)
    store_journeys(warehouse, "kestrel-cycles", journeys, window)
    assert warehouse.count(CustomerJourney, brand="kestrel-cycles", source=PROVIDER) == len(journeys)
    # The export read again from the 3rd holds no journey that ended then: those rows go, the
    # journeys that ended before the window and the file's journey stay.
    store_journeys(warehouse, "kestrel-cycles", ended_2nd, (PROVIDER, date(2026, 11, 3)))
    assert warehouse.count(CustomerJourney, brand="kestrel-cycles", source=PROVIDER) == len(ended_2nd)
    assert warehouse.count(CustomerJourney, brand="kestrel-cycles", source="import") == 1


def _channel_rows(warehouse, metric: str = "touches") -> dict[tuple, float]:
    """The brand's per-channel rows of one metric: (day, channel, source) -> value."""
    from sqlalchemy import select

    row = CampaignMetric
    query = select(row.day, row.platform, row.source, row.value).where(row.metric == metric)
    with warehouse.session() as session:
        return {(day, channel, source): value for day, channel, source, value in session.execute(query)}


def test_each_source_keeps_its_channel_rows_and_a_window_read_again_leaves_none_stale(warehouse, tmp_path):
    from marketing_engine.analytics import store
    from marketing_engine.analytics.touchpoints import channel_metric_rows, channel_total_rows

    brand, third, fourth = "kestrel-cycles", date(2026, 11, 3), date(2026, 11, 4)
    simulated = [{"channels": ["email", "email"], "converted": False, "revenue": 0.0, "source": "simulator"}]
    totals = channel_total_rows([{"channel": "email", "sessions": 9, "source": "ga4"}], brand, third)
    store.save_journeys(warehouse, [], channel_metric_rows(simulated, brand, third) + totals)
    store_journeys(
        warehouse,
        brand,
        build_journeys(read_touches(_csv(tmp_path, "f1,2026-11-03T08:00:00Z,email,,0,,,\n")), "import"),
    )
    export = "g0,2026-11-02T07:00:00Z,x,,0,,,\ng1,2026-11-03T09:00:00Z,email,,0,,,\ng2,2026-11-04T09:00:00Z,x,,0,,,\n"
    window = (PROVIDER, third)
    store_journeys(
        warehouse, brand, build_journeys(read_touches(_csv(tmp_path, export, "a.csv")), PROVIDER), window
    )
    # one day, one channel, one metric: the simulator's, the touch file's and the export's rows, each kept
    assert {k: v for k, v in _channel_rows(warehouse).items() if k[:2] == (third, "email")} == {
        (third, "email", "simulator"): 2.0,
        (third, "email", "import"): 1.0,
        (third, "email", PROVIDER): 1.0,
    }
    # The export read again from the 3rd: g1 now came by linkedin and g2 is gone from it. The export's
    # email row of the 3rd and x row of the 4th go; the other sources' rows, its own row of the 2nd
    # (before the window) and GA4's channel total stay.
    again = "g1,2026-11-03T09:00:00Z,linkedin,,0,,,\n"
    store_journeys(
        warehouse, brand, build_journeys(read_touches(_csv(tmp_path, again, "b.csv")), PROVIDER), window
    )
    store_journeys(
        warehouse, brand, build_journeys(read_touches(_csv(tmp_path, again, "b.csv")), PROVIDER), window
    )
    assert _channel_rows(warehouse) == {
        (date(2026, 11, 2), "x", PROVIDER): 1.0,
        (third, "email", "simulator"): 2.0,
        (third, "email", "import"): 1.0,
        (third, "linkedin", PROVIDER): 1.0,
    }
    assert fourth not in {day for day, _, _ in _channel_rows(warehouse, "journeys_reached")}
    assert _channel_rows(warehouse, "sessions") == {(third, "email", "ga4"): 9.0}
    # A day the loop measures again replaces that day's channel rows of the same source only.
    moved = [{**simulated[0], "channels": ["x"]}]
    store.save_journeys(warehouse, [], channel_metric_rows(moved, brand, third))
    assert {k: v for k, v in _channel_rows(warehouse).items() if k[2] == "simulator"} == {
        (third, "x", "simulator"): 1.0
    }
    assert len(_channel_rows(warehouse)) == 4 and _channel_rows(warehouse, "sessions")


def test_the_export_without_google_credentials_names_the_setting(tmp_path, monkeypatch):
    """GA4_BIGQUERY_DATASET set, no credentials anywhere (no key file, no gcloud login, not on Google
    Cloud): a setting to fix, named, not a provider failure retried three times."""
    from marketing_engine.analytics.ga4_export import bigquery_client

    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "no gcloud"))  # no user login either
    monkeypatch.setenv("NO_GCE_CHECK", "True")  # nor the metadata server of a Google VM
    with pytest.raises(JourneyImportError, match="set GOOGLE_APPLICATION_CREDENTIALS"):
        bigquery_client("kestrel-analytics")
