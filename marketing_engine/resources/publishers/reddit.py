"""Reddit through praw: `Subreddit.submit` (a self post with the link in its body) to the community
the copy chose; read-back from the account's newest submissions.

Reddit's client (`marketing_engine.resources.platforms.reddit`) turns prawcore's own retries off:
they would repeat a submit that may already have gone through; the queue looks before it tries
again. Reddit's "you are doing that too much" answer is a rate limit.

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
from marketing_engine.resources.http import wait_from_headers
from marketing_engine.resources.platforms.reddit import RedditApi, settings
from marketing_engine.resources.publishers.base import HttpPublisher, TokenExpired, rate_limit_wait

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
        user_agent: str = settings.PUBLISH_USER_AGENT,
        requestor_kwargs: dict | None = None,
    ):
        self.api = RedditApi(
            client_id,
            client_secret,
            user_agent=user_agent,
            refresh_token=refresh_token,
            requestor_kwargs=requestor_kwargs or {},
            ratelimit_seconds=0,
        )
        self.reddit = self.api.reddit

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
                    else settings.SUBMIT_RATE_LIMIT_WAIT
                )
                raise RateLimited("reddit", wait, item.message) from None
            raise PublishRejected(f"reddit: {item.error_type}: {item.message}") from None
        except prawcore.TooManyRequests as exc:
            wait = rate_limit_wait(wait_from_headers(exc.response.headers), settings.RATE_LIMIT_WAIT)
            raise RateLimited("reddit", wait, "HTTP 429") from None
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
