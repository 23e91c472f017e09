from __future__ import annotations

import pytest

from marketing_engine.brand import parse_brand
from marketing_engine.video.dna import VideoDNAError, find_font, video_dna
from marketing_engine.video.library import rendition, spec_table
from marketing_engine.video.metadata import hashtags, platform_metadata
from marketing_engine.video.timeline import TimelineError, segments


def test_metadata_stays_within_each_platforms_limits(example_brand, short_script):
    long_cta = short_script.model_copy(update={"cta": "Visit us. " * 60})
    entries = platform_metadata(example_brand, long_cta, ["vertical", "landscape"])
    assert set(entries) == {"tiktok", "instagram", "youtube", "linkedin", "x"}
    limits = spec_table()["metadata_limits"]
    for platform, entry in entries.items():
        assert len(entry["description"]) <= limits[platform]["description"], platform
        assert len(entry["hashtags"]) <= limits[platform]["hashtags"]
        assert len(entry["title"]) <= limits[platform]["title"]
        assert entry["hashtags"][0] == "#EBikeBatteryCare"
    assert entries["x"]["description"].endswith("#EBikeBatteryCare #KestrelCycles")
    assert entries["tiktok"]["rendition"] == "vertical" and entries["linkedin"]["rendition"] == "landscape"
    assert entries["youtube"]["title"] == short_script.hook_on_screen


def test_hashtags_are_unique_camel_case(example_brand, short_script):
    tags = hashtags(example_brand, short_script, 30)
    assert len(tags) == len({t.lower() for t in tags}) and all(
        t.startswith("#") and " " not in t for t in tags
    )


def test_dna_names_a_missing_font_or_logo(example_brand):
    with pytest.raises(VideoDNAError, match="no font file for 'Comic Nonexistent'"):
        find_font("Comic Nonexistent")
    data = example_brand.model_dump(mode="json")
    data["visual_identity"]["logo"] = "/nowhere/logo.png"
    with pytest.raises(VideoDNAError, match="visual_identity.logo: /nowhere/logo.png does not exist"):
        video_dna(parse_brand(data))


def test_dna_fingerprint_changes_with_the_identity(example_brand):
    data = example_brand.model_dump(mode="json")
    data["visual_identity"]["music_mood"] = "calm"
    assert video_dna(parse_brand(data)).fingerprint != video_dna(example_brand).fingerprint
    assert video_dna(example_brand).fingerprint == video_dna(example_brand).fingerprint


def test_voice_that_overruns_the_video_is_refused(short_script):
    words = [{"word": "x", "start": 14.9, "end": 15.5, "char_start": 0}]
    with pytest.raises(TimelineError, match="runs 15.8 s"):
        segments(short_script, words, 15.0, 0.3)
    with pytest.raises(TimelineError, match="no word timings"):
        segments(short_script, [], 15.0, 0.3)
    with pytest.raises(KeyError, match="unknown rendition 'cinema'"):
        rendition("cinema")


def _tasca():
    from vocabulary import examples

    return next(p for p in examples() if p.language == "pt")


def test_cards_keep_accents_and_drop_only_the_emoji_the_font_cannot_draw():
    from marketing_engine.video.visuals import drawable, end_card, headline_card

    dna = video_dna(_tasca())
    assert "🐙" in dna.tagline
    assert drawable(dna.tagline, dna.font_file) == dna.tagline.replace(" 🐙", "")
    assert drawable("Conceição ❤️ 👍🏽", find_font("DejaVu Sans", bold=True)) == "Conceição ❤"  # Sans has ❤
    card = end_card(dna, "Veja Polvo à Lagareiro 🐙", 900, 80)
    assert card.width == 900 and card.getbbox() is not None
    assert headline_card(dna, "Preço", "Bacalhau à Brás 🐙", 900, 90).height > 90


def test_hashtags_keep_letters_of_any_script(short_script):
    profile = _tasca()
    script = short_script.model_copy(update={"topic": "polvo à lagareiro"})
    tags = hashtags(profile, script, 5, "instagram")
    assert tags[:2] == ["#PolvoÀLagareiro", "#TascaDaConceição"]
    entries = platform_metadata(profile, script, ["vertical"])
    assert "#PolvoÀLagareiro" in entries["tiktok"]["description"]
