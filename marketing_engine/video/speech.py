"""Offline speech with word timings: libespeak-ng through ctypes.

The espeak-ng command line gives no word timings; the library does. In synchronous mode the synth
callback receives audio chunks together with WORD events (character position, length and the
audio offset in ms), so every spoken word of the script gets its start time without re-transcribing.
libespeak-ng keeps global state, so calls are serialized by a lock.

Voices are chosen by language code (`en-gb`, `pt`, `pt-br`), through espeak-ng's own language
lookup (`espeak_ListVoices` with a language, best match first), never by voice file name: the
British voice's file is `gmw/en`, so asking for a voice *named* `en-gb` fails. MBROLA voices need
a separate program and variants are not languages, so only espeak-ng's own voices are offered.
"""

from __future__ import annotations

import bisect
import ctypes
import ctypes.util
import difflib
import re
import threading
import wave
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_CHARS_UTF8 = 1
_EVENT_WORD = 1
_EVENT_LIST_TERMINATED = 0
_PARAM_RATE = 1
_PARAM_VOLUME = 2
_PARAM_PITCH = 3
_LOCK = threading.Lock()
# A written word as a viewer reads it: hyphenated words, domain names and numbers (4,000; 21,50) stay whole.
_TOKEN = re.compile(r"[\w'’]+(?:[-.,][\w'’]+)*")


class SpeechError(RuntimeError):
    """espeak-ng is missing or refused the voice or the text."""


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


class _Voice(ctypes.Structure):
    """espeak_VOICE; `languages` is a run of (priority byte, language code, NUL), ended by a 0 byte."""

    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass(frozen=True)
class EspeakVoice:
    """An installed espeak-ng voice: its name, its file (identifier) and the languages it speaks."""

    name: str
    identifier: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class WordTiming:
    word: str
    start: float
    end: float
    char_start: int


@dataclass(frozen=True)
class Speech:
    samples: np.ndarray  # int16 mono
    sample_rate: int
    words: list[WordTiming]

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate

    def write_wav(self, path: Path) -> Path:
        with wave.open(str(path), "wb") as handle:
            handle.setnchannels(1)
            handle.setsampwidth(2)
            handle.setframerate(self.sample_rate)
            handle.writeframes(self.samples.astype("<i2").tobytes())
        return path


class _Espeak:
    def __init__(self) -> None:
        name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        try:
            self.lib = ctypes.CDLL(name)
        except OSError as exc:
            raise SpeechError(
                f"libespeak-ng is not installed ({exc}); apt-get install libespeak-ng1"
            ) from None
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.sample_rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, 0)
        if self.sample_rate <= 0:
            raise SpeechError("libespeak-ng failed to initialize (no espeak-ng-data?)")
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_ListVoices.argtypes = [ctypes.POINTER(_Voice)]
        self.lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        self.chunks: list[np.ndarray] = []
        self.events: list[tuple[int, int, int]] = []
        self._callback = _CALLBACK(self._on_synth)  # keep a reference: ctypes does not
        self.lib.espeak_SetSynthCallback(self._callback)

    def _on_synth(self, wav, count, events) -> int:
        if count > 0:
            self.chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        index = 0
        while events[index].type != _EVENT_LIST_TERMINATED:
            event = events[index]
            if event.type == _EVENT_WORD:
                self.events.append((event.text_position, event.length, event.audio_position))
            index += 1
        return 0

    def list_voices(self, language: str | None = None) -> list[EspeakVoice]:
        """espeak-ng's voices: all of them, or those that speak `language`, best match first."""
        spec = None
        if language is not None:
            code = ctypes.create_string_buffer(language.encode())
            spec = _Voice(languages=ctypes.cast(code, ctypes.c_void_p))
        found = self.lib.espeak_ListVoices(ctypes.byref(spec) if spec is not None else None)
        voices, index = [], 0
        while found[index]:
            raw = found[index].contents
            voices.append(
                EspeakVoice(
                    (raw.name or b"").decode(), (raw.identifier or b"").decode(), _languages(raw.languages)
                )
            )
            index += 1
        return voices

    def synth(
        self, text: str, voice: EspeakVoice, rate: int, pitch: int
    ) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
        # By file: espeak_SetVoiceByName matches a voice's name or its identifier, not a language.
        if self.lib.espeak_SetVoiceByName(voice.identifier.encode()) != 0:
            raise SpeechError(f"espeak-ng could not load the voice file {voice.identifier!r} ({voice.name})")
        self.lib.espeak_SetParameter(_PARAM_RATE, int(rate), 0)
        self.lib.espeak_SetParameter(_PARAM_PITCH, int(pitch), 0)
        self.lib.espeak_SetParameter(_PARAM_VOLUME, 100, 0)
        self.chunks, self.events = [], []
        data = text.encode("utf-8")
        status = self.lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, _CHARS_UTF8, None, None)
        if status != 0:
            raise SpeechError(f"espeak-ng refused the text (error {status}): {text[:60]!r}")
        self.lib.espeak_Synchronize()
        audio = np.concatenate(self.chunks) if self.chunks else np.zeros(0, dtype=np.int16)
        return audio, list(self.events)


_ENGINE: _Espeak | None = None
# Bumped when the way word timings are derived changes, so cached voice-overs are re-timed.
TIMINGS_VERSION = 2
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")


def _languages(address: int | None) -> tuple[str, ...]:
    codes: list[str] = []
    while address:
        if ctypes.c_ubyte.from_address(address).value == 0:
            break
        code = ctypes.string_at(address + 1)
        codes.append(code.decode())
        address += len(code) + 2
    return tuple(codes)


