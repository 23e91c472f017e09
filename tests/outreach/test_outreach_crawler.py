"""The crawler against a site on 127.0.0.1: robots, redirects, SSRF refusals, rate, budget."""

from __future__ import annotations

import asyncio
import ipaddress
import itertools

import pytest

from marketing_engine.outreach import urlguard
from marketing_engine.outreach.crawler import Crawler, CrawlPolicy, check_links_sync, crawl_sync

LOOPBACK = ("127.0.0.1/32",)


def _fetch(policy: CrawlPolicy, url: str):
    async def go():
        async with Crawler(policy) as crawler:
            return await crawler.fetch(url), crawler

    return asyncio.run(go())


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "169.254.169.254",
        "127.0.0.1",
        "192.168.1.5",
        "100.64.0.1",
        "::1",
        "::ffff:127.0.0.1",
        "fe80::1",
        "0.0.0.0",
        "224.0.0.1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    with pytest.raises(urlguard.UnsafeURLError, match="non-public"):
        urlguard.check_addresses("http://x.test/", [address])


def test_public_address_passes_and_allow_list_opens_only_its_network() -> None:
    assert urlguard.check_addresses("http://x.test/", ["93.184.216.34"])
    allowed = urlguard.parse_networks(LOOPBACK)
    assert urlguard.check_addresses("http://x.test/", ["127.0.0.1"], allowed)
    with pytest.raises(urlguard.UnsafeURLError):
        urlguard.check_addresses("http://x.test/", ["127.0.0.1", "10.1.1.1"], allowed)
    assert not urlguard.address_allowed(ipaddress.ip_address("127.0.0.2"), allowed)


@pytest.mark.parametrize(
    "url", ["ftp://example.com/", "file:///etc/passwd", "http://user:pw@example.com/", "http:///nohost"]
)
def test_bad_urls_are_refused_by_name(url: str) -> None:
    with pytest.raises(urlguard.UnsafeURLError) as info:
        urlguard.split_target(url)
    assert url in str(info.value)


def test_unresolvable_host_is_its_own_kind() -> None:
    with pytest.raises(urlguard.UnresolvableHostError):
        urlguard.resolve_checked("http://nothere.invalid/")
    with pytest.raises(urlguard.UnsafeURLError, match="non-public"):
        urlguard.resolve_checked("http://localhost:9/")


def test_crawl_honours_robots_redirects_and_refuses_private_redirects(test_site) -> None:
    base, server = test_site
    policy = CrawlPolicy(allow_networks=LOOPBACK, per_host_rate=0, per_host_concurrency=4)

    async def go():
        async with Crawler(policy) as crawler:
            return await crawler.crawl([base + "/"], max_depth=1), crawler

    pages, crawler = asyncio.run(go())
    by_url = {page.fetch.url: page for page in pages}
    assert by_url[base + "/"].title == "City Cycling Guide"
    private = by_url[base + "/private/x.html"].fetch
    assert private.error_kind == "robots" and private.status is None
    assert not any(path.startswith("/private") for _, path in server.hits)
    moved = by_url[base + "/moved"].fetch
    assert moved.ok and moved.final_url == base + "/a.html" and moved.redirects == [base + "/moved"]
    for path, target in (("/evil", "10.0.0.1"), ("/metadata", "169.254.169.254")):
        refused = by_url[base + path].fetch
        assert refused.error_kind == "refused" and target in refused.error
        assert refused.redirects == [base + path]
    # Refused before connecting: every request the client sent went to the loopback test server.
    assert crawler.request_log and {host for host, _ in crawler.request_log} == {base.split("//")[1]}
    assert by_url[base + "/gone"].status == 410
    assert by_url[base + "/slow"].fetch.elapsed_s >= 0.35
    assert base + "/a.html" in by_url  # found through the index's links
    assert server.hits.count(("127.0.0.1:" + base.rsplit(":", 1)[1], "/robots.txt")) == 1


def test_private_targets_refused_without_an_explicit_allow(test_site) -> None:
    base, server = test_site
    result, crawler = _fetch(CrawlPolicy(), base + "/")
    assert result.error_kind == "refused" and "127.0.0.1" in result.error
    assert server.hits == [] and crawler.request_log == []


