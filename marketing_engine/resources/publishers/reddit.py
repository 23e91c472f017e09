"""Reddit through praw: `Subreddit.submit` (a self post with the link in its body) to the community
the copy chose; read-back from the account's newest submissions.

prawcore retries 5xx and read timeouts on its own, which would repeat a submit that may already
have gone through; this publisher turns those retries off for its session and lets the queue look
before it tries again. Reddit's "you are doing that too much" answer is a rate limit.

Docs: https://www.reddit.com/dev/api/#POST_api_submit, https://praw.readthedocs.io/en/stable/
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from marketing_engine.publishing.outgoing import (
    AmbiguousPublish,
    OutgoingPost,
    PublishRejected,
    PublishResult,
    RateLimited,
)
from marketing_engine.resources.publishers.base import HttpPublisher, TokenExpired

_TRY_AGAIN = re.compile(r"(\d+)\s+(minute|second)")


class RedditPublisher:
    platform = "reddit"
    flush_every = 1

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        *,
        user_agent: str = "marketing-engine/0.1 (by the brand's account)",
        requestor_kwargs: dict | None = None,
    ):
        import praw

        self.reddit = praw.Reddit(
            client_id=client_id,
            client_secret=client_secret,
            refresh_token=refresh_token,
            user_agent=user_agent,
            requestor_kwargs=requestor_kwargs or {},
            ratelimit_seconds=0,
        )
        # no silent retries of a submit: the queue reads the account back before sending again
        self.reddit._core._retry_strategy_class = _no_retry_strategy()

    def _call(self, call: Callable[[], Any]) -> Any:
        import prawcore
        from praw.exceptions import RedditAPIException

        try:
            return call()
        except RedditAPIException as exc:
            item = exc.items[0]
            if item.error_type == "RATELIMIT":
                match = _TRY_AGAIN.search(item.message or "")
                wait = (
                    float(match.group(1)) * (60 if match and match.group(2) == "minute" else 1)
                    if match
                    else 600.0
                )
                raise RateLimited("reddit", wait, item.message) from None
            raise PublishRejected(f"reddit: {item.error_type}: {item.message}") from None
        except prawcore.TooManyRequests as exc:
            raise RateLimited(
                "reddit", float(exc.response.headers.get("retry-after", 60)), "HTTP 429"
            ) from None
        except (prawcore.InvalidToken, prawcore.OAuthException) as exc:
            raise TokenExpired(f"reddit: {exc}") from None
        except prawcore.ServerError as exc:
            raise AmbiguousPublish(f"reddit: HTTP {exc.response.status_code}") from None
        except prawcore.RequestException as exc:
            raise AmbiguousPublish(f"reddit: {type(exc.original_exception).__name__} on submit") from None
        except prawcore.ResponseException as exc:
            raise PublishRejected(f"reddit: HTTP {exc.response.status_code}") from None

    def publish(self, post: OutgoingPost) -> PublishResult:
        fields = post.fields
        community = fields.get("community")
        if not community:
            raise PublishRejected("reddit: the post names no community")
        submission = self._call(
            lambda: self.reddit.subreddit(community).submit(
                title=fields["title"], selftext=fields.get("text", ""), send_replies=True
            )
        )
        return PublishResult(submission.id, f"https://www.reddit.com/comments/{submission.id}/")

    def find(self, post: OutgoingPost, since: datetime | None = None) -> PublishResult | None:
        title = post.fields.get("title", post.body)
        newest = self._call(lambda: list(self.reddit.user.me().submissions.new(limit=25)))
        candidates = [
            (
                s.title,
                PublishResult(s.id, f"https://www.reddit.com{s.permalink}"),
                datetime.fromtimestamp(s.created_utc, UTC),
            )
            for s in newest
        ]
        return HttpPublisher.match_text(
            OutgoingPost(post.id, "reddit", post.idempotency_key, title), candidates, since
        )

    def verify(self, post_id: str, url: str | None) -> bool:
        submission = self._call(lambda: self.reddit.submission(id=post_id))
        removed = self._call(lambda: submission.removed_by_category)
        return removed is None and self._call(lambda: submission.author) is not None


def _no_retry_strategy() -> type:
    from prawcore.sessions import FiniteRetryStrategy

    class NoRetry(FiniteRetryStrategy):
        """One attempt, and no back-off sleep before it (prawcore's zero-retry strategy still sleeps)."""

        def __init__(self, retries: int = 0):
            super().__init__(retries=0)

        def _sleep_seconds(self) -> float | None:
            return None

    return NoRetry
