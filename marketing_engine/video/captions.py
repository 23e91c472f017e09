"""Captions timed from the voice's own word timings against the known script (no transcription):
ASS with the spoken word highlighted (rendered by libass in the encode), plus SRT and VTT sidecars.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

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


def _ass_colour(hex_colour: str, alpha: int = 0) -> str:
    red, green, blue = hex_colour[1:3], hex_colour[3:5], hex_colour[5:7]
    return f"&H{alpha:02X}{blue}{green}{red}".upper()


def _ass_time(seconds: float) -> str:
    centis = round(seconds * 100)
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    return f"{hours}:{minutes:02d}:{rest // 100:02d}.{rest % 100:02d}"


def _escape(text: str) -> str:
    return text.replace("\\", "＼").replace("{", "(").replace("}", ")")


def to_ass(
    pages: list[tuple[CaptionPage, float]], box: CaptionLayout, palette: dict[str, str], font: str
) -> str:
    """One event per spoken word: the page's text with the current word in the accent colour."""
    margin_v = box.height - box.bottom
    header = [
        "[Script Info]",
        "ScriptType: v4.00+",
        f"PlayResX: {box.width}",
        f"PlayResY: {box.height}",
        "WrapStyle: 0",
        "ScaledBorderAndShadow: yes",
        "YCbCr Matrix: TV.709",
        "",
        "[V4+ Styles]",
        (
            "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
            "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, "
            "Alignment, MarginL, MarginR, MarginV, Encoding"
        ),
        (
            f"Style: Caption,{font},{box.font_size},&H00FFFFFF,&H00FFFFFF,{_ass_colour(palette['text'])},"
            f"{_ass_colour('#000000', 0x80)},-1,0,0,0,100,100,1,0,1,{max(3, box.font_size // 14)},"
            f"{max(2, box.font_size // 24)},2,{box.left},{box.width - box.right},{margin_v},1"
        ),
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    accent = _ass_colour(palette["accent"])
    events = []
    for page, page_end in pages:
        # A single long word (a domain name) cannot wrap: shrink the page so it stays in the box.
        longest = max(len(w.word) for w in page.words)
        size = min(box.font_size, int((box.right - box.left) / (0.68 * longest)))
        prefix = f"{{\\fs{size}}}" if size < box.font_size else ""
        for index, word in enumerate(page.words):
            end = page.words[index + 1].start if index + 1 < len(page.words) else page_end
            parts = [
                f"{{\\c{accent}\\fscx110\\fscy110}}{_escape(w.word.upper())}{{\\c&H00FFFFFF&\\fscx100\\fscy100}}"
                if i == index
                else _escape(w.word.upper())
                for i, w in enumerate(page.words)
            ]
            events.append(
                f"Dialogue: 0,{_ass_time(word.start)},{_ass_time(end)},Caption,,0,0,0,,{prefix}{' '.join(parts)}"
            )
    return "\n".join(header + events) + "\n"


def _clock(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}{separator}{rest % 1000:03d}"


def to_srt(pages: list[tuple[CaptionPage, float]]) -> str:
    blocks = [
        f"{index}\n{_clock(page.start, ',')} --> {_clock(end, ',')}\n{page.text}\n"
        for index, (page, end) in enumerate(pages, start=1)
    ]
    return "\n".join(blocks)


def to_vtt(pages: list[tuple[CaptionPage, float]]) -> str:
    blocks = [f"{_clock(page.start, '.')} --> {_clock(end, '.')}\n{page.text}\n" for page, end in pages]
    return "WEBVTT\n\n" + "\n".join(blocks)
