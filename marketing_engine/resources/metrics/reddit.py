"""Reddit post metrics through praw: the brand's submissions by fullname (`GET /api/info?id=t3_…`,
≤ 100 a call; docs: https://www.reddit.com/dev/api/#GET_api_info), read under Reddit's client and
retry policy (prawcore's own retries off). Application-only OAuth (REDDIT_CLIENT_ID,
REDDIT_CLIENT_SECRET; REDDIT_REFRESH_TOKEN when set) reads public submissions.

Reddit reports no impressions or clicks for a submission (its view count is for moderators only):
impressions and clicks are 0, engagements are the score (net upvotes, not below 0) plus comments,
and the engagement rate is engagements per member of the community it was posted to
(`subreddit_subscribers`), the reach Reddit does report. The publisher stores the submission id
(base 36, without the `t3_` prefix).
"""

from __future__ import annotations

from typing import Any

from marketing_engine.resources.metrics.base import MetricsRequest, measured_row, posts_on
from marketing_engine.resources.platforms.reddit import RedditApi, settings
from marketing_engine.resources.retry import ProviderError

PROVIDER = "reddit"
BATCH = 100


class RedditMetricsBackend:
    def __init__(
        self, client_id: str, client_secret: str, *, refresh_token: str | None = None, **options: Any
    ):
        """`options`: sleep, policy, requestor_kwargs … as `RedditApi` takes them."""
        self.api = RedditApi(
            client_id,
            client_secret,
            user_agent=settings.METRICS_USER_AGENT,
            refresh_token=refresh_token,
            **options,
        )

    def submission_counts(self, ids: list[str]) -> dict[str, dict]:
        """submission id -> {impressions (0), engagements, members of its community}; deleted
        or unknown submissions are left out."""
        found: dict[str, dict] = {}
        for start in range(0, len(ids), BATCH):
            names = [f"t3_{i}" for i in ids[start : start + BATCH]]
            for submission in self.api.read(lambda names=names: list(self.api.reddit.info(fullnames=names))):
                try:
                    found[submission.id] = {
                        "impressions": 0,
                        "engagements": max(int(submission.score), 0) + int(submission.num_comments),
                        "members": int(submission.subreddit_subscribers),
                    }
                except (AttributeError, TypeError, ValueError) as exc:
                    raise ProviderError(
                        PROVIDER, f"malformed submission ({type(exc).__name__}: {exc})"
                    ) from None
        return found

    def journeys(self, request: MetricsRequest) -> list[dict]:
        return []

    def post_metrics(self, request: MetricsRequest, posts: list[dict]) -> list[dict]:
        mine = posts_on("reddit", posts)
        ids = [str(p["platform_post_id"]).removeprefix("t3_") for p in mine]
        counts = self.submission_counts(ids)
        rows = []
        for post, submission_id in zip(mine, ids):
            if submission_id in counts:
                numbers = counts[submission_id]
                rate = numbers["engagements"] / max(numbers["members"], 1)
                rows.append(
                    measured_row(
                        post, {k: numbers[k] for k in ("impressions", "engagements")}, PROVIDER, rate
                    )
                )
        return rows
