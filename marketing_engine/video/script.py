"""Video scripts: a hook for the first three seconds from the trigger library, beats with on-screen
text and b-roll descriptions, and a call to action — sized to the target length at speaking rate.

`compose_video_script` is the offline composer (registered for the LLM task `video_script`); the
Anthropic backend fills the same `VideoScript` schema from the same inputs. Every word the composer
writes about the business comes from the brand file (products, features, prices, facts, FAQs,
permitted quotes, locations and hours) or from what the trends engine fetched (the topic, whether it
is trending, its headlines), set in generic frames in the audience's language
(`data/frames/video/<lang>.yaml`). The frames state no number and no first-person claim of their
own, so a script passes the claims gate by construction; the gate still checks every script
(`script_texts` is everything a viewer hears or reads).
"""

from __future__ import annotations

import hashlib
import random
import re
from typing import Any

from pydantic import BaseModel, Field

from marketing_engine.video.library import Trigger, triggers

LENGTHS = (15, 30, 60, 90, 120, 180, 300, 600)
HOOK_SECONDS = 3.0
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ScriptTimingError(ValueError):
    """A script that cannot be spoken inside its target length (or is far too short for it)."""


class Beat(BaseModel):
    on_screen: str = Field(min_length=1, max_length=60)
    narration: str = Field(min_length=1)
    b_roll: str = Field(min_length=1)
    headline: str | None = Field(default=None, max_length=90)  # the big line; None: from the narration


class VideoScript(BaseModel):
    topic: str
    length_s: int
    language: str = "en"
    trigger: str
    hook: str
    hook_on_screen: str
    beats: list[Beat] = Field(min_length=1)
    cta: str
    cta_on_screen: str

    def narration_parts(self) -> list[str]:
        return [self.hook, *(beat.narration for beat in self.beats), self.cta]

    @property
    def narration(self) -> str:
        return " ".join(self.narration_parts())

    @property
    def word_count(self) -> int:
        return len(words(self.narration))


def words(text: str) -> list[str]:
    return re.findall(r"[\w'’-]+", text)


def beat_headline(beat: Beat) -> str:
    """A beat's big on-screen line: its own headline, else its first sentence cut to eight words."""
    if beat.headline:
        return beat.headline
    text = beat.narration.strip()
    named, colon, rest = text.partition(": ")
    if colon and rest and named.casefold() == beat.on_screen.strip().casefold():
        text = rest  # "Product: what it is" under a "Product" label: the big line says what it is
    sentence = re.split(r"(?<=[.!?:])\s", text)[0].rstrip(".:!?")
    kept = sentence.split()
    return " ".join(kept[:8]).rstrip(",;") + ("…" if len(kept) > 8 else "")


def script_texts(script: VideoScript) -> list[str]:
    """Everything a viewer hears or reads in the video, one text per line of the claims check."""
    shown = [line for beat in script.beats for line in (beat.on_screen, beat_headline(beat))]
    return [*script.narration_parts(), script.hook_on_screen, *shown, script.cta_on_screen]


def spoken_seconds(text: str, words_per_minute: int) -> float:
    return len(words(text)) * 60.0 / words_per_minute


def beat_count(length_s: int) -> int:
    return max(2, min(20, round((length_s - HOOK_SECONDS - 4) / 7.5)))


def word_budget(length_s: int, words_per_minute: int, outro_s: float) -> int:
    """Words that fit: the whole length minus the silent end card, at speaking rate."""
    return int((length_s - outro_s - 0.5) * words_per_minute / 60)


def check_timing(script: VideoScript, words_per_minute: int, outro_s: float) -> float:
    """Estimated speech seconds; raises ScriptTimingError when it overruns or badly underfills."""
    if script.length_s not in LENGTHS:
        raise ScriptTimingError(f"video length {script.length_s} s is not one of {LENGTHS}")
    seconds = spoken_seconds(script.narration, words_per_minute)
    room = script.length_s - outro_s
    if seconds > room:
        raise ScriptTimingError(
            f"script for {script.topic!r} needs {seconds:.1f} s of speech at {words_per_minute} wpm "
            f"but the {script.length_s} s video has {room:.1f} s before the end card"
        )
    if seconds < 0.6 * room:
        raise ScriptTimingError(
            f"script for {script.topic!r} fills only {seconds:.1f} s of {room:.1f} s: the brand file has "
            "too few facts for this length (add products, features, FAQs or facts, or make it shorter)"
        )
    hook_seconds = spoken_seconds(script.hook, words_per_minute)
    if hook_seconds > HOOK_SECONDS + 0.5:
        raise ScriptTimingError(f"hook {script.hook!r} takes {hook_seconds:.1f} s; it must land in 3 s")
    return seconds


