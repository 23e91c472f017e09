"""Fixtures for the outreach tests: a small website served on 127.0.0.1 by the test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from marketing_engine.outreach.local_sites import serve_sites

INDEX = """<html><head><title>City Cycling Guide</title></head><body>
<h1>City cycling resources</h1>
<a href="/a.html">Commuting basics</a>
<a href="/private/x.html">Members only</a>
<a href="/slow">Slow page</a>
<a href="/moved">Moved page</a>
<a href="/evil">Internal dashboard</a>
<a href="/metadata">Cloud metadata</a>
<a href="/gone">Old battery guide</a>
<a href="/missing.html">Cargo bike review</a>
<a href="http://nothere.invalid/ebike-tax-credit">E-bike tax credit explained</a>
<a href="mailto:editor@citycycling.example">Write to the editor</a>
</body></html>"""

ROUTES = {
    "/slow": {"delay": 0.4},
    "/moved": {"status": 301, "location": "/a.html"},
    "/evil": {"status": 302, "location": "http://10.0.0.1/admin"},
    "/metadata": {"status": 302, "location": "http://169.254.169.254/latest/meta-data/"},
    "/gone": {"status": 410},
    "/loop": {"status": 302, "location": "/loop"},
}


def write_site(root: Path) -> Path:
    (root / "private").mkdir(parents=True)
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    (root / "index.html").write_text(INDEX)
    (root / "a.html").write_text(
        "<html><head><title>Commuting basics</title></head><body><p>Ride.</p>"
        "<a href='/'>home</a></body></html>"
    )
    (root / "slow.html").write_text("<html><head><title>Slow</title></head><body>slow</body></html>")
    (root / "private" / "x.html").write_text("<html><body>secret</body></html>")
    (root / "_routes.json").write_text(json.dumps(ROUTES))
    for n in range(20):
        (root / f"p{n}.html").write_text(f"<html><head><title>Page {n}</title></head><body>{n}</body></html>")
    return root


@pytest.fixture
def test_site(tmp_path: Path) -> Iterator[tuple[str, object]]:
    """(base URL, server) of the test site on 127.0.0.1; `server.hits` records every request."""
    root = write_site(tmp_path / "site")
    with serve_sites({}, default=root) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}", server
