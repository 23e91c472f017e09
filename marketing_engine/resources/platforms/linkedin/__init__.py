"""LinkedIn's REST API: versioned headers, OAuth refresh, retry policy."""

from marketing_engine.resources.platforms.linkedin.client import LinkedInApi

__all__ = ["LinkedInApi"]
