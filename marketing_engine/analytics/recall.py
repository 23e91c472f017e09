"""What other groups read back from the learning loop (the queries live in `analytics.store`).

- `learned_findings`: campaign-memory sentences for a prompt (script and page writers), strongest
  evidence first, optionally for some platforms only.
- `bandit_shares`: the Thompson-sampling allocation for one platform and dimension ("hook" or
  "posting_time", whose arms are 3-hour windows like "18:00-21:00"), for the publishing calendar.
"""

from marketing_engine.analytics.store import bandit_shares, learned_findings

__all__ = ["bandit_shares", "learned_findings"]
