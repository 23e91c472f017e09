"""Offline motion graphics from the video DNA: a drifting brand gradient, kinetic headline cards
that slide in on each beat, colour wipes between beats, a progress bar and an end card.

Each layer is one still PNG (drawn here with Pillow) plus ffmpeg overlay expressions that move it;
the renderer composes them all in the single encode, so nothing is encoded twice.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from marketing_engine.video.captions import layout
from marketing_engine.video.dna import VideoDNA
from marketing_engine.video.library import Rendition

SLIDE_IN = 0.45
WIPE = 0.4


@dataclass(frozen=True)
class Segment:
    kind: str  # hook | beat | cta
    label: str
    text: str
    start: float
    end: float
    b_roll: str = ""
    word_starts: tuple[float, ...] = ()  # when each on-screen word is spoken (the hook's kinetic text)


@dataclass(frozen=True)
class Layer:
    """A still image moved by ffmpeg overlay expressions between `start` and `end` seconds."""

    name: str
    file: str
    start: float
    end: float
    x: str
    y: str


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def background(dna: VideoDNA, width: int, height: int, seed: int) -> Image.Image:
    """A soft 'aurora' gradient: the primary colour, deepened, with blurred secondary/accent glows.

    A round Gaussian glow is the product of one curve across and one down, so each glow costs two
    short exponentials and one multiplication per pixel instead of an exponential per pixel."""
    rng = np.random.default_rng(seed)
    ys, xs = np.arange(height, dtype=np.float32), np.arange(width, dtype=np.float32)
    primary = np.array(_rgb(dna.palette["primary"]), dtype=np.float32)
    deep = primary * 0.45
    mix = (ys / height)[:, None]
    column = primary * (1 - mix) + deep * mix  # the vertical gradient, one colour per row
    image = np.broadcast_to(column[:, None, :], (height, width, 3))
    # Two glows in opposite corners: the primary colour stays the dominant one.
    corners = [
        (rng.uniform(0.65, 0.9), rng.uniform(0.7, 0.9)),
        (rng.uniform(0.05, 0.3), rng.uniform(0.05, 0.25)),
    ]
    for (fx, fy), colour, strength in zip(
        corners, (dna.palette["secondary"], dna.palette["accent"]), (0.6, 0.35)
    ):
        cx, cy = fx * width, fy * height
        radius = rng.uniform(0.14, 0.2) * max(width, height)
        across = np.exp(-((xs - cx) ** 2) / (2 * radius**2)).astype(np.float32)
        down = np.exp(-((ys - cy) ** 2) / (2 * radius**2)).astype(np.float32) * np.float32(strength)
        glow = (down[:, None] * across[None, :])[..., None]
        image = image + (np.array(_rgb(colour), dtype=np.float32) - image) * glow
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8), "RGB")


@lru_cache(maxsize=8)
def _notdef(font_file: str) -> tuple[ImageFont.FreeTypeFont, bytes]:
    """The font at a probe size, and the bitmap it draws for a code point it has no glyph for."""
    font = ImageFont.truetype(font_file, 24)
    return font, bytes(font.getmask("\U0010fffd"))  # a private-use code point no font draws


@lru_cache(maxsize=4096)
def _droppable(font_file: str, char: str) -> bool:
    """A symbol (emoji, skin tone, variation selector, joiner) the font would draw as an empty box.
    Letters are never dropped: a box there says the brand's font lacks its script."""
    if char in "\u200d" or 0xFE00 <= ord(char) <= 0xFE0F:
        return True
    if unicodedata.category(char) not in ("So", "Sk"):
        return False
    font, notdef = _notdef(font_file)
    return bytes(font.getmask(char)) == notdef


def drawable(text: str, font_file: str) -> str:
    """`text` without the symbols `font_file` cannot draw (an emoji in a tagline), spaces tidied."""
    kept = "".join(char for char in text if not _droppable(font_file, char))
    return " ".join(kept.split())


def _wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(trial) <= max_width:
            lines[-1] = trial
        else:
            lines.append(word)
    return lines


