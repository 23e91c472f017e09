"""What other groups read back from the learning loop.

- `learned_findings`: campaign-memory sentences for a prompt (script and page writers), strongest
  evidence first, optionally for some platforms only.
- `bandit_shares`: the Thompson-sampling allocation for one platform and dimension ("hook" or
  "posting_time", whose arms are 3-hour windows like "18:00-21:00"), for the publishing calendar.
"""

from __future__ import annotations

from sqlalchemy import select

from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import BanditAllocation, CampaignMemory


def learned_findings(
    warehouse: Warehouse, brand: str, platforms: list[str] | None = None, limit: int = 8
) -> list[str]:
    query = select(CampaignMemory.finding).where(CampaignMemory.brand == brand)
    if platforms:
        query = query.where(CampaignMemory.platform.in_([*platforms, "all", "site"]))
    query = query.order_by(CampaignMemory.evidence_count.desc(), CampaignMemory.finding_key).limit(limit)
    with warehouse.session() as session:
        return list(session.scalars(query))


def bandit_shares(warehouse: Warehouse, brand: str, platform: str, dimension: str) -> dict[str, float]:
    """Arm -> share of posts (sums to 1), or {} before the experiments asset has run."""
    query = select(BanditAllocation.arm, BanditAllocation.share).where(
        BanditAllocation.brand == brand,
        BanditAllocation.platform == platform,
        BanditAllocation.dimension == dimension,
    )
    with warehouse.session() as session:
        return {arm: share for arm, share in session.execute(query)}
