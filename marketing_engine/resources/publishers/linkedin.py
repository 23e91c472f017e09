"""LinkedIn: the REST Posts API (`POST /rest/posts`), versioned headers, author finder for
read-back, and the OAuth refresh-token flow.

Docs: https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api,
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api (video:
initializeUpload → PUT each part → finalizeUpload with the parts' ETags, then a post that names it)
and https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import quote

from marketing_engine.publishing.outgoing import OutgoingPost, PublishError, PublishResult
from marketing_engine.resources.platforms.client import OAuthToken
from marketing_engine.resources.platforms.linkedin import LinkedInApi, settings
from marketing_engine.resources.publishers.base import HttpPublisher, media_file, transport

# "little text" format: these characters must be escaped in commentary or the post is cut
_RESERVED = re.compile(r"([\\|{}@\[\]()<>#*_~])")


def escape_commentary(text: str) -> str:
    return _RESERVED.sub(r"\\\1", text)


def unescape_commentary(text: str) -> str:
    return re.sub(r"\\([\\|{}@\[\]()<>#*_~])", r"\1", text)


class LinkedInPublisher(HttpPublisher):
    platform = "linkedin"

    def __init__(
        self,
        access_token: str,
        author_urn: str,
        *,
        media_path=None,
        refresh_token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        version: str = settings.VERSION,
        base_url: str = settings.API_URL,
        token_url: str = settings.TOKEN_URL,
        **kwargs,
    ):
        token = OAuthToken(access_token, refresh_token, client_id, client_secret)
        api = LinkedInApi(token, base_url=base_url, version=version, token_url=token_url, **transport(kwargs))
        super().__init__(api, **kwargs)
        self.author_urn = author_urn
        self.media_path = media_path
        self.base_url = api.base

    @staticmethod
    def post_url(urn: str) -> str:
        return f"https://www.linkedin.com/feed/update/{urn}/"

    def publish(self, post: OutgoingPost) -> PublishResult:
        body = {
            "author": self.author_urn,
            "commentary": escape_commentary(post.fields.get("text", post.body)),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if post.media_keys:
            body["content"] = {
                "media": {
                    "id": self._upload_video(post.media_keys[0]),
                    "title": post.fields.get("text", post.body)[:200],
                }
            }
        response = self.with_refresh(lambda: self.create("POST", f"{self.base_url}/rest/posts", json=body))
        urn = response.headers.get("x-restli-id") or response.headers.get("x-linkedin-id")
        if not urn:
            raise PublishError(f"linkedin: HTTP {response.status_code} without an x-restli-id header")
        return PublishResult(urn, self.post_url(urn))

    def _upload_video(self, key: str) -> str:
        """Videos API: register the upload, PUT each part where LinkedIn says, finalize with the ETags."""
        path = media_file(self.platform, self.media_path, key)
        size = path.stat().st_size
        started = self.with_refresh(
            lambda: self.read(
                "POST",
                f"{self.base_url}/rest/videos?action=initializeUpload",
                json={
                    "initializeUploadRequest": {
                        "owner": self.author_urn,
                        "fileSizeBytes": size,
                        "uploadCaptions": False,
                        "uploadThumbnail": False,
                    }
                },
            )
        ).json()["value"]
        etags = []
        with path.open("rb") as handle:
            for part in started["uploadInstructions"]:
                handle.seek(part["firstByte"])
                chunk = handle.read(part["lastByte"] - part["firstByte"] + 1)
                uploaded = self.client.put(
                    part["uploadUrl"], content=chunk, headers={"Content-Type": "application/octet-stream"}
                )
                if uploaded.status_code >= 300:
                    raise PublishError(f"linkedin: video part upload failed: HTTP {uploaded.status_code}")
                etags.append(uploaded.headers.get("etag", ""))
        self.read(
            "POST",
            f"{self.base_url}/rest/videos?action=finalizeUpload",
            json={
                "finalizeUploadRequest": {
                    "video": started["video"],
                    "uploadToken": started.get("uploadToken", ""),
                    "uploadedPartIds": etags,
                }
            },
        )
        return started["video"]

    def recent(self, count: int = 50) -> list[tuple[str, PublishResult, datetime | None]]:
        url = f"{self.base_url}/rest/posts?author={quote(self.author_urn, safe='')}&q=author&count={count}"
        response = self.with_refresh(lambda: self.read("GET", url, headers={"X-RestLi-Method": "FINDER"}))
        found = []
        for element in response.json().get("elements", []):
            created = element.get("createdAt") or element.get("publishedAt")
            when = datetime.fromtimestamp(created / 1000, UTC) if created else None
            found.append(
                (
                    unescape_commentary(element.get("commentary", "")),
                    PublishResult(element["id"], self.post_url(element["id"])),
                    when,
                )
            )
        return found

    def find(self, post: OutgoingPost, since: datetime | None = None) -> PublishResult | None:
        return self.match_text(post, self.recent(), since)

    def verify(self, post_id: str, url: str | None) -> bool:
        return self.answers(
            lambda: self.with_refresh(
                lambda: self.read(
                    "GET", f"{self.base_url}/rest/posts/{quote(post_id, safe='')}", max_retries=1
                )
            ),
            gone=(404, 410),
        )
