from __future__ import annotations

import base64
import wave

import httpx
import numpy as np
import pytest
import respx

from marketing_engine.resources.http import ProviderError
from marketing_engine.resources.voice import VoiceError, VoiceResource, words_from_alignment
from marketing_engine.video.script import words as split_words
from marketing_engine.video.speech import (
    SpeechError,
    available_voice_languages,
    check_voice,
    resolve_voice,
    synthesize,
)

TEXT = "Stop scrolling. Your commute could cost half as much."
URL = "https://api.elevenlabs.io/v1/text-to-speech/voice-1/with-timestamps"


def test_espeak_gives_one_rising_timing_per_word():
    speech = synthesize(TEXT, rate=165)
    assert [w.word for w in speech.words] == split_words(TEXT)
    starts = [w.start for w in speech.words]
    assert starts == sorted(starts) and starts[0] < 0.2
    assert all(w.end > w.start for w in speech.words)
    assert 2.0 < speech.duration < 5.0
    assert speech.words[-1].end <= speech.duration + 1e-3
    assert np.abs(speech.samples).max() > 3000  # real audio, not silence


def test_faster_rate_speaks_shorter_and_bad_input_is_named():
    assert synthesize(TEXT, rate=230).duration < synthesize(TEXT, rate=150).duration
    with pytest.raises(SpeechError, match="empty"):
        synthesize("  ")
    with pytest.raises(SpeechError, match="no voice for language 'xx-nope'"):
        synthesize(TEXT, voice="xx-nope")


@pytest.mark.parametrize(
    ("code", "speaks"),
    [
        ("en-gb", "en-gb"),
        ("EN_GB", "en-gb"),
        ("pt", "pt"),
        ("pt-pt", "pt-pt"),
        ("pt-br", "pt-br"),
        ("de", "de"),
    ],
)
def test_voices_are_found_by_language_code_not_by_file_name(code, speaks):
    check_voice(code)
    voice = resolve_voice(code)
    assert speaks in voice.languages and not voice.identifier.startswith("mb/")
    assert speaks in available_voice_languages()


def test_british_and_brazilian_codes_pick_their_own_dialect():
    assert resolve_voice("en-gb").identifier != resolve_voice("en-us").identifier
    assert resolve_voice("pt-br").identifier != resolve_voice("pt-pt").identifier
    assert resolve_voice("pt").identifier == resolve_voice("pt-pt").identifier


def test_a_bad_voice_code_names_the_value_and_the_valid_choices():
    with pytest.raises(
        SpeechError, match=r"'pt_br!' is not a language code.*valid choices near it: pt, pt-br, pt-pt"
    ):
        check_voice("pt_br!")
    with pytest.raises(SpeechError, match=r"no voice for language 'xx-nope'.*valid choices include .*en-gb"):
        check_voice("xx-nope")


def test_portuguese_speech_keeps_accented_words_whole():
    text = "Bem-vindos à Tasca da Conceição, em Lisboa."
    speech = synthesize(text, voice="pt-pt")
    assert [w.word for w in speech.words] == split_words(text)
    assert 1.5 < speech.duration < 6.0


def test_voice_cache_never_synthesizes_the_same_text_twice():
    voice = VoiceResource()
    wav, words, cached = voice.speak(TEXT, "en-us", 165)
    again, words_again, cached_again = voice.speak(TEXT, "en-us", 165)
    assert (cached, cached_again) == (False, True)
    assert again == wav and words_again == words
    with wave.open(str(wav)) as handle:
        assert handle.getframerate() == 22050 and handle.getnchannels() == 1
    _, _, other = voice.speak(TEXT, "en-us", 180)
    assert other is False  # another rate is another recording


def _alignment(text: str) -> dict:
    chars = list(text)
    return {
        "characters": chars,
        "character_start_times_seconds": [i * 0.05 for i in range(len(chars))],
        "character_end_times_seconds": [i * 0.05 + 0.05 for i in range(len(chars))],
    }


