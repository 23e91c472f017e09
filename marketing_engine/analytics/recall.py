"""What other groups read back from the learning loop (the queries live in `analytics.store`).

- `learned_findings`: campaign-memory sentences for a prompt (script and page writers), strongest
  evidence first, optionally for some platforms only.
- `bandit_shares`: the Thompson-sampling allocation for one platform and dimension ("hook" or
  "posting_time", whose arms are 3-hour windows like "18:00-21:00"), for the publishing calendar.
- `writer_memory`: what one writer (page, video script, post copy) reads before it drafts: the
  findings for its platforms and topic, and the hook type the bandit favours there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from marketing_engine.analytics.assignments import FINAL, POST_TESTS
from marketing_engine.analytics.store import bandit_shares, learned_findings
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import BanditAllocation, CampaignMemory, ExperimentResult

__all__ = ["WriterMemory", "bandit_shares", "learned_findings", "writer_memory"]


@dataclass(frozen=True)
class WriterMemory:
    findings: list[str] = field(default_factory=list)
    favoured_hook: str | None = None  # the hook type the bandit (else the hook findings) favours
    winners: dict[str, str] = field(default_factory=dict)  # decided experiment → the variant that won

    def prompt_block(self) -> str:
        """The findings as a prompt paragraph ("" when memory is empty)."""
        if not self.findings and not self.favoured_hook and not self.winners:
            return ""
        lines = [f"- {finding}" for finding in self.findings]
        if self.favoured_hook:
            lines.append(f"- favoured hook type: {self.favoured_hook.replace('_', ' ')}")
        lines += [
            f"- experiment {name} decided: use {variant!r}" for name, variant in sorted(self.winners.items())
        ]
        return "What campaign memory has learned (measured; follow it where the facts allow):\n" + "\n".join(
            lines
        )

    def as_inputs(self) -> dict:
        return {
            "findings": list(self.findings),
            "favoured_hook": self.favoured_hook,
            "winners": dict(self.winners),
        }


def _favoured_hook(warehouse: Warehouse, brand: str, platforms: Sequence[str]) -> str | None:
    """The hook arm with the largest bandit share summed over `platforms`; without allocations, the
    best hook of the campaign memory's hook findings (finding_key `best>other`)."""
    shares: Counter[str] = Counter()
    allocation, memory = BanditAllocation, CampaignMemory
    with warehouse.session() as session:
        rows = session.execute(
            select(allocation.arm, allocation.share).where(
                allocation.brand == brand,
                allocation.dimension == "hook",
                allocation.platform.in_(list(platforms)),
            )
        ).tuples()
        for arm, share in rows:
            shares[arm] += float(share)
        if not shares:
            keys = session.execute(
                select(memory.finding_key, memory.evidence_count).where(
                    memory.brand == brand, memory.dimension == "hook", memory.platform.in_(list(platforms))
                )
            ).tuples()
            for key, evidence in keys:
                shares[key.split(">")[0]] += float(evidence or 0)
    if not shares:
        return None
    return max(sorted(shares), key=lambda arm: shares[arm])


def writer_memory(
    warehouse: Warehouse, brand: str, platforms: Sequence[str], topic: str = "", limit: int = 6
) -> WriterMemory:
    """The findings a writer for `platforms` reads (theirs, the site's and those for every platform,
    strongest evidence first), plus any finding that names `topic`, and the favoured hook type."""
    found = learned_findings(warehouse, brand, list(platforms), limit)
    if topic.strip():
        memory = CampaignMemory
        with warehouse.session() as session:
            about = session.scalars(
                select(memory.finding)
                .where(memory.brand == brand, memory.finding.ilike(f"%{topic.strip()}%"))
                .order_by(memory.evidence_count.desc(), memory.finding_key)
                .limit(limit)
            )
            found += [text for text in about if text not in found]
    return WriterMemory(found, _favoured_hook(warehouse, brand, platforms), _winners(warehouse, brand))


def _winners(warehouse: Warehouse, brand: str) -> dict[str, str]:
    """Decided experiments (a final decision of `analytics.assignments.decide`) → the winning variant.
    A post test (hook, title) stopped with no difference has no winner: its A is only the runner-up
    arm, not a control (the title split test's A is: its control title stays)."""
    result = ExperimentResult
    query = select(result.experiment, result.decision, result.variant_a, result.variant_b).where(
        result.brand == brand, result.decision.in_(FINAL)
    )
    with warehouse.session() as session:
        rows = session.execute(query).tuples().all()
    return {
        name: b if decision == "ship B" else a
        for name, decision, a, b in rows
        if decision in ("ship B", "keep A") or name.split(":")[0] not in POST_TESTS
    }