def fill(template: str, values: dict[str, Any]) -> str:
    topic = str(values.get("topic", ""))
    return template.format(**{**values, "Topic": topic[:1].upper() + topic[1:]})


# The post hook type the bandit favours (`analytics.assignments`) → the trigger that opens the same way.
HOOK_TRIGGERS = {
    "question": "direct_question",
    "story": "storytelling",
    "bold_claim": "bold_claim",
    "statistic": "specificity",
    "how_to": "shortcut",
}


def pick_trigger(
    topic: str,
    length_s: int,
    words_per_minute: int = 165,
    language: str = "en",
    values: dict[str, Any] | None = None,
    favoured_hook: str | None = None,
) -> Trigger:
    """A trigger chosen from the topic (stable across runs, different across topics) among those whose
    facts exist (`needs`: a trending topic, a city) and whose hook, filled in, is spoken within three
    seconds. With `favoured_hook` (campaign memory's favourite hook type on the video platforms), its
    trigger (`HOOK_TRIGGERS`) is taken when it is usable."""
    values = {"brand": "", "product": "", "city": "", "trending": False, **(values or {}), "topic": topic}
    have = {"trending": bool(values["trending"]), "city": bool(values["city"])}
    limit = (HOOK_SECONDS + 0.5) * words_per_minute / 60
    usable = [t for _, t in sorted(triggers(language).items()) if all(have.get(n, False) for n in t.needs)]
    library = [t for t in usable if len(words(fill(t.template, values))) <= limit]
    if not library:  # a very long topic: only hooks that do not repeat it
        library = [t for t in usable if "{topic}" not in t.template.lower()] or usable
    wanted = HOOK_TRIGGERS.get(favoured_hook or "")
    for trigger in library:
        if trigger.name == wanted:
            return trigger
    digest = hashlib.sha256(f"{topic}|{length_s}".encode()).digest()
    return library[int.from_bytes(digest[:4], "big") % len(library)]


def _stems(text: str) -> set[str]:
    return {word[:5] for word in re.findall(r"\w+", text.casefold()) if len(word) > 2}


def by_relevance(items: list[Any], topic: str, text_of) -> list[Any]:
    """Items sharing the most word stems with the topic first; ties keep the brand file's order."""
    wanted = _stems(topic)
    return sorted(items, key=lambda item: -len(wanted & _stems(text_of(item))))


def _day_runs(days: list[str], names: dict[str, str], wording: dict[str, Any]) -> str:
    """`tue wed thu fri` → "Tuesday to Friday"; runs of consecutive days, each in the audience's words."""
    order = sorted({WEEKDAYS.index(day) for day in days})
    runs: list[list[int]] = []
    for index in order:
        if runs and index == runs[-1][-1] + 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    parts = []
    for run in runs:
        first, last = names[WEEKDAYS[run[0]]], names[WEEKDAYS[run[-1]]]
        frame = (
            wording["days_one"]
            if len(run) == 1
            else wording["days_two"]
            if len(run) == 2
            else wording["days_range"]
        )
        parts.append(frame.format(first=first, last=last))
    return wording["days_join"].join(parts)


