"""Crawler throughput and politeness, against a local site served on 127.0.0.1.

1. Politeness off (no rate limit): the crawler fetching N pages, beside a bare concurrent httpx
   fetch loop over the same URLs at the same concurrency, in the same run (goal: within 1.5x).
2. Politeness on: three hosts crawled at once with a configured per-host rate; the highest number
   of requests any host saw in any one-second window, and the smallest gap between two requests.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

from marketing_engine.outreach.crawler import Crawler, CrawlPolicy
from marketing_engine.outreach.local_sites import host_map_for, serve_sites

PAGES = 400
CONCURRENCY = 16
ROUNDS = 5
LOOPBACK = ("127.0.0.1/32",)


def build_site(root: Path, pages: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    filler = "<p>" + "Plain text that fills the page body. " * 40 + "</p>"
    for n in range(pages):
        links = "".join(f'<a href="/p{(n + k) % pages}.html">page {(n + k) % pages}</a>' for k in (1, 7, 31))
        (root / f"p{n}.html").write_text(
            f"<html><head><title>Page {n}</title></head><body>{filler}{links}</body></html>"
        )


async def bare_loop(urls: list[str]) -> float:
    semaphore = asyncio.Semaphore(CONCURRENCY)
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=32)
    async with httpx.AsyncClient(limits=limits) as client:

        async def get(url: str) -> int:
            async with semaphore:
                response = await client.get(url)
                return len(response.content)

        started = time.perf_counter()
        await asyncio.gather(*(get(url) for url in urls))
        return time.perf_counter() - started


async def crawler_fetch(urls: list[str]) -> float:
    policy = CrawlPolicy.impolite(
        allow_networks=LOOPBACK,
        total_concurrency=CONCURRENCY,
        per_host_concurrency=CONCURRENCY,
        page_budget=len(urls),
    )
    async with Crawler(policy) as crawler:
        started = time.perf_counter()
        results = await asyncio.gather(*(crawler.fetch(url) for url in urls))
        elapsed = time.perf_counter() - started
    assert all(r.ok for r in results), "the crawler failed on the local site"
    return elapsed


async def crawler_crawl(seed: str, pages: int) -> tuple[float, int]:
    policy = CrawlPolicy.impolite(
        allow_networks=LOOPBACK,
        total_concurrency=CONCURRENCY,
        per_host_concurrency=CONCURRENCY,
        page_budget=pages,
    )
    async with Crawler(policy) as crawler:
        started = time.perf_counter()
        found = await crawler.crawl([seed], max_depth=100)
        return time.perf_counter() - started, len(found)


async def polite(
    host_map: tuple[tuple[str, str], ...], rate: float, per_host: int
) -> dict[str, tuple[int, float]]:
    policy = CrawlPolicy(
        allow_networks=LOOPBACK,
        host_map=host_map,
        per_host_rate=rate,
        per_host_concurrency=4,
        total_concurrency=CONCURRENCY,
    )
    async with Crawler(policy) as crawler:
        urls = [f"http://{host}/p{n}.html" for host, _ in host_map for n in range(per_host)]
        await asyncio.gather(*(crawler.fetch(url) for url in urls))
        log = list(crawler.request_log)
    by_host: dict[str, list[float]] = defaultdict(list)
    for host, started in log:
        by_host[host].append(started)
    figures = {}
    for host, starts in by_host.items():
        starts.sort()
        window = max(sum(1 for t in starts if s <= t < s + 1.0) for s in starts)
        gap = min(b - a for a, b in itertools.pairwise(starts))
        figures[host] = (window, gap)
    return figures


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        build_site(root, PAGES)
        hosts = {f"site{n}.example": root for n in range(3)}
        with serve_sites(hosts, default=root) as server:
            base = f"http://127.0.0.1:{server.server_address[1]}"
            urls = [f"{base}/p{n}.html" for n in range(PAGES)]
            asyncio.run(bare_loop(urls[:50]))  # warm up the server and the imports
            bare, crawler = [], []
            for round_ in range(ROUNDS):  # interleaved, alternating who goes first: the machine is shared
                pair = [(bare, bare_loop), (crawler, crawler_fetch)]
                for times, run in pair if round_ % 2 == 0 else pair[::-1]:
                    times.append(asyncio.run(run(urls)))
            bare_s, crawler_s = statistics.median(bare), statistics.median(crawler)
            print(f"local site: {PAGES} pages, concurrency {CONCURRENCY}, median of {ROUNDS} rounds")
            print(f"  bare httpx loop        : {PAGES / bare_s:7.0f} pages/s ({bare_s:.2f} s)")
            print(
                f"  crawler, politeness off: {PAGES / crawler_s:7.0f} pages/s ({crawler_s:.2f} s)  "
                f"ratio {crawler_s / bare_s:.2f}x the bare loop's time (goal <= 1.5x): "
                f"{'OK' if crawler_s / bare_s <= 1.5 else 'MISSED'}"
            )
            seconds, found = asyncio.run(crawler_crawl(f"{base}/p0.html", PAGES))
            print(f"  crawler BFS with link extraction: {found / seconds:7.0f} pages/s ({found} pages)")
            rate = 10.0
            figures = asyncio.run(polite(host_map_for(server), rate, 30))
            print(f"politeness on: {len(figures)} hosts x 30 pages at {rate:.0f} requests/s per host")
            for host, (window, gap) in sorted(figures.items()):
                verdict = "OK" if window <= rate + 1 and gap >= 0.95 / rate else "EXCEEDED"
                print(
                    f"  {host}: max {window} requests in any 1 s window, smallest gap {gap * 1000:.0f} ms "
                    f"(configured {1000 / rate:.0f} ms) {verdict}"
                )


if __name__ == "__main__":
    main()
