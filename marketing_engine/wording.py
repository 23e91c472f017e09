"""Generic sentence frames per domain and language (`frames("seo", "pt")`), and the one word count.

Frames carry no word of any trade: every word about the business comes from the brand file through
their slots. They live in `data/frames/<domain>/<language>.yaml`; a language without its own file
falls back to English, and a key missing from a language's file falls back to the English frame.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

FALLBACK = "en"

# A word is a run of non-space characters holding at least one letter or digit: "well-known", "3.5",
# a URL and a word with combining marks ("हिन्दी", decomposed "ação") count once; a lone "—" does not.
_WORD = re.compile(r"(?<!\S)(?=\S*[^\W_])\S+")


class FramesError(LookupError):
    """A domain with no English frames file, or a malformed frames file."""


def _read(domain: str, language: str) -> dict[str, Any] | None:
    node = resources.files("marketing_engine").joinpath("data", "frames", domain, f"{language}.yaml")
    if not node.is_file():
        return None
    data = yaml.safe_load(node.read_text("utf-8")) or {}
    if not isinstance(data, dict):
        raise FramesError(f"data/frames/{domain}/{language}.yaml: expected a mapping at the top level")
    return data


@lru_cache(maxsize=64)
def frames(domain: str, language: str) -> dict[str, Any]:
    """The frames of `domain` in `language` (e.g. "pt" or "pt-PT"), English keys filling the gaps."""
    base = _read(domain, FALLBACK)
    if base is None:
        raise FramesError(f"no frames for {domain!r}: data/frames/{domain}/{FALLBACK}.yaml is missing")
    own = _read(domain, language.split("-")[0].split("_")[0].lower()) or {}
    return {**base, **own}


def languages(domain: str) -> list[str]:
    """The languages `domain` has its own frames for."""
    folder = resources.files("marketing_engine").joinpath("data", "frames", domain)
    if not folder.is_dir():
        return []
    return sorted(item.name.removesuffix(".yaml") for item in folder.iterdir() if item.name.endswith(".yaml"))


def count_words(text: str) -> int:
    """Words as a reader (or a word limit) counts them, in any script that separates words by spaces."""
    return len(_WORD.findall(text))
