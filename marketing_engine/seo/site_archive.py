"""The built site as one object in the media store, so a step on another machine reads the same site.

`static_site` builds the site in the engine home's `site/` folder and stores it as one gzipped tar
(deterministic: the same files give the same bytes, hence the same content-addressed key). A step
that reads the site as written — the site gates, the sitemap the index state is read against — asks
`site_folder(key, media)`: the engine home's own `site/` when it holds that build, else the archive
unpacked once into the per-host cache (`cache/sites/<sha256>/`, safe to delete).

Plain Python: no Dagster.
"""

from __future__ import annotations

import gzip
import io
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from marketing_engine.files import write_text
from marketing_engine.settings import engine_home, home_dir

MARKER = "site.archive-key"  # beside site/, never inside it (the folder is what gets served)


class SiteArchiveError(RuntimeError):
    """An archive that is not a site build (a member outside the folder, not a tar)."""


class MediaStore(Protocol):
    def put_file(self, path: Path | str, content_type: str | None = None) -> Any: ...
    def local_path(self, key: str) -> Path: ...


def write_archive(site: Path, out: BinaryIO) -> None:
    """Every file under `site` as a gzipped tar into `out`, one file at a time: sorted names, no
    times, owners, modes or file name in the gzip header (the same files give the same bytes)."""
    with (
        gzip.GzipFile(filename="", fileobj=out, mode="wb", mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w") as tar,
    ):
        for path in sorted(p for p in site.rglob("*") if p.is_file()):
            info = tarfile.TarInfo(path.relative_to(site).as_posix())
            info.size, info.mode = path.stat().st_size, 0o644
            with path.open("rb") as handle:
                tar.addfile(info, handle)


def archive_bytes(site: Path) -> bytes:
    """The archive `store_site` stores, in memory (small sites and tests)."""
    raw = io.BytesIO()
    write_archive(site, raw)
    return raw.getvalue()


def store_site(site: Path, media: MediaStore) -> Any:
    """Put the built site in the media store, streamed through a temporary file (a large site's
    archive is never held in memory whole); this host's `site/` is marked as that build."""
    with tempfile.TemporaryDirectory(prefix="site-archive-") as tmp:
        path = Path(tmp) / "site.tgz"
        with path.open("wb") as out:
            write_archive(site, out)
        stored = media.put_file(path, "application/gzip")
    write_text(site.parent / MARKER, stored.key + "\n")
    return stored


def site_folder(key: str | None, media: MediaStore) -> Path:
    """The site build `key` names, as a folder on this host. No key (no build recorded yet): the
    engine home's `site/` as it is."""
    local = home_dir("site")
    marker = engine_home() / MARKER
    if key is None or (marker.is_file() and marker.read_text(encoding="utf-8").strip() == key):
        return local
    target = home_dir("cache") / "sites" / key.split("/")[-1].split(".")[0]
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial"))
    try:
        with tarfile.open(media.local_path(key), mode="r:gz") as tar:
            tar.extractall(staging, filter="data")  # refuses members outside the folder, links, devices
        staging.rename(target)
    except (tarfile.TarError, OSError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if target.is_dir():  # another process on this host unpacked it first
            return target
        raise SiteArchiveError(f"site archive {key!r} cannot be unpacked: {exc}") from None
    return target
