"""Publishing pages: to the local site folder (default) or to WordPress through its REST API.

WordPress: `/wp-json/wp/v2/posts` (or `pages`) with an application password (HTTP Basic auth).
Publishing upserts by slug: look the slug up (`?slug=...&status=any&context=edit`), then update
that post (`POST /posts/<id>`) or create one, so re-publishing never duplicates. A post whose
content hash is unchanged is not sent again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from dagster import ConfigurableResource
from pydantic import Field, PrivateAttr

from marketing_engine.resources.http import ProviderError, send_with_retry


@dataclass(frozen=True)
class PageToPublish:
    slug: str
    title: str
    html: str
    excerpt: str
    canonical_url: str


@dataclass(frozen=True)
class PublishOutcome:
    slug: str
    url: str
    action: Literal["created", "updated", "unchanged", "local"]
    remote_id: int | None = None


def content_hash(page: PageToPublish) -> str:
    return hashlib.sha256(f"{page.title}\n{page.excerpt}\n{page.html}".encode()).hexdigest()


class WordPressClient:
    """A small client over httpx for the WordPress REST API (posts or pages)."""

    def __init__(self, client: httpx.Client, kind: str = "posts", status: str = "publish", sleep=None):
        self.client, self.kind, self.status = client, kind, status
        self.sleep_kwargs = {"sleep": sleep} if sleep else {}

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return send_with_retry(self.client, method, path, provider="wordpress", **self.sleep_kwargs, **kwargs)

    def find_by_slug(self, slug: str) -> dict[str, Any] | None:
        response = self._send(
            "GET", f"/wp-json/wp/v2/{self.kind}", params={"slug": slug, "status": "any", "context": "edit"}
        )
        try:
            found = response.json()
        except ValueError:
            raise ProviderError(
                "wordpress", f"slug lookup for {slug!r} did not return JSON", response.status_code
            )
        if not isinstance(found, list):
            raise ProviderError(
                "wordpress", f"slug lookup for {slug!r} returned {type(found).__name__}, not a list"
            )
        return found[0] if found else None

    def upsert(self, page: PageToPublish) -> PublishOutcome:
        digest = content_hash(page)
        body = {
            "slug": page.slug,
            "title": page.title,
            "content": page.html,
            "excerpt": page.excerpt,
            "status": self.status,
            "meta": {"marketing_engine_sha256": digest},
        }
        existing = self.find_by_slug(page.slug)
        if existing and (existing.get("meta") or {}).get("marketing_engine_sha256") == digest:
            return PublishOutcome(page.slug, existing.get("link", ""), "unchanged", existing.get("id"))
        path = f"/wp-json/wp/v2/{self.kind}" + (f"/{existing['id']}" if existing else "")
        response = self._send("POST", path, json=body)
        try:
            post = response.json()
            return PublishOutcome(
                page.slug, post["link"], "updated" if existing else "created", int(post["id"])
            )
        except (ValueError, KeyError, TypeError):
            raise ProviderError(
                "wordpress", f"publishing {page.slug!r} returned no post id/link", response.status_code
            )


class WordPressResource(ConfigurableResource):
    """`backend: local` (default: the static site folder is the published site) or `wordpress`."""

    backend: Literal["local", "wordpress"] = "local"
    base_url: str = Field(default="", description="The WordPress site, e.g. https://blog.example.com")
    username: str = ""
    application_password: str | None = Field(default=None, description="Only through EnvVar.")
    kind: Literal["posts", "pages"] = "posts"
    status: Literal["publish", "draft"] = "publish"

    _transport: Any = PrivateAttr(default=None)
    _sleep: Any = PrivateAttr(default=None)

    def publish(self, pages: Sequence[PageToPublish]) -> list[PublishOutcome]:
        if self.backend == "local":
            return [PublishOutcome(p.slug, p.canonical_url, "local") for p in pages]
        if not (self.base_url and self.username and self.application_password):
            raise ProviderError("wordpress", "needs base_url, username and WORDPRESS_APPLICATION_PASSWORD")
        auth = httpx.BasicAuth(self.username, self.application_password.replace(" ", ""))
        with httpx.Client(
            base_url=self.base_url.rstrip("/"), auth=auth, timeout=30, transport=self._transport
        ) as http:
            client = WordPressClient(http, self.kind, self.status, self._sleep)
            return [client.upsert(page) for page in pages]
