"""The shipped replay data: reproducible from its seeded script, small, deterministic, injectable."""

from __future__ import annotations

from datetime import date

import numpy as np

from marketing_engine.trends.readings import FetchRequest
from marketing_engine.trends.replay import InjectedSpike, ReplaySource, rss_headlines
from marketing_engine.trends.replay_data import REPLAY_FILE, TOPICS, build_replay_file, load_replay_file

DAY = date(2026, 3, 20)


def test_shipped_file_is_what_the_seeded_script_builds(tmp_path):
    assert REPLAY_FILE.stat().st_size < 2_000_000
    rebuilt, shipped = load_replay_file(build_replay_file(tmp_path / "replay.npz")), load_replay_file()
    assert np.array_equal(rebuilt.clean, shipped.clean) and np.array_equal(rebuilt.spikes, shipped.spikes)
    assert shipped.topics == TOPICS and len(TOPICS) >= 50 and shipped.days >= 365
    assert len(shipped.spikes) > 50 and len(shipped.blips) > 50


def test_replay_is_deterministic_and_takes_an_injected_spike():
    request = FetchRequest(day=DAY, topics=("cargo e-bike", "a topic nobody ships"))
    first = ReplaySource("x").fetch(request)
    assert first == ReplaySource("x").fetch(request)
    assert {r.topic for r in first} >= set(TOPICS) | {"a topic nobody ships"}
    plain = {r.topic: r.interest for r in first}
    spiked = {
        r.topic: r.interest
        for r in ReplaySource("x", (InjectedSpike("cargo e-bike", DAY, 4.0),)).fetch(request)
    }
    assert abs(spiked["cargo e-bike"] / plain["cargo e-bike"] - 3.1) < 0.01  # day 0: 1 + (4 − 1) × 0.7
    assert spiked["air fryer recipes"] == plain["air fryer recipes"]


def test_news_replay_quotes_local_rss_headlines():
    assert rss_headlines(["cargo e-bike"])["cargo e-bike"][0]["title"].startswith("Cargo e-bike sales double")
    news = {
        r.topic: r for r in ReplaySource("news").fetch(FetchRequest(day=DAY, topics=("e-bike tax credit",)))
    }
    assert news["e-bike tax credit"].raw["headlines"]
