"""Libraries against the hand-written code they replaced, each pair timed in the same run, with the
ratio library / hand-written (above 1: the library is slower). The hand-written references live
only here, each checked to give the library's result before it is timed.

1. Soundtrack filters: scipy.signal (`butter(..., output="sos")` + `sosfilt`) against a hand-written
   second-order Butterworth design with FFT overlap-add filtering: importing scipy.signal in a fresh
   process, one 30 s soundtrack in a warm process, and a fresh process that imports and synthesizes
   (bare, and after importing Dagster and the music resource, as the soundtrack step's process has).
2. Captions: pysubs2 against hand-written ASS, SRT and VTT writers, for a 60 s script.
3. Word counts: `wording.count_words` against the three regexes it replaced.
4. The autocomplete daily cap: pyrate-limiter's SQLite bucket against a JSON file, per request and
   under eight processes taking 500 each from one cap of 3,000 at once (how many got through).
5. Publish pacing, kept hand-written (publishing/queue.py `dispatch_due`): the tick sleeps through
   the `sleep` it is given, so tests and drills run without waiting. pyrate-limiter stamps each
   create from the wall clock and records it when it was due, so under a sleep that does not wait
   its waits compound; its own Limiter sleeps with time.sleep, which would make the queue test wait.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from marketing_engine.video import music

if TYPE_CHECKING:
    from marketing_engine.video.captions import CaptionLayout, CaptionPage

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
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def report(name: str, hand: float, library: float, unit: str = "ms") -> None:
    scale = {"s": 1, "ms": 1e3, "µs": 1e6}[unit]
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
    difference = float(np.max(np.abs(hand.astype(np.float64) - library)))
    assert hand.shape == library.shape and difference < 1e-6, "the filters disagree"
    mono = [track[:, 0].astype(np.float64) for track in (hand, library)]
    power = [np.abs(np.fft.rfft(x)) ** 2 for x in mono]
    freqs = np.fft.rfftfreq(len(mono[0]), 1 / music.SAMPLE_RATE)
    centroids = [float((p * freqs).sum() / p.sum()) for p in power]
    rms = [float(np.sqrt(np.mean(x**2))) for x in mono]
    print(
        f"same soundtrack: {hand.shape} samples both, largest sample difference {difference:.1e}, "
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
    step = "import marketing_engine.resources.music, benchmarks.libraries as b; b.{}_soundtrack()"
    report(
        "the same after importing Dagster and the music resource, as the soundtrack step's process has "
        "(median of 3)",
        fresh_process(step.format("hand"), 3),
        fresh_process(step.format("library"), 3),
        "s",
    )


# 2. Captions -----------------------------------------------------------------------------------

Pages = list[tuple["CaptionPage", float]]


def _ass_colour(hex_colour: str, alpha: int = 0) -> str:
    red, green, blue = hex_colour[1:3], hex_colour[3:5], hex_colour[5:7]
    return f"&H{alpha:02X}{blue}{green}{red}".upper()


def _ass_time(seconds: float) -> str:
    centis = round(seconds * 100)
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    return f"{hours}:{minutes:02d}:{rest // 100:02d}.{rest % 100:02d}"


def hand_ass(pages: Pages, box: CaptionLayout, palette: dict[str, str], font: str) -> str:
    """The ASS file written out line by line (the per-word events are the product's own)."""
    from marketing_engine.video.captions import word_events

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
    events = [
        f"Dialogue: 0,{_ass_time(start)},{_ass_time(end)},Caption,,0,0,0,,{text}"
        for start, end, text in word_events(pages, box, _ass_colour(palette["accent"]), "&H00FFFFFF&")
    ]
    return "\n".join(header + events) + "\n"


def _clock(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}{separator}{rest % 1000:03d}"


def hand_srt(pages: Pages) -> str:
    blocks = [
        f"{index}\n{_clock(page.start, ',')} --> {_clock(end, ',')}\n{page.text}\n"
        for index, (page, end) in enumerate(pages, start=1)
    ]
    return "\n".join(blocks)


def hand_vtt(pages: Pages) -> str:
    blocks = [f"{_clock(page.start, '.')} --> {_clock(end, '.')}\n{page.text}\n" for page, end in pages]
    return "WEBVTT\n\n" + "\n".join(blocks)


def caption_pages() -> tuple[Pages, CaptionLayout]:
    """A 60 s script read at 150 words a minute, with accents and an emoji, paged as the studio does."""
    from marketing_engine.video import captions
    from marketing_engine.video.library import rendition

    vocabulary = ["Invisíveis", "ação", "the", "route", "🚲", "arrives", "before", "nine", "café", "crème"]
    words = [
        captions.TimedWord(vocabulary[n % len(vocabulary)], n * 0.4, n * 0.4 + 0.35, n % 9 == 8)
        for n in range(150)
    ]
    return captions.paginate(words), captions.layout(rendition("vertical"))


def bench_captions() -> None:
    from marketing_engine.video import captions

    pages, box = caption_pages()
    palette, font = {"accent": "#fb8b24", "text": "#1a2b3c"}, "DejaVu Sans"

    def styled(ass: str) -> list[str]:
        return [line for line in ass.splitlines() if line.startswith(("Style:", "Dialogue:"))]

    assert styled(hand_ass(pages, box, palette, font)) == styled(captions.to_ass(pages, box, palette, font))
    assert hand_srt(pages).strip() == captions.to_srt(pages).strip(), "the SRT files differ"

    def hand() -> None:
        hand_ass(pages, box, palette, font), hand_srt(pages), hand_vtt(pages)

    def library() -> None:
        captions.to_ass(pages, box, palette, font), captions.to_srt(pages), captions.to_vtt(pages)

    report(
        f"ASS + SRT + VTT for a 60 s script ({sum(len(p.words) for p, _ in pages)} words, {len(pages)} pages; "
        "same Style and Dialogue lines; best of 20)",
        timed(hand, 20),
        timed(library, 20),
    )
    report(
        "import pysubs2 in a fresh process (median of 5, against python alone)",
        fresh_process("pass"),
        fresh_process("import pysubs2"),
        "s",
    )


# 3. Word counts ---------------------------------------------------------------------------------

OLD_COUNTERS = {
    "seo/composer.py words()": re.compile(r"[^\W_]+(?:['’-][^\W_]+)*"),
    "outreach/pitches.py count_words()": re.compile(r"\S+"),
    "audit.py Page.words": re.compile(r"[^\W_]+(?:['’-][^\W_]+)*"),
}


def bench_word_counts() -> None:
    from marketing_engine.wording import count_words

    sentence = (
        "The [[cargo e-bikes|/guides/cargo/]] guide: a 500 Wh battery, $2,499, open 09:00–18:00 — "
        "invisíveis à noite, हिन्दी भाषा, see kestrel.example. "
    )
    page = sentence * 60
    print(f"a {len(page)}-character page: count_words {count_words(page)} words", end="")
    for name, pattern in OLD_COUNTERS.items():
        print(f", {name} {len(pattern.findall(page))}", end="")
    print()
    library = timed(lambda: count_words(page), 200)
    for name, pattern in OLD_COUNTERS.items():
        report(
            f"one page counted: {name} → wording.count_words (best of 200)",
            timed(lambda p=pattern: len(p.findall(page)), 200),
            library,
        )


# 4. The autocomplete daily cap ------------------------------------------------------------------


class JsonDailyCap:
    """The hand-written cap: a per-day counter in a small JSON file, read, compared and rewritten."""

    def __init__(self, path: Path, limit: int):
        self.path, self.limit = path, limit

    def _load(self) -> dict[str, int]:
        try:
            return json.loads(self.path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def take(self, today: date | None = None) -> bool:
        day = (today or date.today()).isoformat()
        counts = self._load()
        if counts.get(day, 0) >= self.limit:
            return False
        self.path.write_text(json.dumps({day: counts.get(day, 0) + 1}))
        return True


CAP_KINDS = ("hand", "library")  # the library's cap is the product's own DailyCap
RACERS, TAKES, LIMIT = 8, 500, 3000


def make_cap(kind: str, path: Path, limit: int):
    from marketing_engine.resources.keyword_ideas import DailyCap

    return JsonDailyCap(path, limit) if kind == "hand" else DailyCap(path, limit)


def race(kind: str, path: str, start_at: float) -> None:
    """One racing process: wait for the shared start, take TAKES times, print how many got through."""
    cap = make_cap(kind, Path(path), LIMIT)
    time.sleep(max(0.0, start_at - time.time()))
    print(sum(cap.take() for _ in range(TAKES)))


def raced(kind: str, folder: Path) -> int:
    path, start_at = folder / f"{kind}-race", time.time() + 3
    code = f"import benchmarks.libraries as b; b.race({kind!r}, {str(path)!r}, {start_at})"
    racers = [
        subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(RACERS)
    ]
    return sum(int(racer.communicate()[0]) for racer in racers)


def bench_daily_cap() -> None:
    with tempfile.TemporaryDirectory(prefix="cap-bench-") as tmp:
        folder = Path(tmp)
        per_take = {}
        for kind in CAP_KINDS:
            cap = make_cap(kind, folder / f"{kind}-single", 300)
            per_take[kind] = timed(lambda cap=cap: [cap.take() for _ in range(300)], 1) / 300
            assert not cap.take(), f"the {kind} cap let a 301st request through"
        report(
            "one take() from a cap of 300 (300 takes, the 301st refused by both)",
            per_take["hand"],
            per_take["library"],
        )
        got = {kind: raced(kind, folder) for kind in CAP_KINDS}
        print(
            f"{RACERS} processes each taking {TAKES} times from one cap of {LIMIT} at once: "
            f"hand-written let {got['hand']} through, library {got['library']} (the cap is {LIMIT})"
        )


# 5. Publish pacing (kept hand-written) -------------------------------------------------------


def hand_naps(creates: int, interval: float) -> list[float]:
    """dispatch_due's spacing: wait until `interval` after the last create, measured after the wait."""
    naps: list[float] = []
    last = None
    for _ in range(creates):
        if last is not None and (wait := last + interval - time.monotonic()) > 0:
            naps.append(wait)
        last = time.monotonic()
    return naps


def library_naps(creates: int, interval: float) -> list[float]:
    """The same spacing from a pyrate-limiter bucket, each wait slept through the same injected sleep."""
    from pyrate_limiter import InMemoryBucket, Rate, RateItem

    bucket, naps = InMemoryBucket([Rate(1, round(interval * 1000))]), []
    for _ in range(creates):
        item = RateItem("platform", bucket.now())
        if not bucket.put(item):
            wait = bucket.waiting(item)
            naps.append(wait / 1000)
            item.timestamp += wait + 1  # recorded when it is due, as pyrate-limiter's Limiter does
            bucket.put(item)
    return naps


def bench_pacing() -> None:
    hand, library = hand_naps(3, 10.0), library_naps(3, 10.0)
    print(
        "three creates at a 10 s pace under an injected sleep that does not wait (as the queue test "
        f"drives dispatch_due): hand-written naps {[round(n, 2) for n in hand]} s, "
        f"pyrate-limiter naps {[round(n, 2) for n in library]} s"
    )
    from pyrate_limiter import Limiter, Rate

    limiter = Limiter(Rate(1, 200))
    started = time.perf_counter()
    for _ in range(3):
        limiter.try_acquire("platform")
    print(
        f"pyrate-limiter's own Limiter, three acquisitions at a 0.2 s pace: {time.perf_counter() - started:.2f} s "
        "of real time.sleep (it takes no injected sleep); at the queue test's 10 s pace, 20 s of waiting"
    )
    report(
        "one pacing check per create (best of 5 × 1000)",
        timed(lambda: hand_naps(1000, 0.001), 5) / 1000,
        timed(lambda: library_naps(1000, 0.001), 5) / 1000,
        "µs",
    )


def main() -> None:
    print("1. soundtrack filters: hand-written Butterworth + FFT overlap-add → scipy.signal")
    bench_soundtrack()
    print("2. captions: hand-written ASS/SRT/VTT writers → pysubs2")
    bench_captions()
    print("3. word counts: three regexes → wording.count_words")
    bench_word_counts()
    print("4. autocomplete daily cap: JSON file → pyrate-limiter SQLite bucket")
    bench_daily_cap()
    print("5. publish pacing: kept hand-written (publishing/queue.py dispatch_due)")
    bench_pacing()


if __name__ == "__main__":
    main()
