from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from marketing_engine.warehouse import Warehouse, WarehouseError, upsert
from marketing_engine.warehouse.db import alembic_config, normalize_url
from marketing_engine.warehouse.models import Base, Campaign, Keyword, TrendData


def test_migrations_build_exactly_the_models(warehouse: Warehouse):
    """Alembic's `upgrade head` and the SQLAlchemy models describe the same schema."""
    with warehouse.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
        tables = set(inspect(connection).get_table_names())
    assert diff == []
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    for required in (
        "keywords",
        "programmatic_pages",
        "social_posts",
        "influencers",
        "communities",
        "video_dna",
    ):
        assert required in tables


def test_every_migration_branch_starts_from_the_foundation():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    bases = script.get_bases()
    assert bases == ["0001"]
    for head in script.get_heads():
        chain = [rev.revision for rev in script.iterate_revisions(head, "base")]
        assert chain[-1] == "0001"


def test_the_migrations_have_one_head_that_reaches_every_revision():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    heads = script.get_heads()
    assert len(heads) == 1, f"several heads {heads}: revise the current head, or add a merge revision"
    reached = {rev.revision for rev in script.iterate_revisions(heads[0], "base")}
    assert reached == {rev.revision for rev in script.walk_revisions()}


def _campaign(slug: str, name: str) -> dict:
    return {
        "brand": "b",
        "slug": slug,
        "name": name,
        "product": "p",
        "channel": "x",
        "objective": "sales",
        "utm_campaign": slug,
    }


def test_upsert_inserts_then_updates_on_the_natural_key(warehouse: Warehouse):
    with warehouse.session() as session:
        assert (
            upsert(session, Campaign, [_campaign("a", "first"), _campaign("b", "B")], keys=["brand", "slug"])
            == 2
        )
    with warehouse.session() as session:
        upsert(session, Campaign, [_campaign("a", "renamed")], keys=["brand", "slug"])
    with warehouse.session() as session:
        names = dict(session.execute(select(Campaign.slug, Campaign.name)).all())
    assert names == {"a": "renamed", "b": "B"}
    assert warehouse.count(Campaign) == 2
    assert warehouse.count(Campaign, slug="a") == 1


def test_upsert_many_rows_in_chunks_and_nothing_when_empty(warehouse: Warehouse):
    rows = [
        {
            "brand": "b",
            "day": date(2026, 1, 1 + i % 28),
            "source": "replay",
            "topic": f"t{i // 28}",
            "interest": float(i),
            "provenance": "simulator",
        }
        for i in range(1200)
    ]
    with warehouse.session() as session:
        assert upsert(session, TrendData, rows, keys=["brand", "day", "source", "topic"], chunk=250) == 1200
        assert upsert(session, TrendData, [], keys=["brand", "day", "source", "topic"]) == 0
    with warehouse.session() as session:
        upsert(session, TrendData, rows[:10], keys=["brand", "day", "source", "topic"], update=[])
    assert warehouse.count(TrendData) == 1200


def test_datetimes_come_back_aware_in_utc_on_every_backend(warehouse: Warehouse):
    """UTCDateTime: an instant written in any zone (or naive, taken as UTC) reads back as that
    instant, aware, in UTC — SQLite keeps no zone and PostgreSQL answers in the session's."""
    lisbon_summer = datetime(2026, 7, 1, 14, 30, tzinfo=timezone(timedelta(hours=1)))
    with warehouse.session() as session:
        session.add(Campaign(**_campaign("z", "zoned"), created_at=lisbon_summer))
        session.add(Campaign(**_campaign("n", "naive"), created_at=datetime(2026, 7, 1, 13, 30)))
    with warehouse.session() as session:
        stamps = dict(session.execute(select(Campaign.slug, Campaign.created_at)).all())
        later = session.scalars(
            select(Campaign.slug).where(Campaign.created_at >= datetime(2026, 7, 1, 13, 30, tzinfo=UTC))
        ).all()
    assert stamps["z"] == stamps["n"] == datetime(2026, 7, 1, 13, 30, tzinfo=UTC)
    assert all(stamp.tzinfo is UTC for stamp in stamps.values())
    assert sorted(later) == ["n", "z"]


def test_failed_session_rolls_back(warehouse: Warehouse):
    with pytest.raises(RuntimeError), warehouse.session() as session:
        session.add(Keyword(brand="b", text="x", normalized="x", seed="x", intent="informational"))
        session.flush()
        raise RuntimeError("boom")
    assert warehouse.count(Keyword) == 0


def test_table_counts_lists_every_table(warehouse: Warehouse):
    counts = warehouse.table_counts()
    assert set(counts) == {t.name for t in Base.metadata.sorted_tables}
    assert all(v == 0 for v in counts.values())


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("postgres://u:p@h:5/db", "postgresql+psycopg2://u:p@h:5/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_urls_are_normalized_to_installed_drivers(url, expected):
    assert normalize_url(url) == expected


@pytest.mark.parametrize("url", ["not a url", "mysql://u@h/db", "postgresql+psycopg://u@h/db"])
def test_unusable_urls_are_refused_by_name(url):
    with pytest.raises(WarehouseError, match="warehouse URL"):
        normalize_url(url)


def test_unreachable_database_is_a_clear_error():
    warehouse = Warehouse("postgresql+psycopg2://postgres@127.0.0.1:1/nowhere")
    with pytest.raises(WarehouseError, match="cannot reach the warehouse"):
        _ = warehouse.engine


def test_prod_refuses_simulated_measured_rows_and_local_keeps_them(warehouse: Warehouse, monkeypatch):
    from marketing_engine.provenance import SimulatedDataRefused

    row = {"brand": "b", "day": date(2026, 1, 1), "source": "x", "topic": "t", "interest": 1.0}
    keys = ["brand", "day", "source", "topic"]
    monkeypatch.setenv("MARKETING_ENGINE_ENV", "prod")
    for bad, why in (({"provenance": "simulator"}, "1 simulated of 1"), ({}, "1 without a 'provenance'")):
        with (
            pytest.raises(SimulatedDataRefused, match=f"trend_data: refused {why}"),
            warehouse.session() as s,
        ):
            upsert(s, TrendData, [{**row, **bad}], keys=keys)
    with warehouse.session() as session:  # measured by an API, or a table that is not measured
        upsert(session, TrendData, [{**row, "provenance": "api"}], keys=keys)
        upsert(session, Campaign, [_campaign("c", "checked")], keys=["brand", "slug"])
    with (
        pytest.raises(SimulatedDataRefused, match="trend_data: refused 1 simulated"),
        warehouse.session() as s,
    ):
        s.add(TrendData(**{**row, "topic": "orm", "provenance": "simulator"}))  # no path slips past it
    monkeypatch.setenv("MARKETING_ENGINE_ENV", "local")
    with warehouse.session() as session:
        upsert(session, TrendData, [{**row, "topic": "u", "provenance": "simulator"}], keys=keys)
        session.add(TrendData(**{**row, "topic": "orm", "provenance": "simulator"}))
    assert warehouse.count(TrendData) == 3
