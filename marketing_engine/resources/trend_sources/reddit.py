"""Reddit via praw (application-only OAuth): posts and comment velocity per topic in the brand's communities.

One search per topic over the brand's communities joined (`r/first+second`), newest first,
last week; the posts created on the asked day count. `interest` is that number of posts, `volume`
their comments (comment velocity: how hard people are talking about it). Reads go through Reddit's
client and retry policy (`marketing_engine.resources.platforms.reddit`); what still fails — 401, a
429 resetting later than the policy waits, a body that is not JSON — becomes a `TrendSourceError`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from marketing_engine.resources.platforms.reddit import RedditApi
from marketing_engine.resources.retry import ProviderError
from marketing_engine.resources.trend_sources.base import reading, source_error
from marketing_engine.trends.readings import FetchRequest, TrendReading, TrendSourceError


class RedditTrendSource:
    name = "reddit"

    def __init__(self, client_id: str, client_secret: str, user_agent: str, **config):
        self._api = RedditApi(client_id, client_secret, user_agent=user_agent, **config)

    def fetch(self, request: FetchRequest) -> list[TrendReading]:
        communities = "+".join(request.communities) or "all"
        return [self._topic(topic, communities, request) for topic in request.topics]

    def _topic(self, topic: str, communities: str, request: FetchRequest) -> TrendReading:
        reddit = self._api.reddit
        try:
            posts = [
                post
                for post in self._api.read(
                    lambda: list(
                        reddit.subreddit(communities).search(
                            f'"{topic}"', sort="new", time_filter="week", limit=100
                        )
                    )
                )
                if datetime.fromtimestamp(post.created_utc, UTC).date() == request.day
            ]
            comments = sum(int(post.num_comments) for post in posts)
            titles = [
                {"title": post.title, "subreddit": str(post.subreddit), "comments": int(post.num_comments)}
                for post in posts[:20]
            ]
        except ProviderError as exc:
            raise source_error(self.name, topic, exc) from None
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise TrendSourceError(
                self.name, f"{topic!r}: malformed listing ({type(exc).__name__}: {exc})"
            ) from None
        raw = {"communities": communities, "posts": titles}
        return reading(self.name, request.day, topic, float(len(posts)), float(comments), raw)
