"""Video scripts: a hook for the first three seconds from the trigger library, beats with on-screen
text and b-roll descriptions, and a call to action — sized to the target length at speaking rate.

`compose_video_script` is the offline composer (registered for the LLM task `video_script`); the
Anthropic backend fills the same `VideoScript` schema from the same inputs.
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


class ScriptTimingError(ValueError):
    """A script that cannot be spoken inside its target length (or is far too short for it)."""


class Beat(BaseModel):
    on_screen: str = Field(min_length=1, max_length=60)
    narration: str = Field(min_length=1)
    b_roll: str = Field(min_length=1)


class VideoScript(BaseModel):
    topic: str
    length_s: int
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
            f"script for {script.topic!r} fills only {seconds:.1f} s of {room:.1f} s: add beats"
        )
    hook_seconds = spoken_seconds(script.hook, words_per_minute)
    if hook_seconds > HOOK_SECONDS + 0.5:
        raise ScriptTimingError(f"hook {script.hook!r} takes {hook_seconds:.1f} s; it must land in 3 s")
    return seconds


def pick_trigger(topic: str, length_s: int, words_per_minute: int = 165) -> Trigger:
    """A trigger chosen from the topic (stable across runs, different across topics) among those
    whose hook, filled with this topic, can be spoken within the first three seconds."""
    limit = (HOOK_SECONDS + 0.5) * words_per_minute / 60
    values = {"topic": topic, "brand": "", "audience": "rider", "product": "", "city": "", "number": "30"}
    library = [
        t
        for _, t in sorted(triggers().items())
        if "{city}" not in t.template and len(words(fill(t.template, values))) <= limit
    ]
    if not library:  # a very long topic: only hooks that do not repeat it
        library = [t for _, t in sorted(triggers().items()) if "{" not in t.template]
    digest = hashlib.sha256(f"{topic}|{length_s}".encode()).digest()
    return library[int.from_bytes(digest[:4], "big") % len(library)]


def fill(template: str, values: dict[str, Any]) -> str:
    topic = str(values.get("topic", ""))
    return template.format(**{**values, "Topic": topic[:1].upper() + topic[1:]})


# (on-screen text, narration, b-roll) — the offline composer's beat bank, filled from the brand file.
_BEATS: list[tuple[str, str, str]] = [
    (
        "Start small",
        "Start with one trip a week. Time it, and compare it with how you travel today.",
        "A rider checks a watch at a green light, city street at morning",
    ),
    (
        "Know the real cost",
        "Count the real cost of {topic}: fuel, parking and time add up faster than you think.",
        "Receipts and a parking meter, then a calculator with the total",
    ),
    (
        "Pick the right fit",
        "The {product} is built for this. {product_description}",
        "Slow pan along the {product} in the {brand} workshop",
    ),
    (
        "Ask an expert",
        "Not sure where to begin? Our team in {city} answers {topic} questions every day.",
        "A mechanic at the {brand} store explains a detail to a customer",
    ),
    (
        "Keep it simple",
        "Keep a simple routine. Five minutes a week beats one big fix a year.",
        "Hands doing a quick check, close-up, warm light",
    ),
    (
        "Plan for weather",
        "Plan for rain and dark evenings: good lights and fenders make every day a riding day.",
        "Wet street at dusk, lights reflecting, rider passing by",
    ),
    (
        "Think in years",
        "Think about {topic} over a year, not a week. That is where the savings show up.",
        "Calendar pages flipping, then a smiling rider at a bike rack",
    ),
    (
        "Try before you buy",
        "Try it before you decide. A test ride tells you more than any spec sheet.",
        "Customer takes a test ride out of the {brand} store, sunny day",
    ),
]
_CTAS = [
    ("Book a free test ride at {domain}.", "Book a test ride"),
    ("Visit {brand} in {city}, or find us at {domain}.", "Visit us in {city}"),
    ("Follow {brand} for more, and visit {domain}.", "Follow {brand}"),
]


def _short(text: str, limit: int = 14) -> str:
    """The first sentence of a product description, at most `limit` words."""
    sentence = re.split(r"(?<=[.!?])\s", text.strip())[0]
    kept = sentence.split()[:limit]
    return " ".join(kept).rstrip(".,") + "."


def compose_video_script(request: Any, rng: random.Random) -> dict[str, Any]:
    """Offline composer for the `video_script` task: a complete script sized to its length."""
    inputs = request.inputs
    length_s, wpm = int(inputs["length_s"]), int(inputs.get("words_per_minute", 165))
    products = inputs.get("products") or [{"name": inputs["brand"], "description": inputs["brand"]}]
    product = products[rng.randrange(len(products))]
    values = {
        "topic": inputs["topic"],
        "brand": inputs["brand"],
        "domain": inputs["domain"],
        "audience": inputs.get("audience", "rider"),
        "product": product["name"],
        "product_description": _short(product["description"]),
        "city": (inputs.get("cities") or ["your city"])[0],
        "number": str(length_s),
    }
    trigger = inputs["trigger"]
    hook = fill(trigger["template"], values)
    budget = word_budget(length_s, wpm, float(inputs.get("outro_s", 3.5)))
    cta_text, cta_card = _CTAS[rng.randrange(len(_CTAS))]
    cta = fill(cta_text, values)
    room = budget - len(words(hook)) - len(words(cta))
    bank = list(_BEATS)
    rng.shuffle(bank)
    beats: list[dict[str, str]] = []
    for on_screen, narration, b_roll in bank * (1 + beat_count(length_s) // len(bank)):
        text = fill(narration, values)
        if len(words(text)) > room:  # a short video keeps only the beat's first sentence
            text = re.split(r"(?<=[.!?])\s", text)[0]
        if len(words(text)) > room or len(beats) >= beat_count(length_s):
            continue
        beats.append(
            {"on_screen": fill(on_screen, values), "narration": text, "b_roll": fill(b_roll, values)}
        )
        room -= len(words(text))
    return {
        "topic": inputs["topic"],
        "length_s": length_s,
        "trigger": trigger["name"],
        "hook": hook,
        "hook_on_screen": hook.rstrip("."),
        "beats": beats,
        "cta": cta,
        "cta_on_screen": fill(cta_card, values),
    }


def script_inputs(profile: Any, topic: str, length_s: int, words_per_minute: int, outro_s: float) -> dict:
    """The structured facts a script is written from (the LLM prompt and the offline composer)."""
    trigger = pick_trigger(topic, length_s, words_per_minute)
    return {
        "topic": topic,
        "length_s": length_s,
        "words_per_minute": words_per_minute,
        "outro_s": outro_s,
        "brand": profile.name,
        "domain": profile.domain,
        "audience": profile.audience.personas[0].split(",")[0].lower()
        if profile.audience.personas
        else profile.audience.description,
        "products": [{"name": p.name, "description": p.description} for p in profile.products],
        "cities": [location.city for location in profile.locations],
        "trigger": {"name": trigger.name, "template": trigger.template, "principle": trigger.principle},
    }
