"""The offline replay: each brand's own topics, generated from seeds in their text; deterministic,
injectable, in the audience's language, and its top spiking topic is always one of the brand's."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import date, timedelta

import numpy as np
import pytest
from dagster import DagsterInstance, materialize
from sqlalchemy import select
from vocabulary import EXAMPLE_FILES

from marketing_engine.assets.trends import trend_opportunities, trend_signals, trend_snapshots
from marketing_engine.brand import load_brand
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.trend_sources import InjectedSpikeConfig, TrendSourcesResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.trends.readings import SOURCES, FetchRequest
from marketing_engine.trends.replay import InjectedSpike, ReplaySource, fill_title
from marketing_engine.trends.replay_data import REPLAY_DAYS, normalize_topic, topic_panel, topic_seed
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import TrendData, TrendOpportunity
from marketing_engine.wording import frames

DAY = date(2026, 3, 20)
TOPICS = ("cargo e-bike", "agency time tracking", "polvo à lagareiro")


def test_topic_seed_is_a_stable_hash_of_the_text_not_pythons_salted_hash():
    expected = int.from_bytes(hashlib.sha256("polvo à lagareiro".encode()).digest()[:8], "big")
    assert topic_seed("Polvo  À Lagareiro") == topic_seed("polvo à lagareiro") == expected
    script = "from marketing_engine.trends.replay_data import topic_seed; print(topic_seed('cargo e-bike'))"
    seen = {
        subprocess.run(
            [sys.executable, "-c", script],
            check=True,
            capture_output=True,
            text=True,
            env={"PYTHONHASHSEED": seed},
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert seen == {str(topic_seed("cargo e-bike"))}


def test_each_topic_has_its_own_history_whatever_else_is_asked():
    alone = topic_panel(TOPICS[:1])
    together = topic_panel((*TOPICS, "something else entirely"))
    assert np.array_equal(alone.clean[0], together.clean[0])
    assert together.clean.shape == (4, REPLAY_DAYS) and (together.clean > 0).all()
    assert not np.allclose(together.clean[1], together.clean[2])
    # Ground truth to score detectors against: spikes on every source, blips on one source each.
    assert len(together.spikes) >= 4 and set(together.spikes[:, 0].astype(int)) <= {0, 1, 2, 3}
    assert len(together.blips) >= 4 and set(together.blips[:, 3].astype(int)) <= set(range(len(SOURCES)))


def test_series_have_a_weekly_rhythm():
    panel = topic_panel([f"topic number {i}" for i in range(40)], days=364)
    logs = np.log(panel.clean).reshape(40, 52, 7)
    weekday_profile = (logs - logs.mean(axis=2, keepdims=True)).mean(axis=1)  # (topics, weekday)
    shuffled = np.random.default_rng(0).permuted(logs.reshape(40, -1), axis=1).reshape(40, 52, 7)
    shuffled_profile = (shuffled - shuffled.mean(axis=2, keepdims=True)).mean(axis=1)
    assert weekday_profile.std(axis=1).mean() > 2 * shuffled_profile.std(axis=1).mean()


def test_replay_is_deterministic_and_takes_an_injected_spike():
    request = FetchRequest(day=DAY, topics=TOPICS[:1], related=("Cargo E-bike", "a related keyword"))
    first = ReplaySource("x").fetch(request)
    assert first == ReplaySource("x").fetch(request)
    assert [r.topic for r in first] == [
        "cargo e-bike",
        "a related keyword",
    ]  # one row per topic, however spelt
    plain = {r.topic: r.interest for r in first}
    spiked = {
        r.topic: r.interest
        for r in ReplaySource("x", (InjectedSpike("cargo e-bike", DAY, 4.0),)).fetch(request)
    }
    assert abs(spiked["cargo e-bike"] / plain["cargo e-bike"] - 3.1) < 0.01  # day 0: 1 + (4 − 1) × 0.7
    assert spiked["a related keyword"] == plain["a related keyword"]


def test_a_spike_without_a_topic_lands_on_the_first_topic_asked():
    request = FetchRequest(day=DAY + timedelta(days=1), topics=TOPICS[2:], related=TOPICS[:2])
    plain = {r.topic: r.interest for r in ReplaySource("google_trends").fetch(request)}
    demo = ReplaySource("google_trends", (InjectedSpike(None, DAY, 5.0),))
    spiked = {r.topic: r.interest for r in demo.fetch(request)}
    assert spiked["polvo à lagareiro"] / plain["polvo à lagareiro"] == pytest.approx(5.0)  # day 1: the peak
    assert [spiked[t] for t in TOPICS[:2]] == [plain[t] for t in TOPICS[:2]]


@pytest.mark.parametrize("language", ["en", "pt"])
def test_offline_items_are_about_the_topic_in_the_audiences_language(language):
    topic = "polvo à lagareiro"
    found = {"news": [], "reddit": [], "youtube": []}
    spike = (InjectedSpike(topic, DAY, 6.0),)
    for offset in range(-20, 3):
        request = FetchRequest(day=DAY + timedelta(days=offset), topics=(topic,), language=language)
        for source, days in found.items():
            raw = ReplaySource(source, spike).fetch(request)[0].raw
            titles = [h["title"] for h in raw.get("headlines", [])] + [
                p["title"] for p in raw.get("posts", [])
            ]
            days.append(titles + raw.get("titles", []))
    for source, days in found.items():
        own = {fill_title(frame, topic) for frame in frames("trends", language)[f"{source}_titles"]}
        other = {
            fill_title(frame, topic)
            for frame in frames("trends", "pt" if language == "en" else "en")[f"{source}_titles"]
        }
        titles = {t for day in days for t in day}
        assert titles and titles <= own and not titles & other, source
        # More is written about the topic while it spikes than on an ordinary day.
        assert np.mean([len(d) for d in days[-3:]]) > np.mean([len(d) for d in days[:20]]), source
    news = ReplaySource("news", spike).fetch(FetchRequest(day=DAY + timedelta(days=1), topics=(topic,)))
    assert (
        news[0].raw["headlines"][0]["link"].startswith("https://news.example/2026-03-21/polvo-a-lagareiro-")
    )


def test_rising_searches_are_the_brands_related_topics_that_grew():
    request = FetchRequest(
        day=DAY, topics=("cargo e-bike",), related=("cargo e-bike prices", "cargo trailer")
    )
    spike = (InjectedSpike("cargo e-bike prices", DAY, 5.0),)
    rising = ReplaySource("google_trends", spike).fetch(request)[0].raw["rising"]
    assert rising[0]["query"] == "cargo e-bike prices" and rising[0]["growth"] > 100
    assert {r["query"] for r in rising} <= {"cargo e-bike prices", "cargo trailer"}


@pytest.mark.parametrize("warehouse_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("brand_file", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_the_top_spiking_topic_is_one_of_the_brands_own(brand_file, warehouse_url):
    profile = load_brand(brand_file)
    as_of = date(2026, 11, 29)
    demo = InjectedSpikeConfig(start=(as_of - timedelta(days=2)).isoformat(), multiplier=5.0)
    resources = {
        "brand": BrandResource(path=str(brand_file)),
        "warehouse": WarehouseResource(url=warehouse_url),
        "media_store": MediaStoreResource(),
        "trend_sources": TrendSourcesResource(injected_spikes=[demo]),
    }
    instance = DagsterInstance.ephemeral()
    first = as_of - timedelta(days=29)
    tags = {
        "dagster/asset_partition_range_start": first.isoformat(),
        "dagster/asset_partition_range_end": as_of.isoformat(),
    }
    assert materialize([trend_snapshots], resources=resources, instance=instance, tags=tags).success
    assert materialize([trend_signals, trend_opportunities], resources=resources, instance=instance).success
    warehouse = Warehouse(warehouse_url)
    own = {normalize_topic(t) for t in [*profile.seed_topics, *(p.name for p in profile.products)]}
    with warehouse.session() as session:
        seen = {normalize_topic(t) for t in session.scalars(select(TrendData.topic).distinct())}
        ranked = session.scalars(select(TrendOpportunity).order_by(TrendOpportunity.rank)).all()
    warehouse.dispose()
    assert seen == own  # the replay watches the brand's topics and products, nothing else
    assert ranked and normalize_topic(ranked[0].topic) in own
    assert ranked[0].spike_score >= profile.trends.spike_threshold