def headline_card(dna: VideoDNA, label: str, text: str, max_width: int, size: int) -> Image.Image:
    """Bold white headline; the last line sits on a marker stroke in the brand's secondary colour."""
    font = ImageFont.truetype(dna.bold_font_file, size)
    small = ImageFont.truetype(dna.bold_font_file, max(24, size // 3))
    label, text = drawable(label, dna.bold_font_file), drawable(text, dna.bold_font_file)
    lines = _wrap(text.upper(), font, max_width - 40)
    line_height = round(size * 1.18)
    label_height = round(size * 0.6) if label else 0
    width = max_width
    height = label_height + line_height * len(lines) + 40
    card = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(card)
    if label:
        pill_width = round(small.getlength(label)) + 36
        draw.rounded_rectangle(
            (0, 0, pill_width, label_height - 12),
            radius=label_height // 2,
            fill=_rgb(dna.palette["accent"]) + (255,),
        )
        draw.text(
            (18, (label_height - 12) // 2), label, font=small, fill=_rgb(dna.palette["text"]), anchor="lm"
        )
    for index, line in enumerate(lines):
        top = label_height + index * line_height
        if index == len(lines) - 1:
            stroke_width = round(font.getlength(line)) + 28
            draw.rectangle(
                (0, top + line_height * 0.55, stroke_width, top + line_height * 0.95),
                fill=_rgb(dna.palette["secondary"]) + (230,),
            )
        draw.text((14, top + 4), line, font=font, fill=(0, 0, 0, 110))  # soft drop shadow
        draw.text((10, top), line, font=font, fill=(255, 255, 255, 255))
    return card


def end_card(dna: VideoDNA, action: str, width: int, size: int) -> Image.Image:
    """The call-to-action panel: the action, the domain on a button, the brand and tagline."""
    action = drawable(action, dna.bold_font_file)
    tagline = drawable(dna.tagline, dna.font_file)
    brand = drawable(dna.brand, dna.font_file)
    while True:  # shrink until the longest word and the footer fit the panel
        big = ImageFont.truetype(dna.bold_font_file, size)
        mid = ImageFont.truetype(dna.bold_font_file, round(size * 0.55))
        small = ImageFont.truetype(dna.font_file, round(size * 0.42))
        lines = _wrap(action, big, width - 120)
        footer = f"{brand} · {tagline}" if tagline else brand
        widest = max(
            [big.getlength(line) for line in lines]
            + [small.getlength(footer), mid.getlength(dna.domain) + 80]
        )
        if widest <= width - 80 or size <= 20:
            break
        size = round(size * 0.9)
    # top margin, action lines, button, footer line, bottom margin
    height = 50 + round(size * 1.2) * len(lines) + 10 + round(size * 1.0) + 30 + round(size * 0.42 * 1.3) + 40
    card = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(card)
    draw.rounded_rectangle(
        (0, 0, width - 1, height - 1), radius=40, fill=_rgb(dna.palette["background"]) + (245,)
    )
    y = 50
    for line in lines:
        draw.text((width // 2, y), line, font=big, fill=_rgb(dna.palette["primary"]), anchor="ma")
        y += round(size * 1.2)
    button_width = round(mid.getlength(dna.domain)) + 80
    button = (
        width // 2 - button_width // 2,
        y + 10,
        width // 2 + button_width // 2,
        y + 10 + round(size * 1.0),
    )
    draw.rounded_rectangle(button, radius=round(size * 0.5), fill=_rgb(dna.palette["secondary"]))
    draw.text(
        (width // 2, (button[1] + button[3]) // 2), dna.domain, font=mid, fill=(255, 255, 255), anchor="mm"
    )
    draw.text((width // 2, button[3] + 30), footer, font=small, fill=_rgb(dna.palette["text"]), anchor="ma")
    return card


def brand_pill(dna: VideoDNA, size: int) -> Image.Image:
    font = ImageFont.truetype(dna.bold_font_file, size)
    brand = drawable(dna.brand, dna.bold_font_file)
    width = round(font.getlength(brand)) + size * 2 + 20
    height = round(size * 1.9)
    pill = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(pill)
    draw.rounded_rectangle((0, 0, width - 1, height - 1), radius=height // 2, fill=(20, 20, 20, 150))
    draw.ellipse(
        (size * 0.6, height / 2 - size * 0.35, size * 1.3, height / 2 + size * 0.35),
        fill=_rgb(dna.palette["accent"]),
    )
    draw.text((size * 1.7, height / 2), brand, font=font, fill=(255, 255, 255), anchor="lm")
    return pill


def ring(dna: VideoDNA, diameter: int, colour: str, alpha: int) -> Image.Image:
    image = Image.new("RGBA", (diameter, diameter), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse(
        (4, 4, diameter - 5, diameter - 5), outline=_rgb(colour) + (alpha,), width=max(6, diameter // 28)
    )
    return image.filter(ImageFilter.GaussianBlur(1))


def photo(dna: VideoDNA, path: str, width: int, height: int) -> Image.Image:
    """A brand photo cropped to cover the frame with room to pan, tinted with the primary colour
    (darker towards the bottom) so white headlines and captions stay readable on it."""
    image = Image.open(path).convert("RGB")
    cover = max(width * 1.15 / image.width, height * 1.05 / image.height)
    image = image.resize((round(image.width * cover), round(image.height * cover)), Image.Resampling.LANCZOS)
    left, top = (image.width - round(width * 1.15)) // 2, (image.height - round(height * 1.05)) // 2
    image = image.crop((left, top, left + round(width * 1.15), top + round(height * 1.05)))
    tint = np.array(_rgb(dna.palette["primary"]), dtype=np.float32) * 0.6
    ramp = np.linspace(0.55, 0.85, image.height, dtype=np.float32)[:, None, None]
    pixels = np.asarray(image, dtype=np.float32) * (1 - ramp) + tint * ramp
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8), "RGB")


def _photo_layer(
    dna: VideoDNA, path: str, width: int, height: int, segment: Segment, save, name: str
) -> Layer:
    """Ken Burns without the zoom cost: the photo drifts sideways across its beat."""
    image = photo(dna, path, width, height)
    travel = image.width - width
    span = max(0.1, segment.end - segment.start)
    return Layer(
        name,
        save(name, image),
        segment.start,
        segment.end,
        f"-{travel}*(t-{segment.start:.3f})/{span:.3f}",
        f"-{(image.height - height) // 2}",
    )


def _kinetic_lines(
    dna: VideoDNA,
    segment: Segment,
    card: Image.Image,
    card_width: int,
    size: int,
    save,
    left: int,
    top: int,
    width: int,
) -> list[Layer]:
    """Kinetic text: each line of the hook slides in as its first word is spoken."""
    font = ImageFont.truetype(dna.bold_font_file, size)
    lines = _wrap(drawable(segment.text, dna.bold_font_file).upper(), font, card_width - 40)
    line_height = round(size * 1.18)
    layers, word_index = [], 0
    for number, line in enumerate(lines):
        upper = number * line_height
        lower = card.height if number == len(lines) - 1 else upper + line_height
        starts = segment.word_starts
        # a line starts sliding a little before its word, so it lands as the word is heard
        spoken = starts[min(word_index, len(starts) - 1)] - 0.25
        start = segment.start if number == 0 else round(max(segment.start, spoken), 3)
        strip = card.crop((0, upper, card.width, lower))
        layers.append(
            Layer(
                f"hook-line-{number}",
                save(f"hook-line-{number}", strip),
                start,
                segment.end,
                f"{left}+{_ease_in(start, width)}",
                str(top + upper),
            )
        )
        word_index += len(line.split())
    return layers


def _ease_in(start: float, width: int) -> str:
    """x offset that slides a card in from the left over SLIDE_IN s with a cubic ease-out."""
    return f"-{width}*pow(1-min(1\\,(t-{start:.3f})/{SLIDE_IN})\\,3)"


def build_layers(
    dna: VideoDNA, rendition: Rendition, segments: list[Segment], duration: float, folder: Path, seed: int
) -> list[Layer]:
    """Draw every still for one rendition into `folder` and return the layers in paint order."""
    width, height, zone = rendition.width, rendition.height, rendition.safe_zone
    vertical = height > width
    pad = round(0.12 * max(width, height))
    unit = min(width, height)
    layers: list[Layer] = []

    def save(name: str, image: Image.Image) -> str:
        path = folder / f"{rendition.name}-{name}.png"
        image.save(path, optimize=False, compress_level=1)
        return str(path)

    layers.append(
        Layer(
            "background",
            save("background", background(dna, width + 2 * pad, height + 2 * pad, seed)),
            0,
            duration,
            f"-{pad}+{pad * 0.8:.0f}*sin(2*PI*t/17)",
            f"-{pad}+{pad * 0.8:.0f}*cos(2*PI*t/23)",
        )
    )
    for index, segment in enumerate(s for s in segments if s.kind == "beat"):
        if dna.images:
            layers.append(
                _photo_layer(
                    dna, dna.images[index % len(dna.images)], width, height, segment, save, f"photo-{index}"
                )
            )
    big_ring, small_ring = round(unit * 0.75), round(unit * 0.4)
    for name, diameter, colour, alpha, x, y in (  # two rings drifting slowly behind the cards
        (
            "ring-a",
            big_ring,
            "accent",
            90,
            f"{width - big_ring * 0.6:.0f}+{unit * 0.08:.0f}*sin(t*0.9)",
            f"{zone['top'] - big_ring * 0.3:.0f}+{unit * 0.06:.0f}*cos(t*0.7)",
        ),
        (
            "ring-b",
            small_ring,
            "background",
            60,
            f"{-small_ring * 0.3:.0f}+{unit * 0.07:.0f}*cos(t*1.1)",
            f"{height * 0.62:.0f}+{unit * 0.09:.0f}*sin(t*0.8)",
        ),
    ):
        image = ring(dna, diameter, dna.palette[colour], alpha)
        layers.append(Layer(name, save(name, image), 0, duration, x, y))
    pill = brand_pill(dna, round(unit * 0.03))
    layers.append(
        Layer("brand", save("brand", pill), 0, duration, str(zone["left"] + 20), str(zone["top"] + 10))
    )
    text_left = zone["left"] + 30
    card_width = (width - zone["left"] - zone["right"] - 60) if vertical else round(width * 0.62)
    beats = [s for s in segments if s.kind == "beat"]
    for index, segment in enumerate(segments):
        if segment.kind == "cta":
            card = end_card(
                dna,
                segment.text,
                card_width if vertical else round(width * 0.5),
                round(unit * (0.095 if vertical else 0.08)),
            )
            x = (width - card.width) // 2
            y = round((height - card.height) * (0.4 if vertical else 0.38))
            slide = f"{height}*pow(1-min(1\\,(t-{segment.start:.3f})/0.6)\\,3)"
            layers.append(
                Layer("end-card", save("end-card", card), segment.start, duration, str(x), f"{y}+{slide}")
            )
            continue
        # Vertical frames have room for bigger words; wide frames keep the text in the left half.
        size = round(unit * ((0.105 if segment.kind == "hook" else 0.1) if vertical else 0.08))
        label = (
            f"{beats.index(segment) + 1}/{len(beats)}  {segment.label}".upper()
            if segment.kind == "beat"
            else ""
        )
        top = round(height * 0.25) if vertical else zone["top"] + round(height * 0.12)
        room = layout(rendition).top - top - round(unit * 0.03)  # never under the captions
        card = headline_card(dna, label, segment.text, card_width, size)
        while card.height > room and size > 24:
            size = round(size * 0.9)
            card = headline_card(dna, label, segment.text, card_width, size)
        y = top if vertical else top + max(0, (room - card.height) // 2)
        if segment.kind == "hook" and segment.word_starts:
            layers += _kinetic_lines(dna, segment, card, card_width, size, save, text_left, y, width)
            continue
        layers.append(
            Layer(
                f"card-{index}",
                save(f"card-{index}", card),
                segment.start,
                segment.end,
                f"{text_left}+{_ease_in(segment.start, width)}",
                str(y),
            )
        )
    wipe = Image.new("RGB", (round(width * 0.45), height), _rgb(dna.palette["secondary"]))
    wipe_file = save("wipe", wipe)
    for segment in segments[1:]:
        start = segment.start - WIPE / 2
        travel = width + wipe.width
        layers.append(
            Layer(
                f"wipe-{segment.start:.2f}",
                wipe_file,
                start,
                start + WIPE,
                f"-{wipe.width}+{travel}*(t-{start:.3f})/{WIPE}",
                "0",
            )
        )
    bar_height = max(8, round(unit * 0.012))
    bar = Image.new("RGB", (width, bar_height), _rgb(dna.palette["accent"]))
    layers.append(
        Layer(
            "progress",
            save("progress", bar),
            0,
            duration,
            f"-{width}+{width}*t/{duration:.3f}",
            str(height - bar_height),
        )
    )
    return layers
