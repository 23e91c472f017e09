"""Publishers: one per platform, real (official SDK or httpx) and offline (the outbox), behind the
`Publisher` interface of `marketing_engine.publishing.outgoing`. `PublishersResource` hands the
queue the right one per platform; secrets only through dagster.EnvVar.
"""

from __future__ import annotations

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

    def _need(self, platform: str, **values: str | None) -> None:
        missing = [name for name, value in values.items() if not value]
        if missing:
            env = ", ".join(name.upper() for name in missing)
            raise PublisherConfigError(
                f"publisher {platform!r} (backend real) needs {env} in the environment"
            )

    def _build(self, platform: str, media_path) -> Publisher:
        if self.backend == "outbox":
            from marketing_engine.resources.publishers.outbox import OutboxPublisher

            return OutboxPublisher(self.outbox_dir(), platform, media_path)
        if platform == "linkedin":
            from marketing_engine.resources.publishers.linkedin import LinkedInPublisher

            self._need(
                platform,
                linkedin_access_token=self.linkedin_access_token,
                linkedin_author_urn=self.linkedin_author_urn,
            )
            return LinkedInPublisher(
                self.linkedin_access_token,
                self.linkedin_author_urn,  # type: ignore[arg-type]
                media_path=media_path,
                refresh_token=self.linkedin_refresh_token,
                client_id=self.linkedin_client_id,
                client_secret=self.linkedin_client_secret,
            )
        if platform == "x":
            from marketing_engine.resources.publishers.x import XPublisher

            self._need(platform, x_access_token=self.x_access_token)
            return XPublisher(
                self.x_access_token,
                refresh_token=self.x_refresh_token,  # type: ignore[arg-type]
                client_id=self.x_client_id,
                client_secret=self.x_client_secret,
                media_path=media_path,
            )
        if platform in ("facebook", "instagram", "threads"):
            from marketing_engine.resources.publishers import facebook, instagram, threads

            if platform == "facebook":
                self._need(platform, meta_page_id=self.meta_page_id, meta_page_token=self.meta_page_token)
                return facebook.FacebookPublisher(
                    self.meta_page_id,
                    self.meta_page_token,  # type: ignore[arg-type]
                    media_base_url=self.public_media_base_url,
                )
            if platform == "instagram":
                self._need(
                    platform,
                    instagram_user_id=self.instagram_user_id,
                    meta_page_token=self.meta_page_token,
                    public_media_base_url=self.public_media_base_url,
                )
                return instagram.InstagramPublisher(
                    self.instagram_user_id,
                    self.meta_page_token,  # type: ignore[arg-type]
                    media_base_url=self.public_media_base_url,
                )  # type: ignore[arg-type]
            self._need(platform, threads_user_id=self.threads_user_id, threads_token=self.threads_token)
            return threads.ThreadsPublisher(
                self.threads_user_id,
                self.threads_token,  # type: ignore[arg-type]
                media_base_url=self.public_media_base_url,
            )
        return self._build_video_or_bluesky(platform, media_path)

    def _build_video_or_bluesky(self, platform: str, media_path) -> Publisher:
        if platform == "tiktok":
            from marketing_engine.resources.publishers.tiktok import TikTokPublisher

            self._need(platform, tiktok_access_token=self.tiktok_access_token)
            return TikTokPublisher(
                self.tiktok_access_token,
                media_path=media_path,  # type: ignore[arg-type]
                refresh_token=self.tiktok_refresh_token,
                client_key=self.tiktok_client_key,
                client_secret=self.tiktok_client_secret,
            )
        if platform == "youtube":
            from marketing_engine.resources.publishers.youtube import YouTubePublisher

            self._need(
                platform,
                youtube_refresh_token=self.youtube_refresh_token,
                youtube_client_id=self.youtube_client_id,
                youtube_client_secret=self.youtube_client_secret,
            )
            return YouTubePublisher(
                media_path=media_path,
                access_token=self.youtube_access_token,
                refresh_token=self.youtube_refresh_token,
                client_id=self.youtube_client_id,
                client_secret=self.youtube_client_secret,
            )
        if platform == "bluesky":
            from marketing_engine.resources.publishers.bluesky import BlueskyPublisher

            self._need(
                platform, bluesky_handle=self.bluesky_handle, bluesky_app_password=self.bluesky_app_password
            )
            return BlueskyPublisher(self.bluesky_handle, self.bluesky_app_password)  # type: ignore[arg-type]
        return self._build_pins_or_reddit(platform, media_path)

    def _build_pins_or_reddit(self, platform: str, media_path) -> Publisher:
        if platform == "pinterest":
            from marketing_engine.resources.publishers.pinterest import PinterestPublisher

            self._need(
                platform,
                pinterest_access_token=self.pinterest_access_token,
                pinterest_board_id=self.pinterest_board_id,
            )
            return PinterestPublisher(
                self.pinterest_access_token,
                self.pinterest_board_id,  # type: ignore[arg-type]
                media_path=media_path,
                media_base_url=self.public_media_base_url,
                refresh_token=self.pinterest_refresh_token,
                client_id=self.pinterest_client_id,
                client_secret=self.pinterest_client_secret,
            )
        if platform == "reddit":
            from marketing_engine.resources.publishers.reddit import RedditPublisher

            self._need(
                platform,
                reddit_client_id=self.reddit_client_id,
                reddit_client_secret=self.reddit_client_secret,
                reddit_refresh_token=self.reddit_refresh_token,
            )
            return RedditPublisher(
                self.reddit_client_id,
                self.reddit_client_secret,  # type: ignore[arg-type]
                self.reddit_refresh_token,
            )  # type: ignore[arg-type]
        raise PublisherConfigError(
            f"publisher {platform!r}: no real backend in this release (set the channel's backend to outbox)"
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
