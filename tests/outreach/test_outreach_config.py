"""Backend selection from the environment, live discovery through the resource, the competitor asset's
Meta Ad Library path, and the embedding scorer's arithmetic."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import numpy as np
import pytest
import respx
from dagster import DagsterInstance, EnvVar, materialize

from marketing_engine.outreach import relevance
from marketing_engine.resources.ad_library import AdLibraryResource
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.crawler import CrawlerResource, crawler_from_env
from marketing_engine.resources.mail import (
    FolderMailbox,
    MailError,
    MailResource,
    OutboxSender,
    SesSender,
    SmtpSender,
    mail_from_env,
)
from marketing_engine.resources.social_discovery import SocialDiscoveryResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.settings import EXAMPLE_BRAND


def test_mail_backends_follow_the_environment(monkeypatch) -> None:
    assert (mail_from_env({}).reader, mail_from_env({}).sender) == ("folder", "outbox")
    monkeypatch.setenv("SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("IMAP_HOST", "imap.example.org")
    for name in ("SMTP_USER", "SMTP_PASSWORD", "IMAP_USER", "IMAP_PASSWORD"):
        monkeypatch.setenv(name, "x")
    smtp = mail_from_env()
    assert (smtp.reader, smtp.sender) == ("imap", "smtp")
    ses = mail_from_env({"OUTREACH_SES_REGION": "eu-west-1"})
    assert ses.sender == "ses" and isinstance(ses.ses_region, EnvVar)


def test_mail_resource_builds_each_backend(tmp_path: Path) -> None:
    offline = MailResource(inbox_dir=str(tmp_path / "in"), outbox_dir=str(tmp_path / "out"))
    assert isinstance(offline.mailbox(), FolderMailbox) and isinstance(offline.outgoing(), OutboxSender)
    with pytest.raises(MailError, match="imap_host"):
        MailResource(reader="imap").mailbox()
    with pytest.raises(MailError, match="smtp_host"):
        MailResource(sender="smtp").outgoing()
    assert isinstance(MailResource(sender="smtp", smtp_host="127.0.0.1").outgoing(), SmtpSender)
    ses = MailResource(sender="ses", aws_access_key_id="a", aws_secret_access_key="b").outgoing()
    assert isinstance(ses, SesSender) and ses.delivered("<x>") is None


def test_crawler_backend_follows_the_environment() -> None:
    nothing = crawler_from_env({})  # prod without prospect sites crawls none, never the offline world
    assert nothing.backend == "web" and nothing.prospect_sites == []
    web = crawler_from_env({"OUTREACH_PROSPECT_SITES": "https://a.example/, https://b.example/"})
    assert web.backend == "web" and web.prospect_sites == ["https://a.example/", "https://b.example/"]
    with web.open() as setup:
        assert setup.prospect_seeds == web.prospect_sites and setup.policy.allow_networks == ()


@respx.mock
def test_live_creators_from_youtube_and_x_with_a_failing_platform() -> None:
    respx.get("https://www.googleapis.com/youtube/v3/search").mock(
        return_value=httpx.Response(200, json={"items": [{"id": {"channelId": "UC1"}}]})
    )
    respx.get("https://www.googleapis.com/youtube/v3/channels").mock(
        return_value=httpx.Response(
            200,
            json={
                "items": [
                    {
                        "id": "UC1",
                        "snippet": {"title": "Lab"},
                        "statistics": {"subscriberCount": "10", "viewCount": "10", "videoCount": "1"},
                    }
                ]
            },
        )
    )
    respx.get("https://api.x.com/2/tweets/search/recent").mock(
        return_value=httpx.Response(401, json={"title": "Unauthorized", "detail": "Unauthorized"})
    )
    resource = SocialDiscoveryResource(backend="live", youtube_api_key="k", x_bearer_token="bad")
    creators, errors = resource.creators(["cargo e-bike"])
    assert [c.handle for c in creators] == ["UC1"] and errors == ["x: HTTP 401: Unauthorized"]


def test_embedding_scores_take_the_best_topic(monkeypatch) -> None:
    vectors = {"cargo bikes": [1.0, 0.0], "tax": [0.0, 1.0], "cargo": [0.8, 0.6], "spa": [-1.0, 0.0]}
    monkeypatch.setattr(relevance, "_encoder", lambda: lambda texts: np.array([vectors[t] for t in texts]))
    assert relevance.relevance_scores(["cargo", "spa"], ["cargo bikes", "tax"]) == [0.8, 0.0]
    assert relevance.relevance_scores([], ["tax"]) == []


def test_competitor_watch_with_the_ad_library_configured(tmp_path: Path, engine_home: Path) -> None:
    from marketing_engine.assets.outreach import competitor_watch

    page = {"data": [{"id": "9", "page_name": "VoltRide", "ad_creative_bodies": ["Winter sale"]}]}
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host="127.0.0.1").pass_through()
        ads = mock.get("https://graph.facebook.com/v21.0/ads_archive").mock(
            return_value=httpx.Response(200, json=page)
        )
        result = materialize(
            [competitor_watch],
            resources={
                "brand": BrandResource(path=str(EXAMPLE_BRAND)),
                "warehouse": WarehouseResource(url=f"sqlite:///{tmp_path / 'w.sqlite'}"),
                "crawler": CrawlerResource(per_host_rate=50.0),
                "ad_library": AdLibraryResource(access_token="token"),
            },
            instance=DagsterInstance.ephemeral(),
        )
    assert result.success and ads.call_count == 3  # one search per competitor in the brand file
    metadata = result.asset_materializations_for_node("competitor_watch")[0].metadata
    assert metadata["ads"].value == "3 ads" and metadata["competitors_answering"].value == 3  # all sampled
    report = json.loads((engine_home / "reports" / "outreach" / "competitor_gaps.json").read_text())
    assert report["ads"][0]["body"] == "Winter sale"
