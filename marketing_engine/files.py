"""Writing artifacts into the engine home so that a reader never sees half a file.

Every artifact goes to a temporary name in the same folder and is renamed into place
(`os.replace` is atomic on one file system): a killed run leaves the previous file or the new
one, never a mix, and two writers never interleave their bytes in one file.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A temporary path next to `target`; renamed onto `target` when the block succeeds, removed
    when it fails. The temporary name keeps the suffix, so tools that pick a format by it work."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    while True:  # like mkstemp, but with the umask's usual mode (mkstemp makes 0600 files)
        partial = target.with_name(
            f".{target.stem}.{os.getpid()}.{secrets.token_hex(4)}.partial{target.suffix}"
        )
        try:
            os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
    try:
        yield partial
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def write_bytes(target: Path, data: bytes) -> Path:
    with replacing(target) as partial:
        partial.write_bytes(data)
    return Path(target)


def write_text(target: Path, text: str, encoding: str = "utf-8") -> Path:
    return write_bytes(target, text.encode(encoding))


def copy_file(source: Path, target: Path) -> Path:
    with replacing(target) as partial:
        shutil.copyfile(source, partial)
    return Path(target)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _seal_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + ".sha256")


def seal(path: Path) -> str:
    """Record the sha256 of a finished artifact beside it (`<name>.sha256`); returns the digest."""
    digest = sha256_file(path)
    write_text(_seal_path(path), digest + "\n")
    return digest


def sealed(path: Path) -> bool:
    """True only when the file exists and its bytes still hash to the digest recorded when it was
    made: a cached artifact is trusted on its content, not on a database row or its name."""
    path, record = Path(path), _seal_path(path)
    if not (path.is_file() and record.is_file()):
        return False
    return record.read_text(encoding="utf-8").strip() == sha256_file(path)


_PARTIAL = re.compile(r"\.partial(\.[A-Za-z0-9]+)?$")


def sweep_partials(root: Path) -> list[Path]:
    """Remove the temporary files a killed writer left under `root` (names with a `.partial`
    part: `.<name>.<pid>.<hex>.partial.mp4`, `<name>.partial`). Only safe while no other writer
    runs there: `make run` calls it holding the home's lock."""
    removed = []
    for path in Path(root).rglob("*.partial*"):
        if _PARTIAL.search(path.name) and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
