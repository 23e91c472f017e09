"""Videos and pitches in the review queue, read-only: each rendition plays in a `<video>` served from
the media store (only a key the brand's `video_assets` row names, never a path from the request), with
its gate status and failures; each ready pitch shows as the email it will be (recipient, subject, text).

Read-only because the sending side decides on its own gates: a rendition is posted when its gate
passed (the post then waits in the post queue), and every `ready` pitch starts a sequence. An approval
here would need those to check it first."""

from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

from marketing_engine.desk.core import Desk, guarded
from marketing_engine.outreach.store import ready_pitches
from marketing_engine.resources.media_store import MediaStoreError
from marketing_engine.video.store import latest_renditions, rendition_by_id

VIDEO_HEADERS = {"content-security-policy": "default-src 'none'; sandbox", "cache-control": "private"}


def outbound_context(desk: Desk) -> dict[str, Any]:
    """The newest renditions and the ready pitches, as the review page shows them."""
    slug = desk.profile.slug
    videos = [
        {
            "id": v.id,
            "topic": v.topic,
            "rendition": v.rendition,
            "size": f"{v.width}×{v.height}",
            "seconds": round(v.duration_s, 1),
            "status": v.gate_status,
            "failures": [str(f) for f in (v.gate_report or {}).get("failures") or []],
            "sha": v.sha256[:12],
        }
        for v in latest_renditions(desk.warehouse, slug)
    ]
    pitches = [
        {
            "id": p.id,
            "to": p.recipient,
            "subject": p.subject,
            "body": p.body,
            "words": p.word_count,
            "limit": p.word_limit,
            "cited": list(p.cited_urls or []),
            "send_by": p.send_by,
        }
        for p in ready_pitches(desk.warehouse, slug)
    ]
    return {"videos": videos, "pitches": pitches}


@guarded("viewer")
async def video_file(request: Request, desk: Desk, form: dict) -> Response:
    """The rendition's file from the media store (range requests, so the player can seek)."""
    asset_id = int(request.path_params["asset_id"])
    video = rendition_by_id(desk.warehouse, desk.profile.slug, asset_id)
    if video is None:
        return PlainTextResponse(f"video {asset_id}: no such rendition", 404)
    try:
        path = desk.media.local_path(video.media_key)
    except (MediaStoreError, OSError) as exc:
        return PlainTextResponse(f"video {asset_id}: {video.media_key} cannot be read ({exc})", 404)
    return FileResponse(path, media_type="video/mp4", headers=VIDEO_HEADERS)
