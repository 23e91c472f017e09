from __future__ import annotations

import random
import re

import pytest
from vocabulary import examples, leaks, own_words

from marketing_engine.claims import check_claims
from marketing_engine.llm import LLMRequest
from marketing_engine.resources.llm import LLMResource
from marketing_engine.trends.replay import fill_title
from marketing_engine.video.dna import video_dna
from marketing_engine.video.library import spec_table, triggers
from marketing_engine.video.script import (
    LENGTHS,
    Beat,
    ScriptTimingError,
    VideoScript,
    beat_headline,
    check_timing,
    compose_video_script,
    fill,
    pick_trigger,
    script_inputs,
    script_texts,
    spoken_seconds,
    words,
)
from marketing_engine.video.speech import resolve_voice, synthesize
from marketing_engine.video.studio import checked_script, script_request
from marketing_engine.wording import frames


def test_trigger_library_has_at_least_40_named_triggers_with_fillable_templates():
    library = triggers()
    assert len(library) >= 40
    allowed = {"topic", "Topic", "brand", "product", "city"}
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


def _frame_words(node) -> set[str]:
    """Every word the frames themselves write (slots removed)."""
    if isinstance(node, dict):
        return set().union(*(_frame_words(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_frame_words(v) for v in node)) if node else set()
    text = re.sub(r"{\w+}", " ", str(node))
    return {w.casefold() for w in re.findall(r"[^\W\d_]{3,}", text)}


def _brand_script(profile, length=30):
    dna = video_dna(profile).as_dict()
    topic = profile.seed_topics[0]
    headline = fill_title(frames("trends", profile.language)["news_titles"][0], topic)
    request = script_request(profile, dna, topic, length, trending=True, headlines=[headline])
    script, _ = checked_script(LLMResource(backend="offline").generate(request, VideoScript).data, dna)
    return script, [topic, headline], dna


@pytest.mark.parametrize("profile", examples(), ids=lambda p: p.slug)
def test_each_brand_gets_a_script_from_its_own_facts_in_its_own_language(profile):
    script, evidence, _ = _brand_script(profile)
    seen = "\n".join([*script_texts(script), *(beat.b_roll for beat in script.beats)])
    assert script.language == profile.language
    report = check_claims("\n".join(script_texts(script)), profile, evidence)
    assert report.counts() == {"numeral": 0, "first_person": 0, "testimonial": 0}, report.summary()
    assert leaks(seen, profile) == {}
    assert profile.seed_topics[0] in script.narration.casefold()
    assert any(product.name in script.narration for product in profile.products)
    other = "pt" if profile.language == "en" else "en"
    other_only = _frame_words(frames("video", other)) - _frame_words(frames("video", profile.language))
    written = {w.casefold() for w in re.findall(r"[^\W\d_]+", seen)}
    assert not (written & other_only) - own_words(profile)


def test_the_portuguese_script_keeps_its_letters_and_is_spoken_with_a_portuguese_voice():
    profile = next(p for p in examples() if p.language == "pt")
    script, _, dna = _brand_script(profile)
    assert "à" in script.narration and "ç" in script.narration.casefold() + script.cta
    assert resolve_voice(dna["voice"]).languages[0] == "pt"
    spoken = synthesize(script.narration, voice=dna["voice"], rate=dna["words_per_minute"])
    heard = [w.word for w in spoken.words]
    assert "lagareiro" in heard and "notícias" in heard
    assert len(heard) >= 0.9 * len(words(script.narration))
    assert [w.start for w in spoken.words] == sorted(w.start for w in spoken.words)


@pytest.mark.parametrize("language", ["en", "pt"])
def test_hooks_make_no_claim_of_their_own_in_any_brand(language):
    library = triggers(language)
    assert len(library) >= 40 and set(library) == set(triggers("en"))
    for profile in examples():
        values = {"topic": profile.seed_topics[0], "brand": profile.name, "product": profile.products[0].name}
        values["city"] = profile.locations[0].city if profile.locations else ""
        for trigger in library.values():
            hook = fill(trigger.template, values)
            assert check_claims(hook, profile, [values["topic"]]).passed, (profile.name, hook)


def test_trending_hooks_only_for_trending_topics_and_city_hooks_only_with_a_city():
    for topic in [f"topic {n}" for n in range(60)]:
        plain = pick_trigger(topic, 30, values={"trending": False, "city": ""})
        assert not plain.needs
    needs = {n for t in triggers().values() for n in t.needs}
    assert needs == {"trending", "city"}


def test_a_script_that_invents_numbers_or_experience_fails_the_gate(example_brand, short_script):
    invented = short_script.model_copy(
        update={
            "beats": [
                *short_script.beats,
                Beat(
                    on_screen="Proof",
                    narration="Nine out of ten riders save 40% a month. We tested this for 13 weeks.",
                    b_roll="Chart",
                ),
            ]
        }
    )
    report = check_claims("\n".join(script_texts(invented)), example_brand, [invented.topic])
    assert report.counts()["numeral"] >= 2 and report.counts()["first_person"] == 1


def test_a_quote_beat_shows_its_author_not_a_cut_quote(example_brand):
    inputs = script_inputs(example_brand, "e-bike maintenance", 120, 165, 3.5)
    script = VideoScript.model_validate(
        compose_video_script(LLMRequest(task="video_script", prompt="", inputs=inputs), random.Random(1))
    )
    quotes = [b for b in script.beats if "“" in b.narration]
    assert quotes and beat_headline(quotes[0]) == example_brand.facts.publishable_quotes[0].author


def test_the_big_line_says_what_the_product_is_not_its_name_twice():
    beat = Beat(
        on_screen="Widget Pro", narration="Widget Pro: A small widget for large jobs. Price: 9.", b_roll="x"
    )
    assert beat_headline(beat) == "A small widget for large jobs"
    other = Beat(on_screen="Trending now", narration="In the news: widgets again.", b_roll="x")
    assert beat_headline(other) == "In the news"
