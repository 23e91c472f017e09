"""Video DNA: the brand's video identity, the same look, voice and sound in every video.

It is derived from the brand file only; its fingerprint goes into every render's cache key, so a
change to the palette, font, voice or mood re-renders every video.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from marketing_engine.brand import BrandProfile

FONT_DIR = Path("/usr/share/fonts/truetype")


class VideoDNAError(ValueError):
    """The brand's visual identity names a font or logo the studio cannot use."""


@dataclass(frozen=True)
class VideoDNA:
    brand: str
    domain: str
    tagline: str
    palette: dict[str, str]
    font_name: str
    font_file: str
    bold_font_file: str
    logo: str | None
    voice: str  # a language code (en-gb, pt-pt); the voice backend picks its voice for it
    music_mood: str
    words_per_minute: int = 165
    caption_words_per_page: int = 3
    intro_seconds: float = 0.0
    outro_seconds: float = 3.5
    fps: int = 30
    images: tuple[str, ...] = ()  # brand photos, panned slowly under the beats (Ken Burns)
    image_hashes: tuple[str, ...] = ()  # their content, so a replaced photo re-renders

    @property
    def fingerprint(self) -> str:
        payload = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def as_dict(self) -> dict:
        return {**asdict(self), "fingerprint": self.fingerprint}

    def as_metadata(self) -> dict[str, Any]:
        """What an operator checks at a glance: the fingerprint's start, voice, mood, font, palette."""
        return {
            "fingerprint": self.fingerprint[:16],
            "voice": self.voice,
            "music_mood": self.music_mood,
            "font": self.font_name,
            "palette": dict(self.palette),
        }


def find_font(name: str, bold: bool = False) -> str:
    """The TrueType file for a family name such as "DejaVu Sans" (bold where asked)."""
    stem = name.replace(" ", "")
    wanted = [f"{stem}-Bold.ttf"] if bold else [f"{stem}.ttf", f"{stem}-Regular.ttf"]
    for candidate in wanted:
        found = sorted(FONT_DIR.rglob(candidate))
        if found:
            return str(found[0])
    raise VideoDNAError(
        f"visual_identity.font: no font file for {name!r}{' (bold)' if bold else ''} under {FONT_DIR}"
    )


def video_dna(profile: BrandProfile) -> VideoDNA:
    identity = profile.visual_identity
    if identity.logo and not Path(identity.logo).is_file():
        raise VideoDNAError(f"visual_identity.logo: {identity.logo} does not exist")
    for index, image in enumerate(identity.images):
        if not Path(image).is_file():
            raise VideoDNAError(f"visual_identity.images[{index}]: {image} does not exist")
    return VideoDNA(
        brand=profile.name,
        domain=profile.domain,
        tagline=profile.tagline,
        palette=identity.palette.model_dump(),
        font_name=identity.font,
        font_file=find_font(identity.font),
        bold_font_file=find_font(identity.font, bold=True),
        logo=identity.logo,
        voice=profile.voice_language,
        music_mood=identity.music_mood,
        images=tuple(identity.images),
        image_hashes=tuple(hashlib.sha256(Path(image).read_bytes()).hexdigest() for image in identity.images),
    )
