"""A home serves one run at a time: two `marketing-engine run`s on one fresh home end with one
complete run and one clear message (or, with --wait, both complete and identical); two homes
sharing one PostgreSQL warehouse are held apart by an advisory lock."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from marketing_engine.home_lock import OWNER_NAME, HomeBusyError, one_run_at_a_time
from marketing_engine.settings import PROJECT_ROOT, sqlite_url
from reliability.probes import cli_args, cli_env, run_cli

HOLD_THE_HOME = """
import sys, time
from pathlib import Path
from marketing_engine.home_lock import one_run_at_a_time
with one_run_at_a_time(Path(sys.argv[1]), "sqlite://"):
    print("held", flush=True)
    time.sleep(60)
"""


def _start(home: Path, *stages: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        cli_args(*stages, **kw),
        cwd=PROJECT_ROOT,
        env=cli_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_owner(home: Path, process: subprocess.Popen, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return json.loads((home / OWNER_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            assert process.poll() is None, process.communicate()
            time.sleep(0.05)
    raise AssertionError("the first run never took the home")


def _campaigns(home: Path) -> list[tuple]:
    engine = create_engine(sqlite_url(home / "warehouse.sqlite"))
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT brand, slug, status FROM campaigns ORDER BY slug")).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_three_runs_on_a_fresh_home_one_stops_with_a_clear_message_one_waits_and_follows(tmp_path):
    """The first run takes the home; a second without --wait stops at once (exit 3) naming the
    first; a third with --wait runs after it. Both complete runs leave the same rows as one run."""
    from marketing_engine.assets.brand import campaign_rows
    from marketing_engine.brand import load_brand
    from marketing_engine.settings import EXAMPLE_BRAND

    home = tmp_path / "fresh home"
    first = _start(home, "foundation")
    owner = _wait_for_owner(home, first)
    waiting = _start(home, "foundation", wait=180)
    refused = run_cli(home, "foundation")
    assert refused.code == 3, refused.out + refused.err
    assert refused.last_line.startswith("Busy: another run is using the engine home")
    assert f"pid {owner['pid']}" in refused.last_line and "--wait" in refused.last_line
    for process in (first, waiting):
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, out + err
        assert "Done in" in out
    expected = sorted(
        (row["brand"], row["slug"], "active") for row in campaign_rows(load_brand(EXAMPLE_BRAND))
    )
    assert _campaigns(home) == expected and len(expected) == 32
    assert not (home / OWNER_NAME).exists()  # released with the last run


def test_a_killed_holder_frees_the_home_at_once(tmp_path):
    """flock is the kernel's: a SIGKILLed run leaves no stale lock behind."""
    home = tmp_path / "home"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            HOLD_THE_HOME,
            str(home),
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    with (
        pytest.raises(HomeBusyError, match="another run is using the engine home"),
        one_run_at_a_time(home, "sqlite://"),
    ):
        pass
    holder.kill()
    holder.wait()
    with one_run_at_a_time(home, "sqlite://"):
        assert (home / OWNER_NAME).is_file()


@pytest.mark.postgres
def test_two_homes_sharing_a_postgresql_warehouse_are_held_apart(tmp_path, pg_url):
    with one_run_at_a_time(tmp_path / "a", pg_url):
        started = time.monotonic()
        with pytest.raises(HomeBusyError) as raised, one_run_at_a_time(tmp_path / "b", pg_url, wait=1.0):
            pass
        assert 1.0 <= time.monotonic() - started < 5
    assert "another run is writing to the warehouse postgresql+psycopg2://" in str(raised.value)
    with one_run_at_a_time(tmp_path / "b", pg_url):  # released when the first session closed
        pass
