"""Which outreach sequences a run starts: one campaign per kind of outreach (answers to journalist
requests, broken-link and resource-page outreach, creator partnerships) and one sequence per
recipient whose first email passes the claims gate. Every candidate's campaign is kept, held or not,
so the campaigns list what was tried."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from marketing_engine.brand import BrandProfile
from marketing_engine.outreach import store
from marketing_engine.outreach.emails import OutreachGate, partnership_email, prospect_email
from marketing_engine.outreach.sequences import DEFAULT_FOLLOW_UPS, Identity, ensure_sequence
from marketing_engine.warehouse import Warehouse

PARTNERSHIP_MIN_SCORE = 0.6
PARTNERSHIPS_PER_RUN = 5


@dataclass(frozen=True)
class SequenceStart:
    """The first email of one sequence (the arguments of `ensure_sequence`)."""

    campaign_slug: str
    kind: str
    recipient: str
    recipient_name: str
    subject: str
    body: str
    follow_up_days: tuple[int, ...] = DEFAULT_FOLLOW_UPS
    send_by: datetime | None = None


@dataclass
class SequencePlan:
    brand: str
    campaigns: dict[str, dict[str, Any]] = field(default_factory=dict)  # slug -> outreach_campaigns row
    starts: list[SequenceStart] = field(default_factory=list)

    def campaign(self, kind: str, name: str) -> str:
        """The campaign of this kind of outreach (kept once), by slug."""
        slug = kind.replace("_", "-")
        self.campaigns[slug] = {
            "brand": self.brand,
            "slug": slug,
            "name": name,
            "kind": kind,
            "status": "active",
            "details": {},
        }
        return slug


def plan_sequences(warehouse: Warehouse, profile: BrandProfile, gate: OutreachGate) -> SequencePlan:
    """The sequences to start: every ready pitch, every link prospect with a contact address and the
    best-scored creators, each first email through the claims gate (pitches passed it already)."""
    plan = SequencePlan(profile.slug)
    for pitch in store.ready_pitches(warehouse, profile.slug):
        campaign = plan.campaign("press_pitches", "Answers to journalist requests")
        plan.starts.append(
            SequenceStart(
                campaign, "pitch", pitch.recipient, "", pitch.subject, pitch.body, (), pitch.send_by
            )
        )
    for prospect in store.contactable_prospects(warehouse, profile.slug):
        campaign = plan.campaign(f"{prospect.kind}s", f"{prospect.kind.replace('_', ' ')} outreach")
        subject, body = prospect_email(prospect, profile)
        evidence = [prospect.anchor, prospect.suggested_title, prospect.site, prospect.reason]
        if gate.check(prospect.contact_email, f"{subject}\n{body}", profile, evidence):
            plan.starts.append(
                SequenceStart(campaign, prospect.kind, prospect.contact_email, "", subject, body)
            )
    creators = store.partnership_candidates(
        warehouse, profile.slug, PARTNERSHIP_MIN_SCORE, PARTNERSHIPS_PER_RUN
    )
    for creator in creators:
        campaign = plan.campaign("partnerships", "Creator partnerships")
        subject, body = partnership_email(creator, profile)
        evidence = [creator.name or "", creator.handle]
        if gate.check(creator.contact_email, f"{subject}\n{body}", profile, evidence):
            name = creator.name or ""
            plan.starts.append(
                SequenceStart(campaign, "partnership", creator.contact_email, name, subject, body)
            )
    return plan


def start_sequences(session_factory: Callable, identity: Identity, plan: SequencePlan, now: datetime) -> None:
    """Keep the plan's campaigns and start its sequences, in one transaction; a sequence that exists
    (same campaign and recipient) is left as it is."""
    with session_factory() as session:
        store.save_campaigns(session, plan.campaigns.values())
        for start in plan.starts:
            ensure_sequence(session, identity, now=now, **asdict(start))
