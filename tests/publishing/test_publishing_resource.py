"""The publishers resource: outbox by default, the real backend per platform with the credentials it
names, and the definitions the schedule and sensor hang on."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import DefaultScheduleStatus, DefaultSensorStatus

from marketing_engine.resources.publishers import (
    PublisherConfigError,
    PublishersResource,
    prod_publishers,
    prod_publishers_for_brand,
)
from marketing_engine.resources.publishers.bluesky import BlueskyPublisher
from marketing_engine.resources.publishers.facebook import FacebookPublisher
from marketing_engine.resources.publishers.instagram import InstagramPublisher
from marketing_engine.resources.publishers.linkedin import LinkedInPublisher
from marketing_engine.resources.publishers.outbox import OutboxPublisher
from marketing_engine.resources.publishers.pinterest import PinterestPublisher
from marketing_engine.resources.publishers.reddit import RedditPublisher
from marketing_engine.resources.publishers.threads import ThreadsPublisher
from marketing_engine.resources.publishers.tiktok import TikTokPublisher
from marketing_engine.resources.publishers.x import XPublisher
from marketing_engine.resources.publishers.youtube import YouTubePublisher


def test_outbox_is_the_default_and_lives_under_the_engine_home(engine_home: Path) -> None:
    publisher = PublishersResource().for_platform("x")
    assert isinstance(publisher, OutboxPublisher) and publisher.folder == engine_home / "outbox" / "x"


def test_real_backends_are_built_per_platform() -> None:
    resource = PublishersResource(
        backend="real",
        linkedin_access_token="t",
        linkedin_author_urn="urn:li:organization:1",
        x_access_token="t",
        meta_page_id="1",
        meta_page_token="t",
        instagram_user_id="2",
        public_media_base_url="https://cdn",
        threads_user_id="3",
        threads_token="t",
        tiktok_access_token="t",
        youtube_refresh_token="r",
        youtube_client_id="c",
        youtube_client_secret="s",
        bluesky_handle="h",
        bluesky_app_password="p",
        pinterest_access_token="t",
        pinterest_board_id="b",
        reddit_client_id="c",
        reddit_client_secret="s",
        reddit_refresh_token="r",
    )
    kinds = {
        "linkedin": LinkedInPublisher,
        "x": XPublisher,
        "facebook": FacebookPublisher,
        "instagram": InstagramPublisher,
        "threads": ThreadsPublisher,
        "tiktok": TikTokPublisher,
        "youtube": YouTubePublisher,
        "bluesky": BlueskyPublisher,
        "pinterest": PinterestPublisher,
        "reddit": RedditPublisher,
    }
    for platform, kind in kinds.items():
        assert isinstance(resource.for_platform(platform, Path), kind)
    with pytest.raises(PublisherConfigError, match="'wordpress': no real backend"):
        resource.for_platform("wordpress")


def test_missing_credentials_are_named() -> None:
    with pytest.raises(PublisherConfigError, match="LINKEDIN_ACCESS_TOKEN, LINKEDIN_AUTHOR_URN"):
        PublishersResource(backend="real").for_platform("linkedin")


def test_prod_needs_only_the_enabled_channels_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "secret-token")
    monkeypatch.setenv("LINKEDIN_AUTHOR_URN", "urn:li:organization:7")
    monkeypatch.delenv("X_ACCESS_TOKEN", raising=False)
    resource = prod_publishers(["linkedin", "wordpress"]).process_config_and_initialize()  # X is not enabled
    publisher = resource.for_platform("linkedin")
    assert isinstance(publisher, LinkedInPublisher) and publisher.author_urn == "urn:li:organization:7"
    assert publisher.access_token == "secret-token"
    with pytest.raises(Exception, match="X_ACCESS_TOKEN"):
        prod_publishers(["x"]).process_config_and_initialize()
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [", encoding="utf-8")
    assert prod_publishers_for_brand(broken).backend == "real"  # no brand file: nothing required


def test_schedule_job_and_sensor_run_by_default() -> None:
    from marketing_engine.jobs import publish_due_posts
    from marketing_engine.schedules import publish_due_posts_every_5_minutes
    from marketing_engine.sensors.publishing import publish_reconciler

    assert publish_due_posts_every_5_minutes.cron_schedule == "*/5 * * * *"
    assert publish_due_posts_every_5_minutes.default_status == DefaultScheduleStatus.RUNNING
    assert publish_reconciler.default_status == DefaultSensorStatus.RUNNING
    assert publish_due_posts.name == "publish_due_posts"