def _sentence_end(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _beat(wording: dict[str, Any], kind: str, values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    frame, filled = wording["beats"][kind], {**values, **extra}
    return {
        "on_screen": fill(frame["label"], filled)[:60],
        "narration": fill(frame["narration"], filled),
        "b_roll": fill(frame["b_roll"], filled),
    }


def _then(beat: dict[str, Any], wording: dict[str, Any], kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """The beat with one more sentence from another kind's frame (a price after a product)."""
    return {**beat, "narration": beat["narration"] + " " + fill(wording["beats"][kind]["narration"], values)}


def _product_beats(wording: dict[str, Any], base: dict[str, Any], product: dict[str, Any]) -> list[dict]:
    """The product with its price, then one beat per feature."""
    values = {**base, "product": product["name"], "description": _sentence_end(product["description"])}
    beat = _beat(wording, "product", values)
    if product.get("price"):
        beat = _then(beat, wording, "price", {**values, "price": product["price"]})
    features = [
        _beat(wording, "feature", values, feature=f.rstrip(".")) for f in product.get("features") or []
    ]
    return [beat, *features]


def _place_beat(wording: dict[str, Any], base: dict[str, Any], location: dict[str, Any]) -> dict[str, Any]:
    values = {**base, "city": location["city"], "place": location["place"], "street": location["street"]}
    beat = _beat(wording, "location", values)
    for hours in location.get("hours") or []:
        beat = _then(beat, wording, "hours", {**values, **hours})
    return beat


def candidate_beats(inputs: dict[str, Any], wording: dict[str, Any]) -> list[dict[str, Any]]:
    """Every beat the brand's facts can fill, most useful first: the trend and its headline, the product
    closest to the topic with its price and first feature, the closest FAQ and fact, the first place
    with its hours, a guarantee, a permitted quote; then everything else."""
    base = {"topic": inputs["topic"], "brand": inputs["brand"], "domain": inputs["domain"]}
    facts = inputs.get("facts") or {}
    trend = []
    if inputs.get("trending"):
        trend = [_beat(wording, "trend", base)]
        for headline in (inputs.get("headlines") or [])[:1]:
            trend = [_then(trend[0], wording, "headline", {**base, "headline": headline.rstrip(".")})]
    products = [_product_beats(wording, base, p) for p in inputs.get("products") or []] or [[]]
    faqs = [
        {
            **_beat(
                wording, "faq", base, question=_sentence_end(f["question"]), answer=_sentence_end(f["answer"])
            ),
            "whole": True,
        }
        for f in facts.get("faqs") or []
    ]
    statements = [
        _beat(wording, "statement", base, statement=_sentence_end(s)) for s in facts.get("statements") or []
    ]
    places = [_place_beat(wording, base, location) for location in inputs.get("locations") or []]
    guarantees = [
        _beat(wording, "guarantee", base, statement=_sentence_end(g)) for g in facts.get("guarantees") or []
    ]
    quotes = [
        {
            **_beat(wording, "quote", base, text=q["text"].strip(), author=q["author"]),
            "headline": q["author"][:90],
        }
        for q in facts.get("quotes") or []
    ]
    extras = [
        _beat(wording, "certification", base, certification=c) for c in facts.get("certifications") or []
    ]
    extras += [
        _beat(wording, "figure", base, statement=f["statement"], source=f["source"])
        for f in facts.get("figures") or []
    ]
    if facts.get("founded"):
        extras.append(_beat(wording, "founded", base, year=facts["founded"]))
    first = trend + products[0][:2] + faqs[:1] + statements[:1] + places[:1] + guarantees[:1] + quotes[:1]
    others = [beat for beats in products[1:] for beat in beats]
    return first + products[0][2:] + others + faqs[1:] + statements[1:] + places[1:] + guarantees[1:] + extras


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", text)[0]


def compose_video_script(request: Any, rng: random.Random) -> dict[str, Any]:
    """Offline composer for the `video_script` task: a complete script sized to its length."""
    from marketing_engine.wording import frames

    inputs = request.inputs
    language = inputs.get("language", "en")
    wording = frames("video", language)
    length_s, wpm = int(inputs["length_s"]), int(inputs.get("words_per_minute", 165))
    products = inputs.get("products") or []
    cities = inputs.get("cities") or []
    values = {
        "topic": inputs["topic"],
        "brand": inputs["brand"],
        "domain": inputs["domain"],
        "product": products[0]["name"] if products else inputs["brand"],
        "city": cities[0] if cities else "",
    }
    hook = fill(inputs["trigger"]["template"], values)
    budget = word_budget(length_s, wpm, float(inputs.get("outro_s", 3.5)))
    ctas = list(wording["ctas"]) + (list(wording["ctas_city"]) if cities else [])
    if not products:
        ctas = [c for c in ctas if "{product}" not in c["narration"] + c["card"]]
    cta_frame = ctas[rng.randrange(len(ctas))]
    cta = fill(cta_frame["narration"], values)
    room = budget - len(words(hook)) - len(words(cta))
    beats: list[dict[str, Any]] = []
    for beat in candidate_beats(inputs, wording):
        if len(beats) >= beat_count(length_s):
            break
        whole = beat.pop("whole", False)  # a question without its answer says nothing
        if len(words(beat["narration"])) > room and not whole:  # a short video keeps the first sentence
            beat = {**beat, "narration": _first_sentence(beat["narration"])}
        if len(words(beat["narration"])) > room:
            continue
        beats.append(beat)
        room -= len(words(beat["narration"]))
    return {
        "topic": inputs["topic"],
        "length_s": length_s,
        "language": language,
        "trigger": inputs["trigger"]["name"],
        "hook": hook,
        "hook_on_screen": hook.rstrip("."),
        "beats": beats,
        "cta": cta,
        "cta_on_screen": fill(cta_frame["card"], values)[:60],
    }


def _hours(location: Any, names: dict[str, str], wording: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {
            "days": _day_runs(list(row.days), names, wording),
            "opens": row.opens.strftime("%H:%M"),
            "closes": row.closes.strftime("%H:%M"),
        }
        for row in location.hours
    ]


def script_inputs(
    profile: Any,
    topic: str,
    length_s: int,
    words_per_minute: int,
    outro_s: float,
    trending: bool = False,
    headlines: list[str] | tuple[str, ...] = (),
    learned: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The structured facts a script is written from (the LLM prompt and the offline composer):
    the brand file's products, facts and places ordered by how close they are to the topic, and
    what campaign memory learned (`learned`: findings, favoured hook type)."""
    from babel.dates import get_day_names

    from marketing_engine.wording import frames

    language = profile.language
    wording = frames("video", language)
    day_names = get_day_names("wide", locale=profile.babel_locale)
    names = {day: day_names[index] for index, day in enumerate(WEEKDAYS)}
    products = by_relevance(
        list(profile.products), topic, lambda p: " ".join([p.name, p.description, *p.features])
    )
    facts = profile.facts
    locations = [
        {
            "place": location.name or location.city,
            "city": location.city,
            "street": location.address.street if location.address else location.city,
            "hours": _hours(location, names, wording),
        }
        for location in profile.locations
    ]
    trigger = pick_trigger(
        topic,
        length_s,
        words_per_minute,
        language,
        {
            "brand": profile.name,
            "product": products[0].name,
            "city": locations[0]["city"] if locations else "",
            "trending": trending,
        },
        (learned or {}).get("favoured_hook"),
    )
    return {
        "topic": topic,
        "length_s": length_s,
        "words_per_minute": words_per_minute,
        "outro_s": outro_s,
        "language": language,
        "brand": profile.name,
        "domain": profile.domain,
        "trending": trending,
        "headlines": list(headlines),
        "products": [
            {
                "name": p.name,
                "description": p.description,
                "features": list(p.features),
                "price": profile.price_of(p),
            }
            for p in products
        ],
        "facts": {
            "founded": facts.founded,
            "statements": by_relevance(list(facts.statements), topic, str),
            "guarantees": list(facts.guarantees),
            "certifications": list(facts.certifications),
            "figures": [{"statement": f.statement, "source": f.source} for f in facts.figures],
            "faqs": [
                {"question": f.question, "answer": f.answer}
                for f in by_relevance(list(facts.faqs), topic, lambda f: f"{f.question} {f.answer}")
            ],
            "quotes": [{"text": q.text, "author": q.author} for q in facts.publishable_quotes],
        },
        "cities": [location["city"] for location in locations],
        "locations": locations,
        "trigger": {"name": trigger.name, "template": trigger.template, "principle": trigger.principle},
        **({"learned": learned} if learned else {}),
    }
