"""Resources: one per external service, each with a real and an offline backend.

`build_resources()` picks them from one setting, MARKETING_ENGINE_ENV: `local` (the default: offline
backends, SQLite, local media store) or `prod` (real services; every secret through dagster.EnvVar).
Each domain adds its resources to both tables below.
"""

from __future__ import annotations

import os
from typing import Any

from dagster import EnvVar

from marketing_engine.resources.ad_library import AdLibraryResource
from marketing_engine.resources.ad_spend import AdSpendResource
from marketing_engine.resources.assistants import AssistantsResource, assistants_from_env
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.crawler import CrawlerResource, crawler_from_env
from marketing_engine.resources.env import optional_env
from marketing_engine.resources.footage import FootageResource
from marketing_engine.resources.indexing import IndexingResource
from marketing_engine.resources.io_storage import S3_ENDPOINT, s3_io_manager_from_env
from marketing_engine.resources.journey_sources import JourneySourcesResource
from marketing_engine.resources.keyword_ideas import KeywordIdeasResource
from marketing_engine.resources.llm import llm_from_env
from marketing_engine.resources.mail import MailResource, mail_from_env
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.metrics import MetricsResource
from marketing_engine.resources.music import MusicResource
from marketing_engine.resources.publishers import PublishersResource, prod_publishers_for_brand
from marketing_engine.resources.social_discovery import SocialDiscoveryResource, social_discovery_from_env
from marketing_engine.resources.trend_sources import InjectedSpikeConfig, TrendSourcesResource
from marketing_engine.resources.voice import VoiceResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.resources.wordpress import WordPressResource
from marketing_engine.settings import brand_path, environment, warehouse_url


def local_resources() -> dict[str, Any]:
    return {
        "brand": BrandResource(path=str(brand_path())),
        "warehouse": WarehouseResource(url=warehouse_url()),
        "media_store": MediaStoreResource(),
        "llm": llm_from_env("local"),  # MARKETING_ENGINE_LLM, offline unless set
        "metrics": MetricsResource(backend="simulator"),
        "voice": VoiceResource(backend="espeak"),
        "music": MusicResource(backend="synth"),
        "footage": FootageResource(backend="motion"),
        "keyword_ideas": KeywordIdeasResource(),  # seo: offline expansion
        "wordpress": WordPressResource(),  # seo: the local site folder is the published site
        # The offline outbox previews the next day: `make run` shows what would go out.
        "publishers": PublishersResource(backend="outbox", lookahead_hours=24.0),
        # The replay shows one live spike two days back on the brand's first seed topic, so the demo
        # exercises the spike sensor and the video is about the brand's own topic.
        "trend_sources": TrendSourcesResource(
            injected_spikes=[InjectedSpikeConfig(days_ago=2, multiplier=5.0)]
        ),
        # outreach: sample sites on a loopback server, a local mailbox, the outbox folder
        "crawler": CrawlerResource(backend="offline", per_host_rate=10.0),
        "mail": MailResource(),
        "ad_library": AdLibraryResource(),
        "social_discovery": SocialDiscoveryResource(),
        "assistants": AssistantsResource(),  # analytics: AI visibility from the simulator
        "indexing": IndexingResource(),  # seo: IndexNow pings and sitemap in the outbox, offline inspection
        "journey_sources": JourneySourcesResource(),  # analytics: no import offline (the simulator measures)
        "ad_spend_sources": AdSpendResource(),  # analytics: simulated spend, labelled `simulator`
    }


def prod_resources() -> dict[str, Any]:
    return {
        # Asset outputs on S3, not under DAGSTER_HOME/storage: a step on another worker reads them.
        "io_manager": s3_io_manager_from_env(),
        "brand": BrandResource(path=str(brand_path())),
        "warehouse": WarehouseResource(url=EnvVar("MARKETING_ENGINE_WAREHOUSE_URL")),
        "media_store": MediaStoreResource(
            backend="s3",
            bucket=EnvVar("MEDIA_STORE_BUCKET"),
            prefix="marketing-engine/",
            endpoint_url=optional_env(S3_ENDPOINT),  # MinIO or another S3-compatible store
            # Unset: boto3's default chain (instance role, IRSA, AWS_SHARED_CREDENTIALS_FILE, ...).
            aws_access_key_id=optional_env("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=optional_env("AWS_SECRET_ACCESS_KEY"),
        ),
        "llm": llm_from_env("prod"),  # MARKETING_ENGINE_LLM, Anthropic unless set
        # Every metrics provider whose secrets are in the environment (GA4, X, Meta, LinkedIn, Google).
        "metrics": MetricsResource.live_from_env(),
        # Voice and music keys are optional too: unset, the provider is reported not configured and
        # the offline espeak voice / synthesizer does the work.
        "voice": VoiceResource(backend="elevenlabs", api_key=optional_env("ELEVENLABS_API_KEY")),
        "music": MusicResource(
            backend="suno", api_key=optional_env("SUNO_API_KEY"), base_url=optional_env("SUNO_BASE_URL")
        ),
        # Generated b-roll: Runway first, then Kling, then Pika; motion graphics if all fail. Each key
        # is optional: a provider left unset is skipped as not configured, never a failed resource.
        "footage": FootageResource(
            backend="runway",
            chain=["kling", "pika", "motion"],
            runway_api_key=optional_env("RUNWAY_API_KEY"),
            kling_access_key=optional_env("KLING_ACCESS_KEY"),  # Kling: a JWT signed per request
            kling_secret_key=optional_env("KLING_SECRET_KEY"),
            pika_api_key=optional_env("FAL_KEY"),
        ),
        "keyword_ideas": KeywordIdeasResource(backend="autocomplete"),
        "wordpress": WordPressResource(
            backend="wordpress",
            base_url=EnvVar("WORDPRESS_URL"),
            username=EnvVar("WORDPRESS_USERNAME"),
            application_password=EnvVar("WORDPRESS_APPLICATION_PASSWORD"),
        ),
        "publishers": prod_publishers_for_brand(brand_path()),
        # A trend platform whose secret is not in the environment is "not configured", not an error.
        "trend_sources": TrendSourcesResource(backend="live", **TrendSourcesResource.secrets_from_env()),
        "crawler": crawler_from_env(),
        "mail": mail_from_env(),
        "ad_library": AdLibraryResource(access_token=EnvVar("META_AD_LIBRARY_TOKEN"))
        if "META_AD_LIBRARY_TOKEN" in os.environ
        else AdLibraryResource(),
        "social_discovery": social_discovery_from_env(),
        "assistants": assistants_from_env(),
        "indexing": IndexingResource.from_env(),
        "journey_sources": JourneySourcesResource.from_env(),  # JOURNEYS_FILE or GA4_BIGQUERY_DATASET
        "ad_spend_sources": AdSpendResource.live_from_env(),  # Meta, Google Ads, LinkedIn, AD_SPEND_FILE
    }


def build_resources(env: str | None = None) -> dict[str, Any]:
    env = env or environment()
    local = local_resources()
    if env == "local":
        return local
    # A domain that has no production backend yet keeps its offline one.
    return {**local, **prod_resources()}
