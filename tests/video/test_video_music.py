from __future__ import annotations

import subprocess

import numpy as np
import pytest

from marketing_engine.resources.music import MusicResource
from marketing_engine.video.music import MOODS, SAMPLE_RATE, MusicError, synthesize


def test_soundtrack_is_seeded_stereo_and_sized():
    first, again = synthesize("upbeat", 6, seed=3), synthesize("upbeat", 6, seed=3)
    assert first.shape == (6 * SAMPLE_RATE, 2)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, synthesize("upbeat", 6, seed=4))
    assert 0.5 < np.abs(first).max() <= 1.0


@pytest.mark.parametrize("mood", sorted(MOODS))
def test_every_mood_makes_sound_and_hats_only_where_it_has_drums(mood):
    samples = synthesize(mood, 4, seed=1)[:, 0]
    assert np.sqrt(np.mean(samples**2)) > 0.05
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / SAMPLE_RATE)
    high = spectrum[freqs > 7000].sum() / spectrum.sum()
    assert (high > 1e-4) == MOODS[mood].drums, high


def test_bad_mood_and_length_are_named():
    with pytest.raises(MusicError, match="unknown music mood 'polka'"):
        synthesize("polka", 5)
    with pytest.raises(MusicError, match="outside"):
        synthesize("calm", 0.1)


def test_music_resource_caches_and_writes_a_48k_wav():
    music = MusicResource()
    path, cached = music.soundtrack("calm", 3, seed=9)
    path_again, cached_again = music.soundtrack("calm", 3, seed=9)
    assert (cached, cached_again) == (False, True) and path == path_again
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "stream=sample_rate,channels",
            "-of",
            "csv=p=0",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert probe == "48000,2"