def _usable(voice: EspeakVoice) -> bool:
    """espeak-ng's own voices: MBROLA voices (mb/) need a separate program; variants (!v/) are not languages."""
    return not voice.identifier.startswith(("mb/", "!v/")) and "variant" not in voice.languages


def normalize_language(language: str) -> str:
    """`en_GB`, ` EN-gb ` → `en-gb`."""
    return language.strip().replace("_", "-").lower()


@lru_cache(maxsize=1)
def installed_voices() -> tuple[EspeakVoice, ...]:
    with _LOCK:
        return tuple(v for v in _engine().list_voices() if _usable(v))


def available_voice_languages() -> list[str]:
    """Every language code an installed espeak-ng voice speaks (`en`, `en-gb`, `pt`, `pt-br`, …)."""
    return sorted({code for voice in installed_voices() for code in voice.languages})


def _choices(code: str) -> str:
    codes = available_voice_languages()
    primary = code.split("-")[0]
    near = [c for c in codes if c.split("-")[0] == primary]
    if not near:
        near = difflib.get_close_matches(code, codes, n=8, cutoff=0.5)
    if near:
        listed = f"valid choices near it: {', '.join(near)}"
    else:
        common = [c for c in ("en", "en-gb", "en-us", "es", "fr", "de", "pt", "pt-br") if c in codes]
        listed = f"no code near it; valid choices include {', '.join(common or codes[:8])}"
    return f"{listed} ({len(codes)} codes installed; `espeak-ng --voices` lists them all)"


@lru_cache(maxsize=64)
def resolve_voice(language: str) -> EspeakVoice:
    """The voice espeak-ng itself picks for a language code (an exact language first, else the
    closest dialect of the same language, e.g. `pt-ao` → Portuguese (Portugal)); SpeechError naming
    the value and the valid choices when it has none."""
    code = normalize_language(language)
    if not _LANGUAGE.match(code):
        raise SpeechError(
            f"voice language {language!r} is not a language code like en-gb, pt or pt-br; {_choices(code)}"
        )
    with _LOCK:
        ranked = [v for v in _engine().list_voices(code) if _usable(v)]
    if not ranked:
        raise SpeechError(f"espeak-ng has no voice for language {language!r}; {_choices(code)}")
    return ranked[0]


def check_voice(language: str) -> None:
    """Raise SpeechError (naming the value and the valid choices) unless espeak-ng can speak `language`."""
    resolve_voice(language)


def espeak_version() -> str:
    with _LOCK:
        engine = _engine()
        engine.lib.espeak_Info.restype = ctypes.c_char_p
        return (engine.lib.espeak_Info(None) or b"?").decode()


def _engine() -> _Espeak:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Espeak()
    return _ENGINE


def _timed_tokens(text: str, events: list[tuple[int, int, int]], duration: float) -> list[WordTiming]:
    """One start time per written word. A WORD event belongs to the word it falls in (espeak speaks
    "e-mail" or "shop.example" as two words; the caption keeps one). A word espeak ran into its
    neighbour without an event of its own ("in the news") gets a share of the time between the
    neighbouring timed words, by length, so captions never drop it."""
    tokens = list(_TOKEN.finditer(text))
    ends = [token.end() for token in tokens]
    heard: list[float | None] = [None] * len(tokens)
    for position, _length, offset_ms in events:
        index = bisect.bisect_right(ends, max(0, position - 1))  # espeak counts characters from 1
        if index < len(tokens) and heard[index] is None:
            heard[index] = offset_ms / 1000
    starts = list(heard)
    index = 0
    while index < len(tokens):
        if starts[index] is not None:
            index += 1
            continue
        gap_end = next((j for j in range(index, len(tokens)) if starts[j] is not None), len(tokens))
        before = index - 1 if index > 0 else None
        lo = starts[before] if before is not None else 0.0
        hi = starts[gap_end] if gap_end < len(tokens) else duration
        group = ([before] if before is not None else []) + list(range(index, gap_end))
        lengths = [len(tokens[j].group(0)) for j in group]
        total, used = sum(lengths), 0
        for j, length in zip(group, lengths, strict=True):
            if j != before:
                starts[j] = lo + (hi - lo) * used / total
            used += length
        index = gap_end
    return [
        WordTiming(token.group(0), float(start), float(start), token.start())
        for token, start in zip(tokens, starts, strict=True)
    ]


def synthesize(text: str, voice: str = "en-us", rate: int = 165, pitch: int = 50) -> Speech:
    """Speak `text` with the voice for the language code `voice`; return int16 samples and one
    timing per spoken word of `text`."""
    if not text.strip():
        raise SpeechError("cannot synthesize empty text")
    chosen = resolve_voice(voice)
    with _LOCK:
        engine = _engine()
        audio, events = engine.synth(text, chosen, rate, pitch)
        sample_rate = engine.sample_rate
    duration = len(audio) / sample_rate
    words = _timed_tokens(text, events, duration)
    timed: list[WordTiming] = []
    for index, word in enumerate(words):
        following = words[index + 1].start if index + 1 < len(words) else duration
        # A word never lasts beyond the next word's start; long gaps are sentence pauses.
        end = min(following, word.start + 0.12 + 0.075 * len(word.word))
        timed.append(
            WordTiming(
                word.word, round(word.start, 3), round(max(end, word.start + 0.08), 3), word.char_start
            )
        )
    return Speech(audio.astype(np.int16), sample_rate, timed)
