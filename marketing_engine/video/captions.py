"""Captions timed from the voice's own word timings against the known script (no transcription):
ASS with the spoken word highlighted (rendered by libass in the encode), plus SRT and VTT sidecars.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pysubs2
from pysubs2.formats.substation import color_to_ass_rgba

from marketing_engine.video.library import Rendition


@dataclass(frozen=True)
class TimedWord:
    word: str
    start: float
    end: float
    sentence_end: bool = False


@dataclass(frozen=True)
class CaptionPage:
    words: tuple[TimedWord, ...]

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def text(self) -> str:
        return " ".join(w.word for w in self.words)


@dataclass(frozen=True)
class CaptionLayout:
    """Where the caption block sits in the frame (pixels), for the safe-zone gate."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    font_size: int

    def as_dict(self) -> dict:
        return asdict(self)


def paginate(words: list[TimedWord], per_page: int = 3) -> list[tuple[CaptionPage, float]]:
    """Short pages (a sentence end closes a page) and each page's end time."""
    pages: list[list[TimedWord]] = [[]]
    for word in words:
        pages[-1].append(word)
        if len(pages[-1]) >= per_page or word.sentence_end:
            pages.append([])
    built = [CaptionPage(tuple(page)) for page in pages if page]
    timed = []
    for index, page in enumerate(built):
        following = built[index + 1].start if index + 1 < len(built) else page.words[-1].end + 0.4
        timed.append((page, round(min(following, page.words[-1].end + 0.6), 3)))
    return timed


def layout(rendition: Rendition) -> CaptionLayout:
    font_size = round(min(rendition.width, rendition.height) * 0.075)
    zone = rendition.safe_zone
    bottom = rendition.height - zone["bottom"] - round(rendition.height * 0.03)
    return CaptionLayout(
        width=rendition.width,
        height=rendition.height,
        left=zone["left"] + 20,
        right=rendition.width - zone["right"] - 20,
        top=bottom - round(font_size * 2.6),  # room for two lines
        bottom=bottom,
        font_size=font_size,
    )


def _colour(hex_colour: str, alpha: int = 0) -> pysubs2.Color:
    """A palette colour ("#rrggbb") as pysubs2 keeps it; ASS alpha runs from 0 (opaque) to 255."""
    return pysubs2.Color(*bytes.fromhex(hex_colour[1:7]), alpha)


def _escape(text: str) -> str:
    """A word as ASS text: backslashes and braces would start override tags."""
    return text.replace("\\", "＼").replace("{", "(").replace("}", ")")


def _subtitles(pages: list[tuple[CaptionPage, float]]) -> pysubs2.SSAFile:
    """One plain event per page, for the SRT and VTT sidecars (the words as the burned-in captions show them)."""
    subs = pysubs2.SSAFile()
    for page, end in pages:
        event = pysubs2.SSAEvent(start=round(page.start * 1000), end=round(end * 1000))
        event.plaintext = _escape(page.text)
        subs.append(event)
    return subs


def word_events(
    pages: list[tuple[CaptionPage, float]], box: CaptionLayout, accent: str, plain: str
) -> list[tuple[float, float, str]]:
    """(start, end, ASS text) per spoken word: the page's text with that word in the `accent` colour,
    slightly larger, and the rest in `plain` (both ASS colour codes)."""
    events = []
    for page, page_end in pages:
        # A single long word (a domain name) cannot wrap: shrink the page so it stays in the box.
        longest = max(len(w.word) for w in page.words)
        size = min(box.font_size, int((box.right - box.left) / (0.68 * longest)))
        prefix = f"{{\\fs{size}}}" if size < box.font_size else ""
        for index, word in enumerate(page.words):
            end = page.words[index + 1].start if index + 1 < len(page.words) else page_end
            parts = [
                f"{{\\c{accent}\\fscx110\\fscy110}}{_escape(w.word.upper())}{{\\c{plain}\\fscx100\\fscy100}}"
                if i == index
                else _escape(w.word.upper())
                for i, w in enumerate(page.words)
            ]
            events.append((word.start, end, prefix + " ".join(parts)))
    return events


def to_ass(
    pages: list[tuple[CaptionPage, float]], box: CaptionLayout, palette: dict[str, str], font: str
) -> str:
    """One event per spoken word: the page's text with the current word in the accent colour."""
    subs = pysubs2.SSAFile()
    subs.info.update(
        {"PlayResX": str(box.width), "PlayResY": str(box.height), "WrapStyle": "0", "YCbCr Matrix": "TV.709"}
    )
    white = _colour("#ffffff")
    subs.styles = {
        "Caption": pysubs2.SSAStyle(
            fontname=font,
            fontsize=box.font_size,
            primarycolor=white,
            secondarycolor=white,
            outlinecolor=_colour(palette["text"]),
            backcolor=_colour("#000000", 0x80),
            bold=True,
            spacing=1,
            outline=max(3, box.font_size // 14),
            shadow=max(2, box.font_size // 24),
            alignment=pysubs2.Alignment.BOTTOM_CENTER,
            marginl=box.left,
            marginr=box.width - box.right,
            marginv=box.height - box.bottom,
            encoding=1,
        )
    }
    accent, plain = color_to_ass_rgba(_colour(palette["accent"])), f"{color_to_ass_rgba(white)}&"
    for start, end, text in word_events(pages, box, accent, plain):
        subs.append(
            pysubs2.SSAEvent(start=round(start * 1000), end=round(end * 1000), style="Caption", text=text)
        )
    return subs.to_string("ass", header_notice="")


def to_srt(pages: list[tuple[CaptionPage, float]]) -> str:
    return _subtitles(pages).to_string("srt")


def to_vtt(pages: list[tuple[CaptionPage, float]]) -> str:
    return _subtitles(pages).to_string("vtt")
