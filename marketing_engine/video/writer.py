"""The script writer's step: a script about a topic from the LLM (or the offline composer), its timing
checked against the video's length, and every spoken and shown line through the claims gate.

A script that fails the claims gate is held with the reason: the studio stops there, so nothing of
it is voiced, rendered or published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from marketing_engine.brand import BrandProfile
from marketing_engine.claims import ClaimsReport, check_claims
from marketing_engine.video.script import VideoScript, script_texts
from marketing_engine.video.step import Step
from marketing_engine.video.studio import checked_script, script_request
from marketing_engine.video.topics import TopicEvidence


class ScriptWriter(Protocol):
    """The LLM resource: `generate(request, schema)` answers with `.data` and `.usage`."""

    def generate(self, request: Any, schema: type[VideoScript]) -> Any: ...


@dataclass(frozen=True)
class WrittenScript:
    key: str
    topic: str
    script: VideoScript
    seconds: float  # the narration's estimated speaking time at the brand's pace
    claims: ClaimsReport
    evidence: TopicEvidence
    usage: Any  # the LLM's token and cost usage (`as_metadata()`)

    @property
    def held(self) -> str | None:
        """Why the studio stops at this script (the claims gate's summary), or None."""
        return None if self.claims.passed else self.claims.summary()

    def as_value(self) -> dict[str, Any]:
        """What the studio's later steps read: the script, its timing, the claims and the held reason."""
        return {
            "topic_key": self.key,
            "script": self.script.model_dump(),
            "estimated_speech_s": round(self.seconds, 1),
            "claims": {
                "passed": self.claims.passed,
                "counts": self.claims.counts(),
                "findings": [finding.__dict__ for finding in self.claims.findings],
            },
            "held": self.held,
        }

    def as_metadata(self) -> dict[str, Any]:
        """What an operator reads first: topic, language, hook, length, the claims gate's verdict, LLM usage."""
        script, claims = self.script, self.claims
        return {
            "topic": self.topic,
            "language": script.language,
            "trending": self.evidence.trending,
            "trigger": script.trigger,
            "hook": script.hook,
            "words": script.word_count,
            "estimated_speech_s": round(self.seconds, 1),
            "length_s": script.length_s,
            "claims_passed": claims.passed,
            **{f"claims_{kind}": count for kind, count in claims.counts().items()},
            "claims": claims.summary(),
            "held": self.held or "no",
            **self.usage.as_metadata(),
        }

    def as_step(self) -> Step:
        """The script as the studio's first step: its value, metadata and a table of its beats."""
        columns = ["on_screen", "narration", "b_roll"]
        beats = [{column: getattr(beat, column) for column in columns} for beat in self.script.beats]
        return Step(self.as_value(), self.as_metadata(), tables={"beats": (beats, columns)})


def write_script(
    writer: ScriptWriter,
    profile: BrandProfile,
    dna: dict[str, Any],
    key: str,
    topic: str,
    length_s: int,
    evidence: TopicEvidence,
    memory: Any = None,
) -> WrittenScript:
    """Ask for the script, check it fits `length_s` and check its claims against the brand file, the
    topic and the headlines the trends engine stored for it. `memory`: what campaign memory says for
    the video platforms and the topic (`analytics.recall.writer_memory`)."""
    request = script_request(profile, dna, topic, length_s, evidence.trending, evidence.headlines, memory)
    result = writer.generate(request, VideoScript)
    script, seconds = checked_script(result.data, dna)
    report = check_claims("\n".join(script_texts(script)), profile, [topic, *evidence.headlines])
    return WrittenScript(key, topic, script, seconds, report, evidence, result.usage)


def held_report(written: dict[str, Any]) -> dict[str, Any]:
    """What a held script leaves on the topic's earlier renders (`video_assets.gate_report`)."""
    return {"claims": written["claims"], "held": written["held"]}