def test_redirect_loop_stops(test_site) -> None:
    base, _ = test_site
    result, _ = _fetch(CrawlPolicy(allow_networks=LOOPBACK, per_host_rate=0, max_redirects=3), base + "/loop")
    assert result.error_kind == "redirects" and len(result.redirects) == 4


def test_timeout_is_reported(test_site) -> None:
    base, _ = test_site
    result, _ = _fetch(CrawlPolicy(allow_networks=LOOPBACK, per_host_rate=0, timeout=0.1), base + "/slow")
    assert result.error_kind == "timeout" and not result.ok


def test_page_budget_and_per_host_rate(test_site) -> None:
    base, _ = test_site
    policy = CrawlPolicy(allow_networks=LOOPBACK, per_host_rate=25, per_host_concurrency=4, page_budget=6)

    async def go():
        async with Crawler(policy) as crawler:
            results = await asyncio.gather(*(crawler.fetch(f"{base}/p{n}.html") for n in range(8)))
            return results, crawler

    results, crawler = asyncio.run(go())
    assert all(r.ok for r in results)
    starts = sorted(t for _, t in crawler.request_log)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(starts) == 9 and min(gaps) >= 0.04 * 0.9  # 25/s -> 40 ms apart, robots.txt included
    pages = crawl_sync(CrawlPolicy(allow_networks=LOOPBACK, per_host_rate=0, page_budget=3), [base + "/"])
    assert len(pages) == 3


def test_robots_unreachable_means_disallow_all(test_site, tmp_path) -> None:
    from marketing_engine.outreach.local_sites import serve_sites

    root = tmp_path / "broken"
    root.mkdir()
    (root / "index.html").write_text("<html><body>hi</body></html>")
    (root / "_routes.json").write_text('{"/robots.txt": {"status": 503}}')
    with serve_sites({}, default=root) as server:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        result, _ = _fetch(CrawlPolicy(allow_networks=LOOPBACK, per_host_rate=0), url)
    assert result.error_kind == "robots"


def test_check_links_classifies_dead_links(test_site) -> None:
    base, _ = test_site
    results = check_links_sync(
        CrawlPolicy(allow_networks=LOOPBACK, per_host_rate=0),
        [
            base + "/gone",
            base + "/missing.html",
            "http://nothere.invalid/x",
            base + "/a.html",
            base + "/evil",
        ],
    )
    assert results[base + "/gone"].is_dead and results[base + "/missing.html"].is_dead
    assert results["http://nothere.invalid/x"].error_kind == "unresolvable"
    assert results["http://nothere.invalid/x"].is_dead
    assert not results[base + "/a.html"].is_dead
    assert results[base + "/evil"].error_kind == "refused" and not results[base + "/evil"].is_dead


def test_host_map_sends_a_named_host_to_the_local_server(tmp_path) -> None:
    from marketing_engine.outreach.local_sites import host_map_for, serve_sites

    root = tmp_path / "voltride"
    root.mkdir()
    (root / "index.html").write_text("<html><head><title>VoltRide</title></head><body></body></html>")
    with serve_sites({"voltride.example": root}) as server:
        policy = CrawlPolicy(allow_networks=LOOPBACK, per_host_rate=0, host_map=host_map_for(server))
        pages = crawl_sync(policy, ["https://voltride.example/"])
    assert pages[0].title == "VoltRide" and pages[0].url == "https://voltride.example/"


def test_connects_to_the_checked_address_not_a_second_lookup(test_site) -> None:
    """DNS rebinding: the name is resolved once, checked, and the connection goes to that address.
    `rebind.invalid` does not resolve at all, so a second lookup by the HTTP client would fail."""
    base, server = test_site
    port = int(base.rsplit(":", 1)[1])

    async def go():
        async with Crawler(CrawlPolicy(allow_networks=LOOPBACK, per_host_rate=0)) as crawler:
            crawler._dns[("rebind.invalid", port)] = ["127.0.0.1"]
            return await crawler.fetch(f"http://rebind.invalid:{port}/a.html", robots=False)

    result = asyncio.run(go())
    assert result.ok and result.final_url == f"http://rebind.invalid:{port}/a.html"
    assert (f"rebind.invalid:{port}", "/a.html") in server.hits
