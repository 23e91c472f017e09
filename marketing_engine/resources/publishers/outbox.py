"""The offline publisher: an outbox folder per platform holding exactly what would have been sent.

One JSON file per post, named by its idempotency key, written atomically (a temp file then a
rename), with its media copied beside it. A second publish of the same post finds the file and
returns it instead of writing again, so a retry never writes twice.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from marketing_engine.publishing.outgoing import OutgoingPost, PublishRejected, PublishResult


class OutboxPublisher:
    flush_every = 500

    def __init__(self, root: Path, platform: str, media_path: Callable[[str], Path] | None = None):
        self.platform = platform
        self.folder = root / platform
        self.folder.mkdir(parents=True, exist_ok=True)
        self.media_path = media_path

    def _file(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def _result(self, key: str) -> PublishResult:
        return PublishResult(post_id=key, url=self._file(key).as_uri())

    def publish(self, post: OutgoingPost) -> PublishResult:
        target = self._file(post.idempotency_key)
        if target.exists():
            return self._result(post.idempotency_key)
        media = self._copy_media(post)
        document = {
            "platform": self.platform,
            "idempotency_key": post.idempotency_key,
            "post_id": post.id,
            "text": post.body,
            "fields": post.fields,
            "thread": post.parts,
            "link": post.link_url,
            "media": media,
            "content_sha256": post.content_sha256,
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        partial.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
        partial.replace(target)  # atomic: the file is whole or absent
        return self._result(post.idempotency_key)

    def _copy_media(self, post: OutgoingPost) -> list[str]:
        if not post.media_keys:
            return []
        if self.media_path is None:
            raise PublishRejected(
                f"{self.platform}: post {post.id} has media but the outbox has no media store"
            )
        folder = self.folder / f"{post.idempotency_key}.media"
        folder.mkdir(exist_ok=True)
        copied = []
        for key in post.media_keys:
            name = key.replace("/", "_")
            destination = folder / name
            if not destination.exists():
                partial = folder / f".{name}.partial"
                shutil.copyfile(self.media_path(key), partial)
                partial.replace(destination)
            copied.append(f"{folder.name}/{name}")
        return copied

    def find(self, post: OutgoingPost, since: datetime | None = None) -> PublishResult | None:
        return self._result(post.idempotency_key) if self._file(post.idempotency_key).exists() else None

    def verify(self, post_id: str, url: str | None) -> bool:
        return self._file(post_id).exists()
