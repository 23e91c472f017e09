"""The first emails of link-building and partnership sequences, in the brand's language, and the claims
gate every outreach text passes before it may be sent (pitches included)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from marketing_engine.brand import BrandProfile, Product
from marketing_engine.wording import frames

_LINK = re.compile(r"https?://\S+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")


def _reason(reason: str, words: dict[str, str]) -> str:
    status = re.match(r"HTTP (\d{3})", reason)
    return words["reason_status"].format(status=status.group(1)) if status else words["reason_gone"]


def prospect_email(prospect: Any, profile: BrandProfile) -> tuple[str, str]:
    """(subject, body) for a broken-link or resource-page prospect (a `LinkProspect` row)."""
    words = frames("outreach", profile.language)["prospect"]
    slots = {
        "site": prospect.site,
        "page_url": prospect.page_url,
        "broken_url": prospect.broken_url,
        "anchor": prospect.anchor,
        "title": prospect.suggested_title,
        "url": prospect.suggested_url,
        "domain": profile.domain,
        "brand": profile.name,
    }
    if prospect.kind == "broken_link":
        reason = _reason(prospect.reason, words)
        return words["broken_subject"].format(**slots), words["broken_body"].format(**slots, reason=reason)
    return words["resource_subject"].format(**slots), words["resource_body"].format(**slots)


def _closest_product(profile: BrandProfile, text: str) -> Product:
    from marketing_engine.publishing.copy import common_words, topic_words

    about = topic_words(text, profile.language) - common_words(profile)

    def score(product: Product) -> int:
        name = topic_words(product.name, profile.language) & about
        rest = topic_words(" ".join([product.description, *product.features]), profile.language) & about
        return 2 * len(name) + len(rest)

    return max(profile.products, key=score)  # the first product on a tie


def partnership_email(creator: Any, profile: BrandProfile) -> tuple[str, str]:
    """(subject, body) inviting a creator (an `Influencer` row) to try the product closest to their work."""
    words = frames("outreach", profile.language)["partnership"]
    product = _closest_product(profile, f"{creator.name} {creator.handle}")
    url = profile.site_url + (product.url_path or "/")
    subject = words["subject"].format(brand=profile.name, creator=creator.name or creator.handle)
    body = words["body"].format(
        brand=profile.name,
        product=product.name,
        description=product.description,
        platform={"x": "X", "youtube": "YouTube"}.get(creator.platform, creator.platform),
        url=url,
    )
    return subject, body


@dataclass
class OutreachGate:
    """The claims gate over outgoing texts: counts, and the reasons of those held back."""

    checked: int = 0
    held: int = 0
    findings: dict[str, int] = field(
        default_factory=lambda: {"numeral": 0, "first_person": 0, "testimonial": 0}
    )
    reasons: list[str] = field(default_factory=list)
    _brand: tuple[BrandProfile, Any] | None = field(default=None, repr=False, compare=False)

    def brand_facts(self, profile: BrandProfile):
        """The brand file's facts as claims evidence, read once per gate (one asset run)."""
        from marketing_engine.claims import Evidence
        from marketing_engine.publishing.copy import brand_evidence

        if self._brand is None or self._brand[0] is not profile:
            self._brand = (profile, Evidence(profile, brand_evidence(profile)))
        return self._brand[1]

    def check(self, label: str, text: str, profile: BrandProfile, evidence: Iterable[str] = ()) -> bool:
        """True when `text` may be sent. Links and addresses are not claims and are not read."""
        from marketing_engine.claims import check_claims

        facts = self.brand_facts(profile).with_extra(list(evidence))
        report = check_claims(_LINK.sub(" ", text), profile, facts)
        self.checked += 1
        for kind, count in report.counts().items():
            self.findings[kind] = self.findings.get(kind, 0) + count
        if not report.passed:
            self.held += 1
            self.reasons.append(f"{label}: {report.summary()}")
        return report.passed

    def as_metadata(self, prefix: str) -> dict[str, int]:
        return {
            f"{prefix}_checked": self.checked,
            f"{prefix}_held": self.held,
            **{f"{prefix}_{kind}": count for kind, count in self.findings.items()},
        }
