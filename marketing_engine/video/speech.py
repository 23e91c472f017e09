"""Offline speech with word timings: libespeak-ng through ctypes.

The espeak-ng command line gives no word timings; the library does. In synchronous mode the synth
callback receives audio chunks together with WORD events (character position, length and the
audio offset in ms), so every spoken word of the script gets its start time without re-transcribing.
libespeak-ng keeps global state, so calls are serialized by a lock.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
import threading
import wave
from dataclasses import dataclass
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
# A written word as a viewer reads it: hyphenated words and domain names stay whole.
_TOKEN = re.compile(r"[\w'’]+(?:[-.][\w'’]+)*")


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


_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


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

    def synth(
        self, text: str, voice: str, rate: int, pitch: int
    ) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise SpeechError(f"espeak-ng has no voice {voice!r} (try en-us, en-gb, de, fr)")
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


def synthesize(text: str, voice: str = "en-us", rate: int = 165, pitch: int = 50) -> Speech:
    """Speak `text`; return int16 samples and one timing per spoken word of `text`."""
    if not text.strip():
        raise SpeechError("cannot synthesize empty text")
    with _LOCK:
        engine = _engine()
        audio, events = engine.synth(text, voice, rate, pitch)
        sample_rate = engine.sample_rate
    duration = len(audio) / sample_rate
    words: list[WordTiming] = []
    covered = 0
    for position, _length, offset_ms in events:
        start_index = max(0, position - 1)  # espeak counts characters from 1
        if start_index < covered:
            continue  # espeak speaks "e-bike" or "shop.example" as two words; the caption keeps one
        token = _TOKEN.match(text, start_index)
        if not token:
            continue
        covered = token.end()
        words.append(WordTiming(token.group(0), offset_ms / 1000, offset_ms / 1000, start_index))
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
