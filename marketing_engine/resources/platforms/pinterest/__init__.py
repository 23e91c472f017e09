"""Pinterest API v5: OAuth token and refresh, retry policy."""

from marketing_engine.resources.platforms.pinterest.client import PinterestApi

__all__ = ["PinterestApi"]
