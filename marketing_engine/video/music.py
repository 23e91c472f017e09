"""A small seeded synthesizer for royalty-free soundtracks: chords, bass and drums per mood.

Everything is generated from numbers (oscillators, envelopes, filtered noise), so the music is
original by construction; the same mood, seed and length always give the same samples.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 48_000


class MusicError(ValueError):
    """An unknown mood or an impossible length."""


@dataclass(frozen=True)
class Mood:
    bpm: int
    key_hz: float
    progression: tuple[tuple[int, ...], ...]  # semitone offsets of each chord from the key
    drums: bool
    brightness: float  # pad low-pass cutoff in Hz


MOODS: dict[str, Mood] = {
    "upbeat": Mood(112, 220.0, ((0, 4, 7), (7, 11, 14), (9, 12, 16), (5, 9, 12)), True, 2600),
    "calm": Mood(78, 196.0, ((0, 4, 7, 11), (5, 9, 12, 16), (9, 12, 16), (7, 11, 14)), False, 1400),
    "energetic": Mood(128, 246.94, ((0, 3, 7), (8, 12, 15), (3, 7, 10), (10, 14, 17)), True, 3200),
    "inspiring": Mood(96, 261.63, ((0, 4, 7), (9, 12, 16), (5, 9, 12), (7, 11, 14)), True, 2000),
}


def butterworth(kind: str, cutoff: float | tuple[float, float], signals: np.ndarray) -> np.ndarray:
    """Each row (or the one signal) through a second-order Butterworth filter: "low", "high" or "band"."""
    from scipy.signal import butter, sosfilt  # imported here: scipy.signal takes about a second to load

    return sosfilt(butter(2, cutoff, kind, fs=SAMPLE_RATE, output="sos"), signals, axis=-1)


def _envelope(length: int, attack: int, release: int) -> np.ndarray:
    env = np.ones(length)
    attack, release = min(attack, length // 2), min(release, length // 2)
    env[:attack] = np.linspace(0, 1, attack)
    env[length - release :] = np.linspace(1, 0, release)
    return env


def _pad(freqs: list[float], length: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(length) / SAMPLE_RATE
    out = np.zeros(length)
    for freq in freqs:
        for detune in (-0.12, 0.12):  # two slightly detuned saws per note: a warm chorus
            phase = rng.uniform(0, 1)
            out += 2 * ((t * freq * 2 ** (detune / 12) + phase) % 1.0) - 1
    return out / (2 * len(freqs))


def _kick(length: int) -> np.ndarray:
    t = np.arange(length) / SAMPLE_RATE
    freq = 50 + 90 * np.exp(-t * 30)
    return np.sin(2 * np.pi * np.cumsum(freq) / SAMPLE_RATE) * np.exp(-t * 9)


def _noise_hits(
    drums: np.ndarray,
    hits: list[tuple[int, np.ndarray]],
    band: tuple[str, float | tuple[float, float]],
    decay: float,
    level: float,
) -> None:
    """Filtered noise bursts (snares, hats) of one length, all filtered in one batch, added at their places."""
    if not hits:
        return
    length = len(hits[0][1])
    shaped = butterworth(*band, np.stack([noise for _, noise in hits]))
    shaped *= level * np.exp(-np.arange(length) / SAMPLE_RATE * decay)
    for (at, _), burst in zip(hits, shaped, strict=True):
        drums[at : at + length] += burst


def synthesize(mood: str, seconds: float, seed: int = 0) -> np.ndarray:
    """Stereo float32 samples in [-1, 1] at 48 kHz, `seconds` long, faded in and out."""
    if mood not in MOODS:
        raise MusicError(f"unknown music mood {mood!r} (choose from {', '.join(sorted(MOODS))})")
    if not 1 <= seconds <= 900:
        raise MusicError(f"soundtrack length {seconds} s is outside 1–900 s")
    spec = MOODS[mood]
    rng = np.random.default_rng(seed)
    total = int(seconds * SAMPLE_RATE)
    beat = int(SAMPLE_RATE * 60 / spec.bpm)
    bar = beat * 4
    snares: list[tuple[int, np.ndarray]] = []  # noise drawn in the loop (the seeded order), filtered after
    hats: list[tuple[int, np.ndarray]] = []
    pads, bass, drums = np.zeros(total + bar), np.zeros(total + bar), np.zeros(total + bar)
    # A seeded variation: which octave the bass walks in and where the hats get busier.
    bass_pattern = rng.choice([(0, 0, 12, 0), (0, 12, 0, 7), (0, 0, 7, 12)])
    kick, hat_every = _kick(beat), int(rng.choice([2, 4]))
    for bar_index, start in enumerate(range(0, total, bar)):
        chord = spec.progression[bar_index % len(spec.progression)]
        freqs = [spec.key_hz * 2 ** (note / 12) for note in chord]
        pads[start : start + bar] += _pad(freqs, bar, rng) * _envelope(bar, 2400, 4800)
        for step in range(4):
            note = spec.key_hz / 4 * 2 ** ((chord[0] + bass_pattern[step]) / 12)
            t = np.arange(beat) / SAMPLE_RATE
            tone = np.sign(np.sin(2 * np.pi * note * t)) * 0.5 + np.sin(2 * np.pi * note * t)
            bass[start + step * beat : start + (step + 1) * beat] += tone * _envelope(beat, 200, beat // 3)
            if not spec.drums:
                continue
            at = start + step * beat
            drums[at : at + beat] += kick * (1.0 if step in (0, 2) else 0.55)
            if step in (1, 3):
                snares.append((at, rng.standard_normal(beat)))
            for sub in range(hat_every):
                hats.append((at + sub * beat // hat_every, rng.standard_normal(beat // 4)))
    _noise_hits(drums, snares, ("band", (900, 5000)), 18, 0.5)
    _noise_hits(drums, hats, ("high", 7000), 60, 0.22)
    pads = butterworth("low", spec.brightness, pads)
    bass = butterworth("low", 400, bass)
    mix = 0.55 * pads + 0.45 * bass + 0.5 * drums
    mix = mix[:total]
    mix *= _envelope(total, SAMPLE_RATE // 2, SAMPLE_RATE * 2)
    mix /= max(1e-9, float(np.max(np.abs(mix)))) / 0.89
    # A little stereo width: the pads lean left and right on alternate bars.
    pan = 0.5 + 0.12 * np.sin(2 * np.pi * np.arange(total) / (bar * 2))
    stereo = np.stack([mix * (1.2 - pan), mix * (0.2 + pan)], axis=1)
    return np.clip(stereo, -1, 1).astype(np.float32)


def write_wav(samples: np.ndarray, path: Path) -> Path:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(pcm.shape[1] if pcm.ndim == 2 else 1)
        handle.setsampwidth(2)
        handle.setframerate(SAMPLE_RATE)
        handle.writeframes(pcm.tobytes())
    return path