def test_alignment_groups_characters_into_words():
    words = words_from_alignment("Hi there, Kestrel.", _alignment("Hi there, Kestrel."))
    assert [w["word"] for w in words] == ["Hi", "there", "Kestrel"]
    assert words[1]["char_start"] == 3 and words[1]["start"] == 0.15 and words[1]["end"] == 0.4
    with pytest.raises(VoiceError, match="alignment"):
        words_from_alignment("x", {"characters": ["x"], "character_start_times_seconds": []})


@respx.mock
def test_elevenlabs_with_timestamps_writes_wav_and_words(monkeypatch):
    pcm = (np.sin(np.arange(22050) / 5) * 8000).astype("<i2").tobytes()
    route = respx.post(URL).mock(
        side_effect=[
            httpx.Response(429, headers={"retry-after": "0"}, json={"detail": "slow down"}),
            httpx.Response(
                200, json={"audio_base64": base64.b64encode(pcm).decode(), "alignment": _alignment(TEXT)}
            ),
        ]
    )
    voice = VoiceResource(backend="elevenlabs", api_key="k-1", voice_id="voice-1")
    wav, words, cached = voice.speak(TEXT, "en-us", 165)
    assert route.call_count == 2 and not cached
    request = route.calls[-1].request
    assert request.headers["xi-api-key"] == "k-1" and request.url.params["output_format"] == "pcm_22050"
    assert [w["word"] for w in words] == split_words(TEXT)
    with wave.open(str(wav)) as handle:
        assert handle.getnframes() == 22050


@respx.mock
def test_elevenlabs_errors_are_specific():
    respx.post(URL).mock(return_value=httpx.Response(200, json={"audio_base64": "%%%not-base64"}))
    with pytest.raises(ProviderError, match="malformed with-timestamps response"):
        VoiceResource(backend="elevenlabs", api_key="k", voice_id="voice-1").speak("One.", "en-us", 165)
    respx.post(URL).mock(return_value=httpx.Response(401, json={"detail": {"message": "invalid api key"}}))
    with pytest.raises(ProviderError, match="HTTP 401"):
        VoiceResource(backend="elevenlabs", api_key="k", voice_id="voice-1").speak("Two.", "en-us", 165)
    # without its key ElevenLabs is not configured: nothing is sent, the offline espeak voice speaks
    keyless = VoiceResource(backend="elevenlabs", voice_id="voice-1")
    calls = len(respx.calls)
    wav, words, _ = keyless.speak("Three.", "en-us", 165)
    assert keyless.not_configured() == ["ELEVENLABS_API_KEY"] and keyless.engine() == "espeak"
    assert len(respx.calls) == calls and [w["word"] for w in words] == ["Three"] and wav.stat().st_size > 44
    assert keyless.engine_version().startswith("espeak-ng") and "gmw/en-US" in keyless.voice_name("en-us")
    assert VoiceResource(backend="elevenlabs", api_key="k").not_configured() == []


def test_hyphenated_words_and_domains_stay_whole_in_the_timings():
    text = "Ride a cargo e-bike, then visit kestrelcycles.example today."
    spoken = [w.word for w in synthesize(text).words]
    assert spoken == ["Ride", "a", "cargo", "e-bike", "then", "visit", "kestrelcycles.example", "today"]


def test_a_word_espeak_runs_into_its_neighbour_still_gets_a_timing():
    text = "Kestrel Cargo is trending. In the news: a closer look."
    spoken = synthesize(text, voice="en-us").words
    assert [w.word for w in spoken] == [
        "Kestrel",
        "Cargo",
        "is",
        "trending",
        "In",
        "the",
        "news",
        "a",
        "closer",
        "look",
    ]
    starts = [w.start for w in spoken]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


def test_numbers_keep_their_separators_in_the_timings():
    spoken = [w.word for w in synthesize("Preço: 21,50 €. Mais de 4,000 visitas.", voice="pt-pt").words]
    assert spoken == ["Preço", "21,50", "Mais", "de", "4,000", "visitas"]
