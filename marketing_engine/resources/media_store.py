"""The media store: where binary artifacts (HTML, MP4, WAV, PNG, SRT) live.

Keys are content addresses: `<sha256[:2]>/<sha256><suffix>`, so writing the same bytes twice
stores one object. A local folder by default; S3 (or any S3-compatible endpoint) through boto3.
The warehouse keeps keys and checksums; assets pass keys, never bytes.
"""

from __future__ import annotations

import functools
import hashlib
import mimetypes
import os
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


def check_key(key: str) -> str:
    """A key is a relative path inside the store: no `..`, no absolute path, no backslash."""
    parts = key.split("/")
    if not key or key.startswith("/") or "\\" in key or any(part in ("", ".", "..") for part in parts):
        raise MediaStoreError(f"media key {key!r} is not a valid store key (expected 'ab/<sha256>.ext')")
    return key


def _guess_type(suffix: str) -> str:
    return mimetypes.guess_type(f"x{suffix}")[0] or "application/octet-stream"


class MediaBackend(Protocol):
    def write_file(self, key: str, path: Path, content_type: str) -> None: ...
    def exists(self, key: str) -> bool: ...
    def read_bytes(self, key: str) -> bytes: ...
    def download(self, key: str, target: Path) -> None: ...
    def uri(self, key: str) -> str: ...


def _copy_atomically(source: Path, target: Path) -> None:
    """Copy through a uniquely named temp file in the target folder, then rename.

    A reader never sees half a file, and two runs storing the same bytes at once (the multiprocess
    executor does that) do not truncate each other's copy.
    """
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    os.close(handle)
    try:
        shutil.copyfile(source, partial)
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


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
        _copy_atomically(path, target)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def read_bytes(self, key: str) -> bytes:
        return self.read_path(key).read_bytes()

    def download(self, key: str, target: Path) -> None:
        _copy_atomically(Path(self.read_path(key)), target)

    def read_path(self, key: str) -> Path:
        path = self.path(key)
        if not path.is_file():
            raise MediaStoreError(f"media key {key!r} is not in the store at {self.root}")
        return path

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
        from boto3.exceptions import S3UploadFailedError
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.upload_file(
                str(path), self.bucket, self._key(key), ExtraArgs={"ContentType": content_type}
            )
        except (ClientError, S3UploadFailedError, BotoCoreError) as exc:
            raise MediaStoreError(f"cannot write s3://{self.bucket}/{self._key(key)}: {exc}") from None

    def exists(self, key: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise MediaStoreError(f"s3://{self.bucket}/{self._key(key)}: {exc}") from None
        except BotoCoreError as exc:  # no credentials in the default chain, an unreachable endpoint
            raise MediaStoreError(f"s3://{self.bucket}/{self._key(key)}: {exc}") from None
        return True

    def read_bytes(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            raise MediaStoreError(f"s3://{self.bucket}/{self._key(key)}: {exc}") from None

    def download(self, key: str, target: Path) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        handle, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
        os.close(handle)
        try:
            self.client.download_file(self.bucket, self._key(key), partial)
            os.replace(partial, target)  # an interrupted download never poses as the cached object
        except (ClientError, BotoCoreError) as exc:
            raise MediaStoreError(f"cannot download s3://{self.bucket}/{self._key(key)}: {exc}") from None
        finally:
            Path(partial).unlink(missing_ok=True)

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"


@functools.lru_cache(maxsize=8)
def _s3_client(endpoint_url: str | None, region: str, key_id: str | None, secret: str | None):
    """One boto3 client per configuration: building one takes ~0.1 s, and every call needs one."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
    )


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
        client = _s3_client(
            self.endpoint_url or None,
            self.region,
            self.aws_access_key_id or None,
            self.aws_secret_access_key or None,
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
        return self._backend().exists(check_key(key))

    def get_bytes(self, key: str) -> bytes:
        return self._backend().read_bytes(check_key(key))

    def uri(self, key: str) -> str:
        return self._backend().uri(check_key(key))

    def local_path(self, key: str) -> Path:
        """A local file with the object's bytes (the object itself for the local backend)."""
        backend = self._backend()
        check_key(key)
        if isinstance(backend, LocalBackend):
            return backend.read_path(key)
        target = home_dir("cache") / "media" / key
        if not target.is_file():
            if not backend.exists(key):
                raise MediaStoreError(f"media key {key!r} is not in {backend.uri(key)}")
            target.parent.mkdir(parents=True, exist_ok=True)
            backend.download(key, target)
        return target
