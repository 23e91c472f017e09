"""Publishers: one per platform, real (official SDK or httpx) and offline (the outbox), behind the
`Publisher` interface of `marketing_engine.publishing.outgoing`. `PublishersResource` hands the
queue the right one per platform; secrets only through dagster.EnvVar.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Literal

from dagster import ConfigurableResource
from pydantic import Field, PrivateAttr

from marketing_engine.publishing.outgoing import Publisher
from marketing_engine.settings import home_dir


class PublisherConfigError(RuntimeError):
    """A real backend asked for a platform whose credentials are not configured."""


class PublishersResource(ConfigurableResource):
    """`backend: outbox` (default: a folder per platform under `$MARKETING_ENGINE_HOME/outbox`) or
    `real` (each platform's API; credentials from the environment)."""

    backend: Literal["outbox", "real"] = "outbox"
    outbox_root: str = Field(default="", description="Empty means $MARKETING_ENGINE_HOME/outbox.")
    lookahead_hours: float = Field(
        default=0.0,
        description="Also publish posts due within this many hours (the offline demo previews a day).",
    )
    reconcile_grace_seconds: float = 600.0
    max_attempts: int = 3
    linkedin_access_token: str | None = None
    linkedin_refresh_token: str | None = None
    linkedin_client_id: str | None = None
    linkedin_client_secret: str | None = None
    linkedin_author_urn: str | None = None
    x_access_token: str | None = None
    x_refresh_token: str | None = None
    x_client_id: str | None = None
    x_client_secret: str | None = None
    meta_page_id: str | None = None
    meta_page_token: str | None = None
    instagram_user_id: str | None = None
    threads_user_id: str | None = None
    threads_token: str | None = None
    tiktok_access_token: str | None = None
    tiktok_refresh_token: str | None = None
    tiktok_client_key: str | None = None
    tiktok_client_secret: str | None = None
    youtube_access_token: str | None = None
    youtube_refresh_token: str | None = None
    youtube_client_id: str | None = None
    youtube_client_secret: str | None = None
    pinterest_access_token: str | None = None
    pinterest_board_id: str | None = None
    pinterest_refresh_token: str | None = None
    pinterest_client_id: str | None = None
    pinterest_client_secret: str | None = None
    reddit_client_id: str | None = None
    reddit_client_secret: str | None = None
    reddit_refresh_token: str | None = None
    bluesky_handle: str | None = None
    bluesky_app_password: str | None = None
    public_media_base_url: str | None = Field(
        default=None, description="Where platforms that fetch media by URL (Instagram, Threads) find it."
    )

    _cache: dict = PrivateAttr(default_factory=dict)

    def outbox_dir(self) -> Path:
        return Path(self.outbox_root) if self.outbox_root else home_dir("outbox")

    def for_platform(self, platform: str, media_path=None) -> Publisher:
        if platform not in self._cache:
            self._cache[platform] = self._build(platform, media_path)
        return self._cache[platform]

    def _need(self, platform: str) -> None:
        missing = [name for name in REQUIRED[platform] if not getattr(self, name)]
        if missing:
            env = ", ".join(name.upper() for name in missing)
            raise PublisherConfigError(
                f"publisher {platform!r} (backend real) needs {env} in the environment"
            )

    def _oauth(self, platform: str) -> dict[str, str | None]:
        """A platform's OAuth refresh fields (`<platform>_refresh_token`, `_client_id`, `_client_secret`)."""
        return {
            name: getattr(self, f"{platform}_{name}")
            for name in ("refresh_token", "client_id", "client_secret")
        }

    def _build(self, platform: str, media_path) -> Publisher:
        if self.backend == "outbox":
            from marketing_engine.resources.publishers.outbox import OutboxPublisher

            return OutboxPublisher(self.outbox_dir(), platform, media_path)
        if platform not in REQUIRED:
            raise PublisherConfigError(
                f"publisher {platform!r}: no real backend in this release (set the channel's backend to outbox)"
            )
        self._need(platform)
        module = importlib.import_module(f"{__name__}.{platform}")  # only the platforms in use load their SDK
        media = self.public_media_base_url
        match platform:  # required fields are set (checked above)
            case "linkedin":
                return module.LinkedInPublisher(
                    self.linkedin_access_token,
                    self.linkedin_author_urn,
                    media_path=media_path,
                    **self._oauth(platform),
                )
            case "x":
                return module.XPublisher(self.x_access_token, media_path=media_path, **self._oauth(platform))
            case "facebook":
                return module.FacebookPublisher(self.meta_page_id, self.meta_page_token, media_base_url=media)
            case "instagram":
                return module.InstagramPublisher(
                    self.instagram_user_id, self.meta_page_token, media_base_url=media
                )
            case "threads":
                return module.ThreadsPublisher(self.threads_user_id, self.threads_token, media_base_url=media)
            case "tiktok":
                return module.TikTokPublisher(
                    self.tiktok_access_token,
                    media_path=media_path,
                    refresh_token=self.tiktok_refresh_token,
                    client_key=self.tiktok_client_key,
                    client_secret=self.tiktok_client_secret,
                )
            case "youtube":
                return module.YouTubePublisher(
                    media_path=media_path, access_token=self.youtube_access_token, **self._oauth(platform)
                )
            case "bluesky":
                return module.BlueskyPublisher(self.bluesky_handle, self.bluesky_app_password)
            case "pinterest":
                return module.PinterestPublisher(
                    self.pinterest_access_token,
                    self.pinterest_board_id,
                    media_path=media_path,
                    media_base_url=media,
                    **self._oauth(platform),
                )
        return module.RedditPublisher(
            self.reddit_client_id, self.reddit_client_secret, self.reddit_refresh_token
        )


# The environment variables each real backend needs (secrets arrive through dagster.EnvVar).
CREDENTIALS: dict[str, dict[str, str]] = {
    "linkedin": {
        "linkedin_access_token": "LINKEDIN_ACCESS_TOKEN",
        "linkedin_author_urn": "LINKEDIN_AUTHOR_URN",
    },
    "x": {"x_access_token": "X_ACCESS_TOKEN"},
    "facebook": {"meta_page_id": "META_PAGE_ID", "meta_page_token": "META_PAGE_TOKEN"},
    "instagram": {
        "instagram_user_id": "INSTAGRAM_USER_ID",
        "meta_page_token": "META_PAGE_TOKEN",
        "public_media_base_url": "PUBLIC_MEDIA_BASE_URL",
    },
    "threads": {"threads_user_id": "THREADS_USER_ID", "threads_token": "THREADS_TOKEN"},
    "tiktok": {
        "tiktok_access_token": "TIKTOK_ACCESS_TOKEN",
        "tiktok_refresh_token": "TIKTOK_REFRESH_TOKEN",
        "tiktok_client_key": "TIKTOK_CLIENT_KEY",
        "tiktok_client_secret": "TIKTOK_CLIENT_SECRET",
    },
    "youtube": {
        "youtube_refresh_token": "YOUTUBE_REFRESH_TOKEN",
        "youtube_client_id": "YOUTUBE_CLIENT_ID",
        "youtube_client_secret": "YOUTUBE_CLIENT_SECRET",
    },
    "bluesky": {"bluesky_handle": "BLUESKY_HANDLE", "bluesky_app_password": "BLUESKY_APP_PASSWORD"},
    "pinterest": {
        "pinterest_access_token": "PINTEREST_ACCESS_TOKEN",
        "pinterest_board_id": "PINTEREST_BOARD_ID",
    },
    "reddit": {
        "reddit_client_id": "REDDIT_CLIENT_ID",
        "reddit_client_secret": "REDDIT_CLIENT_SECRET",
        "reddit_refresh_token": "REDDIT_REFRESH_TOKEN",
    },
}


# What a real backend cannot go without (TikTok posts with an access token alone; it refreshes
# only when its refresh token and app credentials are there too).
REQUIRED: dict[str, tuple[str, ...]] = {
    **{platform: tuple(fields) for platform, fields in CREDENTIALS.items()},
    "tiktok": ("tiktok_access_token",),
}


def prod_publishers(platforms: list[str]) -> PublishersResource:
    """The real publishers for the brand's enabled platforms: only their credentials are required."""
    from dagster import EnvVar

    fields: dict[str, object] = {}
    for platform in platforms:
        for field_name, env in CREDENTIALS.get(platform, {}).items():
            fields[field_name] = EnvVar(env)
    return PublishersResource(backend="real", **fields)  # type: ignore[arg-type]


def prod_publishers_for_brand(path: Path | str) -> PublishersResource:
    """Real publishers for the channels the brand file enables (no brand file: none required)."""
    from marketing_engine.brand import BrandFileError, load_brand

    try:
        platforms = list(load_brand(path).enabled_channels)
    except BrandFileError:
        platforms = []
    return prod_publishers(platforms)
