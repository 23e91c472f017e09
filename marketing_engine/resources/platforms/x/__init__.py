"""X API v2: one bearer token for tweepy (publishing, trends, metrics) and httpx (discovery)."""

from marketing_engine.resources.platforms.x.client import XApi, tweepy_message

__all__ = ["XApi", "tweepy_message"]
