"""Reddit through praw, with prawcore's own retries off so Reddit's retry policy is the only one."""

from marketing_engine.resources.platforms.reddit.client import RedditApi, rate_limit_note

__all__ = ["RedditApi", "rate_limit_note"]
