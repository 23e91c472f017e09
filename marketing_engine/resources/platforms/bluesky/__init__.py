"""Bluesky (AT Protocol): app-password sessions over XRPC, retry policy."""

from marketing_engine.resources.platforms.bluesky.client import BlueskyApi

__all__ = ["BlueskyApi"]
