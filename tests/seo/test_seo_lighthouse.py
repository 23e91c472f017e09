"""Lighthouse (npm lighthouse@12.2.3 with Debian's chromium) scores every generated page type 100 in the
SEO category — and a page of the Portuguese example brand — served from the built site on 127.0.0.1."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from vocabulary import examples

from marketing_engine.seo.site import SiteBuilder
from marketing_engine.settings import PROJECT_ROOT
from seo.sitekit import SEEDS, example_site_inputs

LIGHTHOUSE = PROJECT_ROOT / ".tools" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = Path("/usr/bin/chromium")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _lighthouse(url: str, out: Path) -> dict:
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            f"--chrome-path={CHROMIUM}",
            "--only-categories=seo",
            "--output=json",
            f"--output-path={out}",
            "--quiet",
            "--max-wait-for-load=20000",
            "--chrome-flags=--headless --no-sandbox --disable-gpu --disable-background-networking",
        ],
        check=True,
        timeout=150,
        capture_output=True,
    )
    return json.loads(out.read_text())


@pytest.mark.skipif(
    not LIGHTHOUSE.exists() or not CHROMIUM.exists() or not shutil.which("node"),
    reason="Lighthouse needs scripts/bootstrap.sh test (npm lighthouse into .tools) and chromium",
)
def test_every_page_type_scores_100_for_seo(example_brand, tmp_path: Path) -> None:
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path / "site"))
    )
    base = f"http://127.0.0.1:{server.server_address[1]}"
    # the mobile repair van's cluster adds a question the owner's FAQ answers
    pages, hubs = example_site_inputs(example_brand, (*SEEDS, "Mobile Repair Van"))
    # The production build, as `make run` writes it: canonical URLs point at the brand's domain, which
    # Lighthouse's canonical audit accepts from another origin (it checks the URL is valid, absolute,
    # not the home page and not in conflict).
    build = SiteBuilder(example_brand).build(pages, hubs, tmp_path / "site")
    assert build.base_url == f"https://{example_brand.domain}"
    chosen = {}
    for page in pages:
        if page.path not in build.noindex:
            chosen.setdefault(page.page_type, page.path)
    assert set(chosen) == {"Guide", "Question", "Location", "Service", "Comparison", "Blog"}
    tasca = next(b for b in examples() if b.language == "pt")
    pt_pages, pt_hubs = example_site_inputs(tasca, tasca.seed_topics[:2])
    pt_build = SiteBuilder(tasca).build(pt_pages, pt_hubs, tmp_path / "site" / "pt")
    pt_page = next(p for p in pt_pages if p.page_type == "Location" and p.path not in pt_build.noindex)
    chosen["Portuguese location"] = "/pt" + pt_page.path
    # A control: the same kind of page shipped with noindex (what a failing page gets) must not score 100.
    probe = next(p for p in pages if p.path == chosen["Guide"])
    allowed = set(build.html) | {"/", "/topics/", "/feed.xml"} | {h.path for h in hubs}
    (tmp_path / "site" / "probe").mkdir()
    (tmp_path / "site" / "probe" / "index.html").write_text(
        SiteBuilder(example_brand).render_page(probe, False, allowed)
    )
    chosen["noindex control"] = "/probe/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            reports = dict(
                zip(
                    chosen,
                    pool.map(
                        lambda item: _lighthouse(base + item[1], tmp_path / f"{item[0]}.json"), chosen.items()
                    ),
                )
            )
    finally:
        server.shutdown()
    control = reports.pop("noindex control")
    assert control["categories"]["seo"]["score"] < 1.0 and control["audits"]["is-crawlable"]["score"] == 0
    for page_type, report in reports.items():
        failed = [a["id"] for a in report["audits"].values() if a.get("score") == 0]
        assert report["categories"]["seo"]["score"] == 1.0, f"{page_type}: failed audits {failed}"
        assert report["audits"]["canonical"]["score"] == 1 and report["audits"]["is-crawlable"]["score"] == 1
