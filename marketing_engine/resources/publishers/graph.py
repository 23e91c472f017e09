"""What Facebook Pages, Instagram and Threads share: the container → status → publish flow, the
read-back of an account's recent posts and the verification of a post, over the Graph client
(`marketing_engine.resources.platforms.meta`, which reads Graph's error codes). Each platform file
keeps only its endpoints, its fields and how it builds a post.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from marketing_engine.publishing.outgoing import (
    AmbiguousPublish,
    OutgoingPost,
    PublishRejected,
    PublishResult,
    RateLimited,
)
from marketing_engine.resources.platforms.meta import GraphClient, graph_error
from marketing_engine.resources.publishers.base import HttpPublisher, TokenExpired, transport


class GraphPublisher(HttpPublisher):
    # find() reads `{owner_id}/{feed_edge}` back; these are the names of an item's fields there
    feed_edge = ""
    text_field = "text"
    link_field = "permalink"
    time_field = "timestamp"

    def __init__(
        self,
        token: str,
        *,
        base_url: str | None = None,
        poll_seconds: float = 2.0,
        max_polls: int = 60,
        **kwargs: Any,
    ):
        super().__init__(self.graph(token, base_url, **transport(kwargs)), **kwargs)
        self.base_url = self.api.base
        self.poll_seconds, self.max_polls = poll_seconds, max_polls

    def graph(self, token: str, base_url: str | None, **options: Any) -> GraphClient:
        """This platform's Graph client (Facebook and Instagram: graph.facebook.com)."""
        if base_url:
            return GraphClient(token, self.platform, base_url=base_url, version="", **options)
        return GraphClient(token, self.platform, **options)

    @property
    def token(self) -> str:
        return self.api.token

    @property
    def owner_id(self) -> str:
        """The page or user whose edges are posted to and read back."""
        raise NotImplementedError

    def params(self, **values: Any) -> dict[str, Any]:
        return self.api.params(**values)

    def parse_time(self, value: str) -> datetime:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")

    def check(self, response: httpx.Response) -> httpx.Response:
        if response.status_code < 400:
            return response
        meaning = graph_error(response)
        message = f"{self.platform}: HTTP {response.status_code}: {meaning.message}"
        if meaning.kind == "rate_limited":
            raise RateLimited(self.platform, meaning.wait, message)
        if meaning.kind == "expired":
            raise TokenExpired(message)
        if meaning.kind == "transient":
            raise AmbiguousPublish(message)
        raise PublishRejected(message)

    def wait_for_container(self, container_id: str) -> None:
        """Poll a media container until the platform has processed it (FINISHED)."""
        for _ in range(self.max_polls):
            response = self.check(
                self.read(
                    "GET", f"{self.base_url}/{container_id}", params=self.params(fields="status_code,status")
                )
            )
            status = response.json().get("status_code")
            if status in ("FINISHED", "PUBLISHED"):
                return
            if status in ("ERROR", "EXPIRED"):
                detail = response.json().get("status", "")
                raise PublishRejected(f"{self.platform}: media container {container_id} {status}: {detail}")
            self.sleep(self.poll_seconds)
        raise PublishRejected(
            f"{self.platform}: media container {container_id} not ready after "
            f"{self.max_polls * self.poll_seconds:.0f} s"
        )

    def publish_container(self, edge: str, fields: dict[str, Any], *, wait: bool) -> PublishResult:
        """Create a container on `{owner}/{edge}`, wait until it is processed when `wait` (media),
        then `{edge}_publish` it and read the post's permalink."""
        # a container is not a post (it expires unpublished), so creating one again is harmless;
        # only the publish call is a create
        container = self.with_refresh(
            lambda: self.create("POST", f"{self.base_url}/{self.owner_id}/{edge}", data=self.params(**fields))
        ).json()["id"]
        if wait:
            self.wait_for_container(container)
        post_id = self.with_refresh(
            lambda: self.create(
                "POST",
                f"{self.base_url}/{self.owner_id}/{edge}_publish",
                data=self.params(creation_id=container),
            )
        ).json()["id"]
        permalink = self.check(
            self.read("GET", f"{self.base_url}/{post_id}", params=self.params(fields="permalink"))
        ).json()
        return PublishResult(post_id, permalink.get("permalink"))

    def find(self, post: OutgoingPost, since: datetime | None = None) -> PublishResult | None:
        fields = f"id,{self.text_field},{self.link_field},{self.time_field}"
        response = self.with_refresh(
            lambda: self.check(
                self.read(
                    "GET",
                    f"{self.base_url}/{self.owner_id}/{self.feed_edge}",
                    params=self.params(fields=fields, limit=50),
                )
            )
        )
        candidates = [
            (
                item.get(self.text_field, ""),
                PublishResult(item["id"], item.get(self.link_field)),
                self.parse_time(item[self.time_field]) if item.get(self.time_field) else None,
            )
            for item in response.json().get("data", [])
        ]
        return self.match_text(post, candidates, since)

    def verify(self, post_id: str, url: str | None) -> bool:
        # a deleted object answers 400 "Object does not exist" (code 100) as often as 404
        return self.answers(
            lambda: self.check(
                self.read("GET", f"{self.base_url}/{post_id}", params=self.params(fields="id"), max_retries=1)
            ),
            gone=(404, 400),
        )
