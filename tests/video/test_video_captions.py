from __future__ import annotations

import pytest

from marketing_engine.video.captions import TimedWord, layout, paginate, to_ass, to_srt, to_vtt
from marketing_engine.video.gates import check_caption_box
from marketing_engine.video.library import rendition, spec_table

WORDS = [
    TimedWord("Stop", 0.3, 0.6),
    TimedWord("scrolling", 0.6, 1.2, True),
    TimedWord("Your", 1.4, 1.6),
    TimedWord("commute", 1.6, 2.0),
    TimedWord("could", 2.0, 2.2),
    TimedWord("cost", 2.2, 2.6, True),
]


def test_pages_break_at_sentences_and_page_size():
    pages = paginate(WORDS, per_page=3)
    assert [page.text for page, _ in pages] == ["Stop scrolling", "Your commute could", "cost"]
    assert pages[0][1] == 1.4  # a page lasts until the next one starts
    assert pages[-1][1] == pytest.approx(3.0)


def test_ass_highlights_each_spoken_word_in_the_accent_colour(dna):
    box = layout(rendition("vertical"))
    ass = to_ass(paginate(WORDS), box, dna.palette, dna.font_name)
    events = [line for line in ass.splitlines() if line.startswith("Dialogue:")]
    assert len(events) == len(WORDS)
    accent = dna.palette["accent"]  # #fb8b24 -> &H0024 8B FB in ASS's BGR order
    assert f"\\c&H00{accent[5:7]}{accent[3:5]}{accent[1:3]}".upper() in events[0].upper()
    assert events[0].startswith("Dialogue: 0,0:00:00.30,0:00:00.60,Caption")
    assert "{\\c&H00FFFFFF&\\fscx100\\fscy100} SCROLLING" in events[0] and "PlayResY: 1920" in ass
    assert "MarginV" in ass and f",{1920 - box.bottom}," in ass


def test_srt_and_vtt_sidecars():
    pages = paginate(WORDS)
    srt, vtt = to_srt(pages), to_vtt(pages)
    assert srt.startswith("1\n00:00:00,300 --> 00:00:01,400\nStop scrolling\n")
    assert vtt.startswith("WEBVTT\n\n1\n00:00:00.300 --> 00:00:01.400\nStop scrolling\n")  # numbered cues
    assert srt.count("-->") == vtt.count("-->") == 3


@pytest.mark.parametrize("name", list(spec_table()["renditions"]))
def test_caption_block_sits_inside_every_renditions_safe_zone(name):
    spec = rendition(name)
    assert check_caption_box(layout(spec).as_dict(), spec) == []


def test_caption_block_outside_the_safe_zone_is_named():
    spec = rendition("vertical")
    box = {**layout(spec).as_dict(), "bottom": 1900}
    assert check_caption_box(box, spec) == ["captions cross the bottom safe-zone edge (420 px)"]


def test_accents_and_emoji_survive_every_caption_format(dna):
    words = [TimedWord("Invisíveis", 0.0, 0.5), TimedWord("ação", 0.5, 0.9), TimedWord("🚲", 0.9, 1.2, True)]
    pages = paginate(words)
    ass = to_ass(pages, layout(rendition("vertical")), dna.palette, dna.font_name)
    assert "INVISÍVEIS" in ass and "AÇÃO" in ass and "🚲" in ass
    assert "\nInvisíveis ação 🚲\n" in to_srt(pages) and "\nInvisíveis ação 🚲\n" in to_vtt(pages)
