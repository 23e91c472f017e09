"""Libraries against the hand-written code they replaced, each pair timed in the same run, with the
ratio library / hand-written (above 1: the library is slower). The hand-written references live
only here, each checked to give the library's result before it is timed.

1. Soundtrack filters: scipy.signal (`butter(..., output="sos")` + `sosfilt`) against a hand-written
   second-order Butterworth design with FFT overlap-add filtering: importing scipy.signal in a fresh
   process, one 30 s soundtrack in a warm process, and a fresh process that imports and synthesizes.
2. Captions: pysubs2 against hand-written ASS, SRT and VTT writers, for a 60 s script.
3. Word counts: `wording.count_words` against the three regexes it replaced.
4. The autocomplete daily cap: pyrate-limiter's SQLite bucket against a JSON file, per request and
   under four processes taking from one cap of 200 at once (how many requests got through).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from marketing_engine.video import music

ROOT = Path(__file__).resolve().parent.parent
SOUNDTRACK = ("upbeat", 30.0)


def timed(work: Callable[[], object], repeat: int = 5) -> float:
    """The fastest of `repeat` runs, in seconds: the figure the machine's other load skews least."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def fresh_process(code: str, repeat: int = 5) -> float:
    """Median wall seconds of a fresh interpreter running `code` (start-up and imports included)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def report(name: str, hand: float, library: float, unit: str = "ms") -> None:
    scale = 1000 if unit == "ms" else 1
    print(
        f"{name}: hand-written {hand * scale:.2f} {unit}, library {library * scale:.2f} {unit}, "
        f"ratio {library / hand:.2f}x"
    )


# 1. Soundtrack filters ------------------------------------------------------------------------

IMPULSE_LENGTH = 8192  # the slowest filter (a 900 Hz band edge) fades below 1e-30 well within it


def butter2(kind: str, cutoff: float | tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """(b, a) of a second-order digital Butterworth filter: analog prototype, pre-warped bilinear."""
    fs2 = 2.0 * music.SAMPLE_RATE
    proto = np.exp(1j * np.pi * np.array([3, 5]) / 4)  # the analog poles (-1 ± j)/√2

    def warp(freq: float) -> float:
        return float(fs2 * np.tan(np.pi * freq / music.SAMPLE_RATE))

    if isinstance(cutoff, tuple):
        low, high = warp(cutoff[0]), warp(cutoff[1])
        half, centre = proto * (high - low) / 2, np.sqrt(low * high)
        spread = np.sqrt(half**2 - centre**2)
        zeros, poles, gain = np.zeros(2), np.concatenate([half + spread, half - spread]), (high - low) ** 2
    elif kind == "low":
        zeros, poles, gain = np.array([]), warp(cutoff) * proto, warp(cutoff) ** 2
    else:
        zeros, poles, gain = np.zeros(2), warp(cutoff) / proto, 1.0
    gain *= np.real(np.prod(fs2 - zeros) / np.prod(fs2 - poles))
    digital_zeros = np.concatenate([(fs2 + zeros) / (fs2 - zeros), -np.ones(len(poles) - len(zeros))])
    return np.real(gain * np.poly(digital_zeros)), np.real(np.poly((fs2 + poles) / (fs2 - poles)))


def impulse_response(b: np.ndarray, a: np.ndarray, length: int = IMPULSE_LENGTH) -> np.ndarray:
    out = [0.0] * length
    for n in range(length):
        acc = b[n] if n < len(b) else 0.0
        for k in range(1, min(n, len(a) - 1) + 1):
            acc -= a[k] * out[n - k]
        out[n] = acc
    return np.array(out)


def apply_filter(response: np.ndarray, signals: np.ndarray) -> np.ndarray:
    length = signals.shape[-1]
    size = 1 << (length + len(response) - 1).bit_length()
    spectrum = np.fft.rfft(signals, size) * np.fft.rfft(response, size)
    return np.fft.irfft(spectrum, size)[..., :length]


def filter_long(response: np.ndarray, signal: np.ndarray, block: int = 4 * IMPULSE_LENGTH) -> np.ndarray:
    count = -(-len(signal) // block)
    rows = np.zeros(count * block)
    rows[: len(signal)] = signal
    parts = apply_filter(response, np.pad(rows.reshape(count, block), ((0, 0), (0, len(response) - 1))))
    out = parts[:, :block].copy()
    out[1:, : len(response) - 1] += parts[:-1, block:]
    return out.ravel()[: len(signal)]


def hand_butterworth(kind: str, cutoff: float | tuple[float, float], signals: np.ndarray) -> np.ndarray:
    """`music.butterworth` as it was written out before scipy.signal."""
    response = impulse_response(*butter2(kind, cutoff))
    return apply_filter(response, signals) if signals.ndim == 2 else filter_long(response, signals)


@contextmanager
def hand_filters():
    library, music.butterworth = music.butterworth, hand_butterworth
    try:
        yield
    finally:
        music.butterworth = library


def hand_soundtrack() -> np.ndarray:
    with hand_filters():
        return music.synthesize(*SOUNDTRACK, seed=1)


def library_soundtrack() -> np.ndarray:
    return music.synthesize(*SOUNDTRACK, seed=1)


def bench_soundtrack() -> None:
    base = fresh_process("import numpy")
    with_signal = fresh_process("import numpy, scipy.signal")
    print(
        f"import scipy.signal in a fresh process: {with_signal - base:.2f} s on top of numpy's "
        f"(python + numpy {base:.2f} s, python + numpy + scipy.signal {with_signal:.2f} s; median of 5)"
    )
    hand, library = hand_soundtrack(), library_soundtrack()
    left, right = hand[:, 0].astype(np.float64), library[:, 0].astype(np.float64)
    assert hand.shape == library.shape and np.max(np.abs(left - right)) < 1e-6, "the filters disagree"
    freqs = np.fft.rfftfreq(len(left), 1 / music.SAMPLE_RATE)
    centroids = [
        float((np.abs(np.fft.rfft(x)) ** 2 * freqs).sum() / (np.abs(np.fft.rfft(x)) ** 2).sum())
        for x in (left, right)
    ]
    rms = [float(np.sqrt(np.mean(x**2))) for x in (left, right)]
    print(
        f"same soundtrack: {len(left)} samples both, largest sample difference {np.max(np.abs(left - right)):.1e}, "
        f"RMS {rms[0]:.5f} / {rms[1]:.5f}, spectral centroid {centroids[0]:.2f} / {centroids[1]:.2f} Hz"
    )
    report(
        f"one {SOUNDTRACK[1]:.0f} s soundtrack, warm process (best of 5)",
        timed(hand_soundtrack),
        timed(library_soundtrack),
        "s",
    )
    report(
        f"import + one {SOUNDTRACK[1]:.0f} s soundtrack in a fresh process (median of 5)",
        fresh_process("import benchmarks.libraries as b; b.hand_soundtrack()"),
        fresh_process("import benchmarks.libraries as b; b.library_soundtrack()"),
        "s",
    )


def main() -> None:
    print("1. soundtrack filters: hand-written Butterworth + FFT overlap-add → scipy.signal")
    bench_soundtrack()


if __name__ == "__main__":
    main()
