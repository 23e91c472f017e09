"""rendered_videos writes each rendition and its thumbnail to content_assets (kind video and
image) with the media key and sha256 of the stored file and where it came from; a re-run that
renders nothing new adds no row."""

from __future__ import annotations

from pathlib import Path

from dagster import materialize
from sqlalchemy import select

from marketing_engine.assets import video as video_assets
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import ContentAsset, VideoAsset
from video.test_video_assets import KEY, _render_preview, _resources, _topics


def test_each_rendition_and_its_thumbnail_are_content_assets(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    instance = _topics(KEY)
    resources = _resources(url)
    assert materialize([video_assets.video_dna], resources=resources, instance=instance).success

    def run() -> None:
        assert _render_preview(resources, instance).success

    run()
    warehouse = Warehouse(url)
    with warehouse.session() as session:
        [video] = session.scalars(select(VideoAsset)).all()
        rows = {a.kind: a for a in session.scalars(select(ContentAsset))}
    assert set(rows) == {"video", "image"}
    assert (
        rows["video"].source_ref == f"{KEY}/15s/preview"
        and rows["image"].source_ref == f"{KEY}/15s/preview#thumbnail"
    )
    assert (rows["video"].media_key, rows["video"].sha256) == (video.media_key, video.sha256)
    assert rows["image"].media_key == video.thumbnail_key and rows["image"].content_type == "image/png"
    assert rows["video"].content_type == "video/mp4" and rows["video"].size_bytes > 10_000
    made = rows["video"].provenance
    assert made["asset"] == "rendered_videos" and made["manifest_sha256"] == video.manifest_sha256
    assert made["run_id"] and made["voice"]
    assert {a.version for a in rows.values()} == {1}

    run()
    with warehouse.session() as session:
        again = list(session.scalars(select(ContentAsset)))
    warehouse.dispose()
    assert len(again) == 2 and {a.version for a in again} == {1}
    assert {a.kind: a.provenance["run_id"] for a in again} == {
        k: a.provenance["run_id"] for k, a in rows.items()
    }
