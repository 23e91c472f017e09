"""`marketing-engine desk-screenshot --as NAME`: PNGs of the review queue and the week calendar,
taken in headless Chromium after signing in through the desk's own login form (the password is
prompted for, or read from stdin), over the engine home's warehouse. The README's pictures of the
desk are made by this command after `make run` and `marketing-engine user add`."""

from __future__ import annotations

import argparse
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from marketing_engine.analytics.screenshot import CHROMIUM, CHROMIUM_ARGS

PAGES = {"desk-review.png": "/review", "desk-calendar.png": "/calendar"}


@contextmanager
def served(app, start_timeout: float = 20.0) -> Iterator[str]:
    """`app` on a free local port in a background thread (uvicorn); yields its base URL."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    try:
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError(f"the desk did not start on 127.0.0.1:{port}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


MAX_HEIGHT = 2000  # the top of a long queue: a README image, not the whole scroll


def screenshots(base: str, name: str, password: str, out: Path, week: str | None = None) -> list[Path]:
    """Sign in as `name` and save each page of `PAGES` under `out`."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/login")
            page.fill("input[name=name]", name)
            page.fill("input[name=password]", password)
            page.click("button:has-text('Sign in')")
            page.wait_for_load_state()
            if not page.url.endswith("/review"):
                raise PermissionError(f"could not sign in as {name!r}: {page.inner_text('main')[:200]}")
            for file_name, path in PAGES.items():
                page.goto(f"{base}{path}" + (f"?week={week}" if week and path == "/calendar" else ""))
                height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
                width = page.evaluate("document.documentElement.scrollWidth")
                clip = {"x": 0, "y": 0, "width": width, "height": height}
                page.screenshot(path=str(out / file_name), full_page=True, clip=clip)
                saved.append(out / file_name)
        finally:
            browser.close()
    return saved


def _run(args: argparse.Namespace) -> int:
    from marketing_engine.brand import load_brand
    from marketing_engine.desk.app import create_app
    from marketing_engine.desk.cli import read_password
    from marketing_engine.settings import brand_path, warehouse_url
    from marketing_engine.signing import signing_secret
    from marketing_engine.warehouse import Warehouse

    password = read_password(confirm=False)
    app = create_app(Warehouse(warehouse_url()), load_brand(brand_path()), signing_secret())
    with served(app) as base:
        for path in screenshots(base, args.name, password, Path(args.out), args.week):
            print(path)
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "desk-screenshot", help="save PNGs of the review desk's queue and calendar"
    )
    parser.add_argument("--as", dest="name", required=True, help="a desk user (`marketing-engine user add`)")
    parser.add_argument("--out", default="docs", help="folder for the PNGs (default: docs)")
    parser.add_argument("--week", help="the calendar's week, YYYY-MM-DD (default: this week)")
    parser.set_defaults(func=_run)
