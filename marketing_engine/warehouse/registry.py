"""The content registry: every page, video, post and image the engine made, one row per version.

A piece of content is named by its kind and `source_ref` (a page's path, a video's topic, length
and rendition, a post's idempotency key). Recording the same bytes again touches the same row
(re-running an asset adds nothing); new bytes become the next version. Rows carry the media-store
key, the sha256 and the provenance (the asset and run that made it, and from what).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from marketing_engine.warehouse.db import upsert
from marketing_engine.warehouse.models import ContentAsset

KINDS = ("page", "video", "post", "image", "report")


@dataclass(frozen=True)
class ContentRecord:
    kind: str  # one of KINDS
    source_ref: str
    media_key: str
    sha256: str
    size_bytes: int
    content_type: str
    provenance: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class RegistryReport:
    new_versions: int = 0
    unchanged: int = 0

    def as_metadata(self) -> dict[str, int]:
        return {"content_assets_new_versions": self.new_versions, "content_assets_unchanged": self.unchanged}


def _latest(
    session: Session, brand: str, refs: set[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, str]]:
    """(kind, source_ref) → (newest version, its sha256) for the refs that have rows."""
    latest: dict[tuple[str, str], tuple[int, str]] = {}
    items = sorted(refs)
    for start in range(0, len(items), 400):
        chunk = items[start : start + 400]
        rows = session.execute(
            select(
                ContentAsset.kind, ContentAsset.source_ref, ContentAsset.version, ContentAsset.sha256
            ).where(
                ContentAsset.brand == brand,
                tuple_(ContentAsset.kind, ContentAsset.source_ref).in_(chunk),
            )
        )
        for kind, ref, version, sha256 in rows:
            if version > latest.get((kind, ref), (0, ""))[0]:
                latest[(kind, ref)] = (version, sha256)
    return latest


def record_content(session: Session, brand: str, records: Sequence[ContentRecord]) -> RegistryReport:
    """Upsert the records on (brand, kind, source_ref, version): the newest version when its sha256
    matches, else a new version. Records of one ref in one call keep their order."""
    for record in records:
        if record.kind not in KINDS:
            raise ValueError(f"content {record.source_ref!r}: kind {record.kind!r} is not one of {KINDS}")
        if not record.source_ref:
            raise ValueError(f"content with media key {record.media_key!r} has no source_ref")
    latest = _latest(session, brand, {(r.kind, r.source_ref) for r in records})
    report, rows = RegistryReport(), {}
    for record in records:
        key = (record.kind, record.source_ref)
        version, sha256 = latest.get(key, (0, ""))
        if sha256 != record.sha256:
            version += 1
            report.new_versions += 1
        else:
            report.unchanged += 1
        latest[key] = (version, record.sha256)
        rows[(*key, version)] = {
            "brand": brand,
            "kind": record.kind,
            "source_ref": record.source_ref,
            "version": version,
            "media_key": record.media_key,
            "sha256": record.sha256,
            "size_bytes": record.size_bytes,
            "content_type": record.content_type,
            "provenance": dict(record.provenance),
        }
    # a version keeps the provenance of the run that first made it; a re-run only refreshes updated_at
    upsert(
        session,
        ContentAsset,
        list(rows.values()),
        keys=["brand", "kind", "source_ref", "version"],
        update=["media_key", "size_bytes", "content_type"],
    )
    return report


def newest_version(session: Session, brand: str, kind: str, source_ref: str) -> ContentAsset | None:
    """The newest version of one piece of content, or None when it has none."""
    return session.scalars(
        select(ContentAsset)
        .where(ContentAsset.brand == brand, ContentAsset.kind == kind, ContentAsset.source_ref == source_ref)
        .order_by(ContentAsset.version.desc())
        .limit(1)
    ).first()


def stored_record(
    kind: str, source_ref: str, stored: Any, provenance: Mapping[str, Any] | None = None
) -> ContentRecord:
    """A record from what the media store returned (`key`, `sha256`, `size`, `content_type`)."""
    return ContentRecord(
        kind=kind,
        source_ref=source_ref,
        media_key=stored.key,
        sha256=stored.sha256,
        size_bytes=stored.size,
        content_type=stored.content_type,
        provenance=provenance or {},
    )
