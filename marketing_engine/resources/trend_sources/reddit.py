"""Reddit via praw (application-only OAuth): posts and comment velocity per topic in the brand's communities.

One search per topic over the brand's communities joined (`r/ebikes+bikecommuting`), newest first,
last week; the posts created on the asked day count. `interest` is that number of posts, `volume`
their comments (comment velocity: how hard people are talking about it). prawcore's errors — 401,
429 with its reset header, 5xx, a body that is not JSON — become `TrendSourceError`s.
"""

from __future__ import annotations

from datetime import UTC, datetime

from marketing_engine.trends.readings import FetchRequest, TrendReading, TrendSourceError


class RedditTrendSource:
    name = "reddit"

    def __init__(self, client_id: str, client_secret: str, user_agent: str, **config):
        import praw
        import prawcore

        self._errors = prawcore.exceptions
        self._reddit = praw.Reddit(
            client_id=client_id,
            client_secret=client_secret,
            user_agent=user_agent,
            check_for_async=False,
            check_for_updates=False,
            **config,
        )

    def fetch(self, request: FetchRequest) -> list[TrendReading]:
        communities = "+".join(request.communities) or "all"
        return [self._topic(topic, communities, request) for topic in request.topics]

    def _topic(self, topic: str, communities: str, request: FetchRequest) -> TrendReading:
        try:
            posts = [
                post
                for post in self._reddit.subreddit(communities).search(
                    f'"{topic}"', sort="new", time_filter="week", limit=100
                )
                if datetime.fromtimestamp(post.created_utc, UTC).date() == request.day
            ]
            comments = sum(int(post.num_comments) for post in posts)
            titles = [
                {"title": post.title, "subreddit": str(post.subreddit), "comments": int(post.num_comments)}
                for post in posts[:20]
            ]
        except self._errors.TooManyRequests as exc:
            reset = exc.response.headers.get("x-ratelimit-reset", "?")
            raise TrendSourceError(self.name, f"rate limited for {topic!r} (resets in {reset} s)") from None
        except self._errors.PrawcoreException as exc:
            raise TrendSourceError(self.name, f"{topic!r}: {type(exc).__name__}: {exc}") from None
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise TrendSourceError(
                self.name, f"{topic!r}: malformed listing ({type(exc).__name__}: {exc})"
            ) from None
        return TrendReading(
            day=request.day,
            source=self.name,
            topic=topic,
            interest=float(len(posts)),
            volume=float(comments),
            raw={"communities": communities, "posts": titles},
        )
