from __future__ import annotations

import random
import re

import pytest

from marketing_engine.resources.llm import LLMRequest, LLMResource
from marketing_engine.video.library import spec_table, triggers
from marketing_engine.video.script import (
    LENGTHS,
    ScriptTimingError,
    VideoScript,
    check_timing,
    compose_video_script,
    pick_trigger,
    script_inputs,
    spoken_seconds,
)
from marketing_engine.video.studio import checked_script, script_request


def test_trigger_library_has_at_least_40_named_triggers_with_fillable_templates():
    library = triggers()
    assert len(library) >= 40
    allowed = {"topic", "Topic", "brand", "audience", "product", "city", "number"}
    for trigger in library.values():
        assert trigger.principle and trigger.template
        assert set(re.findall(r"{(\w+)}", trigger.template)) <= allowed, trigger.name


@pytest.mark.parametrize("length", [15, 30, 60, 120])
def test_offline_scripts_fit_their_length_at_speaking_rate(example_brand, dna, length):
    request = script_request(example_brand, dna.as_dict(), "cargo e-bike", length)
    result = LLMResource(backend="offline").generate(request, VideoScript)
    script, seconds = checked_script(result.data, dna.as_dict())
    assert script.length_s == length
    assert 0.6 * (length - dna.outro_seconds) <= seconds <= length - dna.outro_seconds
    assert spoken_seconds(script.hook, dna.words_per_minute) <= 3.5
    assert script.trigger in triggers()
    assert all(beat.b_roll and beat.on_screen for beat in script.beats)
    assert "kestrelcycles.example" in script.cta or "Kestrel Cycles" in script.cta


def test_the_same_inputs_write_the_same_script(example_brand, dna):
    request = script_request(example_brand, dna.as_dict(), "e-bike tax credit", 30)
    first = LLMResource(backend="offline").generate(request, VideoScript)
    second = LLMResource(backend="offline").generate(request, VideoScript)
    assert first.text == second.text


def test_trigger_choice_is_stable_and_keeps_long_topics_speakable():
    assert pick_trigger("cargo e-bike", 30) == pick_trigger("cargo e-bike", 30)
    long_topic = "how to store an electric bike battery through a very cold and wet winter season"
    assert "{topic}" not in pick_trigger(long_topic, 30).template.lower()


def test_overlong_script_is_refused_with_the_numbers(short_script, dna):
    padded = short_script.model_copy(update={"cta": short_script.cta + " And one more thing." * 10})
    with pytest.raises(ScriptTimingError, match=r"needs \d+\.\d s of speech at 165 wpm"):
        check_timing(padded, dna.words_per_minute, dna.outro_seconds)


def test_thin_script_and_unknown_length_are_refused(short_script, dna):
    thin = short_script.model_copy(update={"beats": short_script.beats[:1], "hook": "Hi.", "cta": "Bye."})
    thin = thin.model_copy(update={"beats": [thin.beats[0].model_copy(update={"narration": "Go."})]})
    with pytest.raises(ScriptTimingError, match="fills only"):
        check_timing(thin, dna.words_per_minute, dna.outro_seconds)
    with pytest.raises(ScriptTimingError, match="not one of"):
        check_timing(
            short_script.model_copy(update={"length_s": 17}), dna.words_per_minute, dna.outro_seconds
        )
    assert 600 in LENGTHS


def test_composer_uses_brand_facts(example_brand, dna):
    inputs = script_inputs(example_brand, "e-bike maintenance", 60, 165, 3.5)
    script = compose_video_script(LLMRequest(task="video_script", prompt="", inputs=inputs), random.Random(3))
    text = " ".join(b["narration"] for b in script["beats"])
    assert "e-bike maintenance" in text or any(p.name in text for p in example_brand.products)


def test_spec_table_names_a_source_for_every_platform():
    table = spec_table()
    for name, spec in table["platforms"].items():
        assert spec["source"].startswith("https://"), name
    for rendition in table["renditions"].values():
        assert set(rendition["platforms"]) <= set(table["platforms"])
