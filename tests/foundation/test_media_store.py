"""The media store: content-addressed keys on a local folder, and on S3 served by a real moto_server."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto_s3 import moto_server, s3_client

from marketing_engine.resources.media_store import MediaStoreError, MediaStoreResource, content_key

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


# --- local backend ---------------------------------------------------------------------------


@pytest.fixture
def local_store(tmp_path: Path) -> MediaStoreResource:
    return MediaStoreResource(root=str(tmp_path / "media"))


def _stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _missing_key_is_named(store: MediaStoreResource, key: str) -> None:
    """A key the store does not hold: `exists` says so, and reading it fails naming the key."""
    assert not store.exists(key)
    with pytest.raises(MediaStoreError, match=key):
        store.get_bytes(key)
    with pytest.raises(MediaStoreError, match=key):
        store.local_path(key)


def test_keys_are_sha256_content_addresses(local_store: MediaStoreResource) -> None:
    stored = local_store.put_bytes(PNG_BYTES, suffix="png")
    digest = hashlib.sha256(PNG_BYTES).hexdigest()
    assert stored.sha256 == digest
    assert stored.key == f"{digest[:2]}/{digest}.png" == content_key(digest, ".png")
    assert stored.size == len(PNG_BYTES)
    assert stored.content_type == "image/png"


def test_same_bytes_twice_store_one_object(local_store: MediaStoreResource, tmp_path: Path) -> None:
    source = tmp_path / "clip.mp4"
    source.write_bytes(b"not really a video, but bytes" * 100)
    first = local_store.put_file(source)
    second = local_store.put_file(str(source))
    third = local_store.put_bytes(source.read_bytes(), suffix=".mp4")
    assert first == second == third
    assert _stored_files(tmp_path / "media") == [tmp_path / "media" / first.key]
    other = local_store.put_bytes(b"different bytes", suffix=".mp4")
    assert other.key != first.key
    assert len(_stored_files(tmp_path / "media")) == 2


def test_round_trip_exists_local_path_and_uri(local_store: MediaStoreResource, tmp_path: Path) -> None:
    stored = local_store.put_bytes(b"WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n", suffix=".vtt")
    assert local_store.exists(stored.key)
    assert local_store.get_bytes(stored.key).startswith(b"WEBVTT")
    path = local_store.local_path(stored.key)
    assert path == (tmp_path / "media" / stored.key).resolve()
    assert path.read_bytes() == local_store.get_bytes(stored.key)
    assert local_store.uri(stored.key) == path.as_uri() == stored.uri
    assert not any(p.name.endswith(".partial") for p in _stored_files(tmp_path / "media"))


def test_default_root_is_under_engine_home(engine_home: Path) -> None:
    stored = MediaStoreResource().put_bytes(b"<html></html>", suffix="html")
    assert (engine_home / "media" / stored.key).read_bytes() == b"<html></html>"
    assert stored.content_type == "text/html"


def test_missing_key_error_names_the_key(local_store: MediaStoreResource) -> None:
    _missing_key_is_named(local_store, content_key("ab" * 32, ".png"))


@pytest.mark.parametrize("key", ["../x", "ab/../../x", "/etc/passwd", "ab\\..\\x", "", "ab//c"])
def test_keys_outside_the_store_are_refused(local_store: MediaStoreResource, key: str) -> None:
    for call in (local_store.get_bytes, local_store.exists, local_store.local_path, local_store.uri):
        with pytest.raises(MediaStoreError, match="not a valid store key"):
            call(key)


def test_missing_file_error_names_the_file(local_store: MediaStoreResource, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "voice.wav"
    with pytest.raises(MediaStoreError, match=r"cannot store .*voice\.wav: no such file"):
        local_store.put_file(missing)


def test_explicit_content_type_wins(local_store: MediaStoreResource) -> None:
    stored = local_store.put_bytes(
        b"1\n00:00:00,000 --> 00:00:01,000\nhi\n", suffix=".srt", content_type="application/x-subrip"
    )
    assert stored.content_type == "application/x-subrip"
    assert stored.key.endswith(".srt")


# --- S3 backend against a real moto_server -----------------------------------------------------


@pytest.fixture(scope="module")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with moto_server(tmp_path_factory.mktemp("moto")) as endpoint:
        yield endpoint


@pytest.fixture
def s3(moto_endpoint: str):
    return s3_client(moto_endpoint)


@pytest.fixture
def bucket(s3, request: pytest.FixtureRequest) -> str:
    name = f"me-media-{request.node.name.lower().replace('_', '-')[:40]}"
    s3.create_bucket(Bucket=name)
    return name


def _s3_store(endpoint: str, bucket: str, **extra) -> MediaStoreResource:
    return MediaStoreResource(
        backend="s3",
        bucket=bucket,
        prefix="me/",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        **extra,
    )


def test_s3_same_bytes_twice_store_one_object_under_the_prefix(moto_endpoint: str, s3, bucket: str) -> None:
    store = _s3_store(moto_endpoint, bucket)
    first = store.put_bytes(PNG_BYTES, suffix=".png")
    second = store.put_bytes(PNG_BYTES, suffix=".png")
    assert first == second
    listing = s3.list_objects_v2(Bucket=bucket)
    assert listing["KeyCount"] == 1
    assert [obj["Key"] for obj in listing["Contents"]] == [f"me/{first.key}"]
    assert first.uri == f"s3://{bucket}/me/{first.key}"
    head = s3.head_object(Bucket=bucket, Key=f"me/{first.key}")
    assert head["ContentType"] == "image/png"
    assert head["ContentLength"] == len(PNG_BYTES)
    store.put_bytes(b"other", suffix=".txt")
    assert s3.list_objects_v2(Bucket=bucket, Prefix="me/")["KeyCount"] == 2


def test_s3_round_trip_and_local_path_cache(moto_endpoint: str, s3, bucket: str, engine_home: Path) -> None:
    store = _s3_store(moto_endpoint, bucket)
    audio = b"RIFF" + os.urandom(2048)
    stored = store.put_bytes(audio, suffix=".wav")
    assert store.exists(stored.key)
    assert store.get_bytes(stored.key) == audio
    assert store.uri(stored.key) == stored.uri
    path = store.local_path(stored.key)
    assert path == engine_home / "cache" / "media" / stored.key
    assert path.read_bytes() == audio
    # a second call serves the cached file without another download
    s3.delete_object(Bucket=bucket, Key=f"me/{stored.key}")
    assert store.local_path(stored.key).read_bytes() == audio
    assert not store.exists(stored.key)


def test_s3_missing_key_and_bad_keys(moto_endpoint: str, bucket: str) -> None:
    store = _s3_store(moto_endpoint, bucket)
    _missing_key_is_named(store, content_key("cd" * 32, ".mp4"))
    with pytest.raises(MediaStoreError, match="not a valid store key"):
        store.local_path("../../outside.mp4")


def test_s3_missing_bucket_config_and_missing_bucket(moto_endpoint: str) -> None:
    with pytest.raises(MediaStoreError, match="needs a bucket"):
        _s3_store(moto_endpoint, "").put_bytes(b"x")
    with pytest.raises(MediaStoreError, match="no-such-bucket"):
        _s3_store(moto_endpoint, "no-such-bucket").put_bytes(b"x", suffix=".txt")
