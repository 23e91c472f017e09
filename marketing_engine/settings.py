"""Where the embedded default keeps its state, and which brand file and environment it runs.

Everything lives under one folder, `MARKETING_ENGINE_HOME` (default `.marketing_engine/` in the
working directory): the SQLite warehouse, the media store, the built site, the outbox, reports and
the Dagster home. None of these settings is a secret, except a password inside
MARKETING_ENGINE_WAREHOUSE_URL: show that URL only through `masked_url`.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Literal

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_BRAND = PROJECT_ROOT / "brand.example.yaml"


class HomeError(RuntimeError):
    """The engine home cannot hold a run (not a folder, not writable)."""


def engine_home() -> Path:
    home = os.environ.get("MARKETING_ENGINE_HOME")
    return Path(home).resolve() if home else Path.cwd() / ".marketing_engine"


def brand_path() -> Path:
    given = os.environ.get("MARKETING_ENGINE_BRAND")
    return Path(given).resolve() if given else EXAMPLE_BRAND


def environment() -> Literal["local", "prod"]:
    value = os.environ.get("MARKETING_ENGINE_ENV", "local").strip().lower()
    if value not in ("local", "prod"):
        raise ValueError(f"MARKETING_ENGINE_ENV={value!r}: expected 'local' or 'prod'")
    return value  # type: ignore[return-value]


PUBLISHING_SWITCH = "MARKETING_ENGINE_PUBLISHING"


def publishing_blocked() -> str | None:
    """Why publish runs may not start now, or None when they may.

    Locally (MARKETING_ENGINE_ENV=local) publishing writes the offline outbox and the site folder,
    so it always may. In prod it posts to the platforms and WordPress for real: only when the one
    switch MARKETING_ENGINE_PUBLISHING is `on` (default `off`).
    """
    value = os.environ.get(PUBLISHING_SWITCH, "off").strip().lower()
    if value not in ("on", "off"):
        raise ValueError(f"{PUBLISHING_SWITCH}={value!r}: expected 'on' or 'off'")
    if environment() == "prod" and value != "on":
        return f"publishing is off in prod: set {PUBLISHING_SWITCH}=on to post for real"
    return None


def sqlite_url(path: Path) -> str:
    """A SQLite URL for a file path, quoted so that `?`, `%`, `#` and spaces stay part of the path."""
    from sqlalchemy.engine import URL

    return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)


def warehouse_url() -> str:
    return os.environ.get("MARKETING_ENGINE_WAREHOUSE_URL") or sqlite_url(engine_home() / "warehouse.sqlite")


_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^/@:\s]*):(?P<secret>[^\s/]*)@")


def masked_url(url: str) -> str:
    """The URL with any password replaced by `***`, whether SQLAlchemy can parse it or not."""
    return _CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}:***@", str(url))


def ensure_writable_home(home: Path | None = None) -> Path:
    """Create the engine home if needed and prove it is writable; HomeError in one line otherwise."""
    home = home or engine_home()
    try:
        home.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=home, prefix=".write-test-"):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise HomeError(
            f"the engine home {home} is not writable ({reason}); make it writable or point "
            "MARKETING_ENGINE_HOME at a folder this user can write"
        ) from None
    return home


def _fits_an_unquoted_sqlite_url(path: Path) -> bool:
    from sqlalchemy.engine import make_url

    probe = f"{path}/runs.db"
    return make_url(f"sqlite:///{probe}").database == probe


def dagster_home_dir() -> Path:
    """The Dagster home, `<engine home>/dagster`. Dagster writes its SQLite URLs unquoted, so a
    home whose path holds `?` or a `%XX` escape would lose its runs (and leave a file outside the
    home): it then gets a stand-in path without them, a symlink under the temporary folder."""
    import hashlib
    import tempfile

    home = engine_home() / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    if _fits_an_unquoted_sqlite_url(home):
        return home
    links = Path(tempfile.gettempdir()) / f"marketing-engine-{os.getuid()}"
    links.mkdir(mode=0o700, exist_ok=True)
    alias = links / hashlib.sha256(str(home).encode()).hexdigest()[:16]
    if not (alias.is_symlink() and alias.resolve() == home.resolve()):
        alias.unlink(missing_ok=True)
        alias.symlink_to(home, target_is_directory=True)
    if not _fits_an_unquoted_sqlite_url(alias):
        raise HomeError(f"the engine home {engine_home()} cannot hold Dagster's runs; choose a path without '?'")
    return alias


def home_dir(name: str) -> Path:
    """A sub-folder of the engine home (media, site, outbox, reports, cache), created on demand."""
    path = engine_home() / name
    path.mkdir(parents=True, exist_ok=True)
    return path
