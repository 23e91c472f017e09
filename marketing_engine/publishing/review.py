"""The review queue as a person reads it: what waits for approval, what the claims gate held and why,
and the latest decisions with who, when and the content hash they saw."""

from __future__ import annotations

from collections.abc import Sequence

from marketing_engine.warehouse.models import ReviewDecision, SocialPost

WAITING = ("id", "platform", "scheduled (UTC)", "text")
HELD = ("id", "platform", "text", "reason")
DECIDED = ("post", "decision", "by", "when (UTC)", "content sha256", "note")
HOW_TO_REVIEW = (
    "Approve with `marketing-engine review approve ID`, reject with `review reject ID --note WHY`."
)
HELD_NOTE = (
    "A held post is never queued: it states something the brand file does not hold. Add the fact "
    "to the brand file (with its source) or let the copy be rewritten; the next run checks it again."
)


def _one_line(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


def _table(title: str, header: Sequence[str], rows: Sequence[str], note: str = "") -> list[str]:
    lines = [title, ""] + ([note, ""] if note else [])
    return [*lines, "| " + " | ".join(header) + " |", "|" + "---|" * len(header), *rows]


def review_report(
    pending: Sequence[SocialPost], held: Sequence[SocialPost], decisions: Sequence[ReviewDecision]
) -> str:
    """The review queue report in Markdown (the calendar writes it to `reports/review_queue.md`)."""
    waiting = [
        f"| {p.id} | {p.platform} | {p.scheduled_at:%Y-%m-%d %H:%M} | {_one_line(p.body, 90)} |"
        for p in pending
        if p.scheduled_at
    ]
    stopped = [
        f"| {p.id} | {p.platform} | {_one_line(p.body, 90)} | "
        f"{(p.last_error or '').replace('|', '/')[:200]} |"
        for p in held
    ]
    decided = [
        f"| {d.post_id} | {d.decision} | {d.reviewer} | {d.decided_at:%Y-%m-%d %H:%M} | "
        f"{d.content_sha256[:12]} | {d.note or ''} |"
        for d in decisions
    ]
    lines = [
        *_table(f"# Review queue — {len(pending)} posts waiting", WAITING, waiting, HOW_TO_REVIEW),
        "",
        *_table(f"## Held by the claims gate — {len(held)} posts", HELD, stopped, HELD_NOTE),
        "",
        *_table("## Latest decisions", DECIDED, decided),
    ]
    return "\n".join(lines) + "\n"
