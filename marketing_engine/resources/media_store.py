"""The media store: where binary artifacts (HTML, MP4, WAV, PNG, SRT) live.

Keys are content addresses: `<sha256[:2]>/<sha256><suffix>`, so writing the same bytes twice
stores one object. A local folder by default; S3 (or any S3-compatible endpoint) through boto3.
The warehouse keeps keys and checksums; assets pass keys, never bytes.
"""

from __future__ import annotations

import hashlib
import mimetypes
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from dagster import ConfigurableResource
from pydantic import Field

from marketing_engine.settings import home_dir

_CHUNK = 1 << 20


class MediaStoreError(RuntimeError):
    """A key that does not exist, or a backend that is misconfigured or unreachable."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    sha256: str
    size: int
    content_type: str
    uri: str


def content_key(sha256: str, suffix: str = "") -> str:
    if suffix and not suffix.startswith("."):
        suffix = "." + suffix
    return f"{sha256[:2]}/{sha256}{suffix.lower()}"


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def _guess_type(suffix: str) -> str:
    return mimetypes.guess_type(f"x{suffix}")[0] or "application/octet-stream"


class MediaBackend(Protocol):
    def write_file(self, key: str, path: Path, content_type: str) -> None: ...
    def exists(self, key: str) -> bool: ...
    def read_bytes(self, key: str) -> bytes: ...
    def download(self, key: str, target: Path) -> None: ...
    def uri(self, key: str) -> str: ...


class LocalBackend:
    def __init__(self, root: Path):
        self.root = root

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise MediaStoreError(f"media key {key!r} points outside the store")
        return path

    def write_file(self, key: str, path: Path, content_type: str) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(path, partial)
        partial.replace(target)  # atomic: a reader never sees half a file

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def read_bytes(self, key: str) -> bytes:
        path = self.path(key)
        if not path.is_file():
            raise MediaStoreError(f"media key {key!r} is not in the store at {self.root}")
        return path.read_bytes()

    def download(self, key: str, target: Path) -> None:
        shutil.copyfile(self.path(key), target)

    def uri(self, key: str) -> str:
        return self.path(key).as_uri()


class S3Backend:
    def __init__(self, client, bucket: str, prefix: str):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _key(self, key: str) -> str:
        return self.prefix + key

    def write_file(self, key: str, path: Path, content_type: str) -> None:
        self.client.upload_file(
            str(path), self.bucket, self._key(key), ExtraArgs={"ContentType": content_type}
        )

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise MediaStoreError(f"s3://{self.bucket}/{self._key(key)}: {exc}") from None
        return True

    def read_bytes(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except ClientError as exc:
            raise MediaStoreError(f"s3://{self.bucket}/{self._key(key)}: {exc}") from None

    def download(self, key: str, target: Path) -> None:
        self.client.download_file(self.bucket, self._key(key), str(target))

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"


class MediaStoreResource(ConfigurableResource):
    """Local folder (default: `$MARKETING_ENGINE_HOME/media`) or S3 (`backend: s3`, a bucket)."""

    backend: Literal["local", "s3"] = "local"
    root: str = Field(default="", description="Local folder; empty means $MARKETING_ENGINE_HOME/media.")
    bucket: str = ""
    prefix: str = ""
    endpoint_url: str | None = None
    region: str = "us-east-1"
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = None

    def _backend(self) -> MediaBackend:
        if self.backend == "local":
            return LocalBackend(Path(self.root) if self.root else home_dir("media"))
        if not self.bucket:
            raise MediaStoreError("media store backend 's3' needs a bucket (MEDIA_STORE_BUCKET)")
        import boto3

        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint_url or None,
            region_name=self.region,
            aws_access_key_id=self.aws_access_key_id or None,
            aws_secret_access_key=self.aws_secret_access_key or None,
        )
        return S3Backend(client, self.bucket, self.prefix)

    def put_file(self, path: Path | str, content_type: str | None = None) -> StoredObject:
        path = Path(path)
        if not path.is_file():
            raise MediaStoreError(f"cannot store {path}: no such file")
        sha256, size = _hash_file(path)
        suffix = "".join(path.suffixes[-1:])
        key = content_key(sha256, suffix)
        content_type = content_type or _guess_type(suffix)
        backend = self._backend()
        if not backend.exists(key):
            backend.write_file(key, path, content_type)
        return StoredObject(key, sha256, size, content_type, backend.uri(key))

    def put_bytes(self, data: bytes, suffix: str = "", content_type: str | None = None) -> StoredObject:
        if suffix and not suffix.startswith("."):
            suffix = "." + suffix
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"blob{suffix}"
            path.write_bytes(data)
            return self.put_file(path, content_type)

    def exists(self, key: str) -> bool:
        return self._backend().exists(key)

    def get_bytes(self, key: str) -> bytes:
        return self._backend().read_bytes(key)

    def uri(self, key: str) -> str:
        return self._backend().uri(key)

    def local_path(self, key: str) -> Path:
        """A local file with the object's bytes (the object itself for the local backend)."""
        backend = self._backend()
        if isinstance(backend, LocalBackend):
            path = backend.path(key)
            if not path.is_file():
                raise MediaStoreError(f"media key {key!r} is not in the store at {backend.root}")
            return path
        target = home_dir("cache") / "media" / key
        if not target.is_file():
            if not backend.exists(key):
                raise MediaStoreError(f"media key {key!r} is not in {backend.uri(key)}")
            target.parent.mkdir(parents=True, exist_ok=True)
            backend.download(key, target)
        return target
