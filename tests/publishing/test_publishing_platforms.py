"""The platform registry: each platform's own counter, and violations that say which rule and by how much."""

from __future__ import annotations

import pytest

from marketing_engine.publishing.platforms import COUNTERS, PlatformError, fit, platform, registry, validate

FAMILY = "👨\u200d👩\u200d👧"  # one grapheme, five code points, eight UTF-16 units


def test_every_platform_lists_sources_and_known_counters() -> None:
    for spec in registry().values():
        assert spec.sources and all(s.startswith("https://") for s in spec.sources)
        assert all(rule.counter in COUNTERS for rule in spec.fields.values())
    assert platform("instagram").posts_per_24h == 50
    assert platform("threads").posts_per_24h == 250
    assert platform("tiktok").quotas["requests_per_window"] == {"limit": 6, "window_seconds": 60}


def test_x_counts_urls_as_23_and_emoji_as_2() -> None:
    url = "https://kestrelcycles.com/" + "a" * 100  # twitter-text only knows real TLDs
    assert COUNTERS["x_weighted"](f"Read {url}") == 5 + 23
    assert COUNTERS["x_weighted"]("😀") == 2
    text = "a" * 250 + " " + url  # 251 + 23 = 274: fits although it has 350+ characters
    assert len(text) > 280 and validate("x", {"text": text}) == []


def test_x_over_limit_names_rule_and_gap() -> None:
    [violation] = validate("x", {"text": "é" * 281})
    assert (violation.rule, violation.limit, violation.actual, violation.over_by) == (
        "max x_weighted",
        280,
        281,
        1,
    )
    assert str(violation) == "x.text: max x_weighted limit 280, has 281 (over by 1)"


def test_tiktok_counts_utf16_units() -> None:
    caption = "🚲" * 1101  # 1,101 code points but 2,202 UTF-16 units
    [violation] = [v for v in validate("tiktok", {"text": caption}) if v.field == "text"]
    assert (violation.rule, violation.actual, violation.over_by) == ("max utf16", 2202, 2)


def test_youtube_description_counts_bytes_and_refuses_angle_brackets() -> None:
    found = validate(
        "youtube", {"title": "Best <bike>", "text": "é" * 2501}, media=[{"kind": "video", "seconds": 30}]
    )
    rules = {(v.field, v.rule): v for v in found}
    assert rules[("text", "max bytes")].over_by == 2
    assert rules[("title", "forbidden characters")].actual == "<>"


def test_bluesky_counts_graphemes() -> None:
    assert COUNTERS["graphemes"](FAMILY) == 1
    assert validate("bluesky", {"text": FAMILY * 300}) == []
    [violation] = validate("bluesky", {"text": FAMILY * 301})
    assert violation.rule == "max graphemes" and violation.over_by == 1


def test_instagram_hashtags_media_and_aspect() -> None:
    found = validate(
        "instagram",
        {"text": "#a #b #c #d #e #f #g"},
        media=[{"kind": "video", "seconds": 2, "aspect": "16:9"}],
    )
    rules = {v.rule: v for v in found}
    assert rules["max hashtags"].over_by == 2
    assert rules["min video seconds"].limit == 3
    assert rules["aspect ratio"].actual == "16:9"
    assert validate("instagram", {"text": "hi"})[0].rule == "media required"


def test_threads_reddit_and_unknown_fields() -> None:
    assert validate("threads", {"text": "x" * 501})[0].over_by == 1
    rules = {v.rule for v in validate("reddit", {"title": "t" * 301, "text": "body", "bogus": "1"})}
    assert {"max chars", "required", "unknown field"} <= rules  # community missing, title too long


def test_thread_parts_are_checked_one_by_one() -> None:
    found = validate("x", {"text": "hello"}, parts=["fine", "y" * 290])
    assert len(found) == 1 and found[0].part == 2 and found[0].over_by == 10


def test_fit_shortens_at_a_word_boundary_with_the_platform_counter() -> None:
    long = ("Electric bikes make commuting cheaper " * 20).strip()
    fitted = fit(long, "x")
    assert COUNTERS["x_weighted"](fitted) <= 280 and fitted.endswith("…") and not fitted.endswith(" …")
    assert fit("short", "x") == "short"
    assert "<" not in fit("a <b> c", "youtube", "title")
    assert COUNTERS["utf16"](fit("🚲" * 3000, "tiktok")) <= 2200


def test_unknown_platform_is_named() -> None:
    with pytest.raises(PlatformError, match="unknown platform 'myspace'"):
        platform("myspace")
