"""TikTok: the Content Posting API on a user's token, the Research API on an app token."""

from marketing_engine.resources.platforms.tiktok.client import TikTokApi, tiktok_error

__all__ = ["TikTokApi", "tiktok_error"]
