"""The built site as one media-store object: the same files give the same key, and a host whose
engine home has no site (another machine) unpacks the stored build once into its cache."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.seo import pages
from marketing_engine.seo.site_archive import SiteArchiveError, archive_bytes, site_folder, store_site


def _site(root: Path) -> Path:
    (root / "guides" / "winter").mkdir(parents=True)
    (root / "index.html").write_text("<html>home</html>", encoding="utf-8")
    (root / "guides" / "winter" / "index.html").write_text("<html>inverno à porta</html>", encoding="utf-8")
    (root / "sitemap.xml").write_text("<urlset/>", encoding="utf-8")
    return root


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_stored_site_is_read_back_whole_on_another_host(tmp_path, monkeypatch):
    media = MediaStoreResource(root=str(tmp_path / "shared media"))
    monkeypatch.setenv("MARKETING_ENGINE_HOME", str(tmp_path / "host a"))
    built = _site(tmp_path / "host a" / "site")
    stored = store_site(built, media)
    assert archive_bytes(built) == archive_bytes(built) and stored.key.endswith(".tgz")
    assert media.get_bytes(stored.key) == archive_bytes(built)  # streamed to the store, the same bytes
    assert store_site(built, media).key == stored.key  # same files, same object
    assert site_folder(stored.key, media) == built  # this host holds that build: no copy
    assert site_folder(None, media) == built  # no build recorded: the home's own folder

    monkeypatch.setenv("MARKETING_ENGINE_HOME", str(tmp_path / "host b"))
    there = site_folder(stored.key, media)
    assert there.is_relative_to(tmp_path / "host b" / "cache" / "sites")
    assert _files(there) == _files(built)
    (there / "index.html").write_text("cached copy", encoding="utf-8")
    assert site_folder(stored.key, media) == there  # unpacked once, then reused
    assert (there / "index.html").read_text(encoding="utf-8") == "cached copy"


def test_an_archive_that_is_not_a_site_is_refused_by_key(tmp_path):
    media = MediaStoreResource(root=str(tmp_path / "media"))
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        info = tarfile.TarInfo("../outside.html")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    escaping = media.put_bytes(raw.getvalue(), suffix=".tgz")
    with pytest.raises(SiteArchiveError, match=escaping.key):
        site_folder(escaping.key, media)
    assert not (tmp_path / "outside.html").exists()
    garbage = media.put_bytes(b"not a tar", suffix=".tgz")
    with pytest.raises(SiteArchiveError, match="cannot be unpacked"):
        site_folder(garbage.key, media)


def test_json_ld_problems_travel_through_the_media_store(tmp_path):
    media = MediaStoreResource(root=str(tmp_path / "media"))
    assert pages.json_ld_problems(None, media) == {"<none>": ["page_schema has not run"]}
    key = pages.store_json_ld_problems({"/a/": ["Product: no name"]}, media)
    assert pages.json_ld_problems(key, media) == {"/a/": ["Product: no name"]}
    assert pages.json_ld_problems(pages.store_json_ld_problems({}, media), media) == {}
