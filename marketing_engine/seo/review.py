"""The claims gate on pages, and the review queue of pages it holds.

Every draft, offline or LLM-written, is checked with `marketing_engine.claims.check_claims` against the
brand file plus what the page's brief gives it to rely on (its keyword, cluster, sibling searches and
link anchors). A page with a finding is held: it stays noindex, is not published, and waits in the
review queue with the reason until a person fixes the draft or the brand file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from marketing_engine.brand import BrandProfile
from marketing_engine.claims import ClaimsReport, Evidence, check_claims
from marketing_engine.seo.composer import PageDraft
from marketing_engine.seo.factsheet import sheet_for

_LINK = re.compile(r"\[\[([^|\]]+)\|[^\]]+\]\]")


def page_evidence(brief: dict[str, Any]) -> list[str]:
    """What a page may rely on beyond the brand file: its own searches and link anchors."""
    return [
        brief["keyword"],
        brief.get("hub_keyword", ""),
        brief.get("cluster_name", ""),
        *brief.get("siblings", []),
        *brief.get("questions", []),
        *(link["anchor"] for link in brief.get("links", [])),
    ]


def draft_text(draft: PageDraft | dict[str, Any]) -> str:
    """The draft as a reader reads it (links as their anchor text), one block per line."""
    page = draft if isinstance(draft, PageDraft) else PageDraft.model_validate(draft)
    return "\n".join(_LINK.sub(lambda m: m.group(1), text) for text in page.texts())


@dataclass
class PageGate:
    """The claims gate over a set of drafts: each page's report, and the totals for asset metadata."""

    reports: dict[str, ClaimsReport] = field(default_factory=dict)

    @property
    def held(self) -> dict[str, ClaimsReport]:
        return {slug: report for slug, report in self.reports.items() if not report.passed}

    def counts(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for report in self.reports.values():
            total.update(report.counts())
        return {kind: total.get(kind, 0) for kind in ("numeral", "first_person", "testimonial")}

    def metadata(self) -> dict[str, Any]:
        return {
            "claims_pages_checked": len(self.reports),
            "claims_findings": self.counts(),
            "claims_pages_held": len(self.held),
        }


def gate_pages(
    profile: BrandProfile, items: Iterable[tuple[str, dict[str, Any], PageDraft | dict[str, Any]]]
) -> PageGate:
    """Run the claims gate on (slug, brief, draft) items."""
    _, sheet = sheet_for(profile)
    base = Evidence(profile, sheet.evidence())
    gate = PageGate()
    for slug, brief, draft in items:
        gate.reports[slug] = check_claims(draft_text(draft), profile, base.with_extra(page_evidence(brief)))
    return gate


def report_json(report: ClaimsReport, limit: int = 5) -> dict[str, Any]:
    """What the warehouse keeps of a page's claims report (`page_briefs.gate_report["claims"]`)."""
    return {
        "passed": report.passed,
        "counts": report.counts(),
        "summary": report.summary(),
        "findings": [
            {"kind": f.kind, "span": f.span, "sentence": f.sentence[:200], "reason": f.reason}
            for f in report.findings[:limit]
        ],
    }


def review_queue(held: Sequence[dict[str, Any]]) -> str:
    """The pages waiting for a person, as markdown: path, keyword and why the gate held each."""
    lines = [
        "# Pages held by the claims gate",
        "",
        "Each page states something the brand file does not back. Fix the draft or add the fact to the",
        "brand file (`facts:`), then re-run the cluster's pages; the page is published once the gate passes.",
        "",
        "| path | keyword | findings | first finding |",
        "| --- | --- | --- | --- |",
    ]
    for row in held:
        claims = row["claims"]
        first = claims["findings"][0] if claims["findings"] else {"kind": "", "span": "", "reason": ""}
        reason = f"{first['kind']} '{first['span']}': {first['reason']}".replace("|", "\\|")
        lines.append(f"| {row['path']} | {row['keyword']} | {sum(claims['counts'].values())} | {reason} |")
    if not held:
        lines.append("| — | — | 0 | no page held |")
    return "\n".join(lines) + "\n"
