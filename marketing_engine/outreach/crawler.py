"""A polite, SSRF-safe crawler on httpx (asyncio).

Politeness: robots.txt through `protego` (fetched once per host; a 4xx robots file allows all, an
unreachable one (5xx, timeout) disallows all, as RFC 9309 says), a per-host request rate and
concurrency, the robots `Crawl-delay` when it is slower, a total concurrency and a page budget.
Safety: every hop of a redirect chain is resolved and checked by `urlguard` before the crawler
connects to it, so a redirect to 10.0.0.1 or 169.254.169.254 is refused, not followed.

`host_map` works like curl's `--resolve`: it sends requests for a host name to a given
`ip:port` with the original `Host` header; the offline backend serves its sample sites this way.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Self
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
from protego import Protego

from marketing_engine.outreach import urlguard
from marketing_engine.outreach.html import Link, parse_page

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# The host gate a request holds until the request hook sees it leave (set per task).
_GATE: contextvars.ContextVar[tuple[_Host, float] | None] = contextvars.ContextVar(
    "crawler_gate", default=None
)


@dataclass(frozen=True)
class CrawlPolicy:
    user_agent: str = "MarketingEngineBot/0.1 (+https://github.com/marketing-engine)"
    per_host_rate: float = 2.0
    per_host_concurrency: int = 2
    total_concurrency: int = 16
    page_budget: int = 200
    max_redirects: int = 5
    timeout: float = 10.0
    max_bytes: int = 2_000_000
    respect_robots: bool = True
    allow_networks: tuple[str, ...] = ()
    host_map: tuple[tuple[str, str], ...] = ()

    @classmethod
    def impolite(cls, **changes) -> CrawlPolicy:
        """No rate limit and wide concurrency: for benchmarks against our own local server."""
        return cls(**{"per_host_rate": 0.0, "per_host_concurrency": 64, "total_concurrency": 64, **changes})


@dataclass
class FetchResult:
    url: str
    final_url: str
    status: int | None = None
    error: str | None = None
    error_kind: str | None = None
    redirects: list[str] = field(default_factory=list)
    content_type: str = ""
    text: str | None = None
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def is_dead(self) -> bool:
        """A link a webmaster would want to fix: gone (404/410) or a host that no longer resolves."""
        return self.status in (404, 410) or self.error_kind == "unresolvable"


@dataclass
class CrawledPage:
    url: str
    status: int | None
    title: str
    text: str
    links: list[Link]
    html: str
    fetch: FetchResult


class _Host:
    def __init__(self, concurrency: int):
        self.semaphore = asyncio.Semaphore(max(1, concurrency))
        self.lock = asyncio.Lock()
        self.next_start = 0.0
        self.robots: Protego | None = None
        self.robots_loaded = False
        self.robots_lock = asyncio.Lock()


class Crawler:
    """Use as `async with Crawler(policy) as crawler:`; `crawl_sync`/`check_sync` wrap asyncio.run."""

    def __init__(self, policy: CrawlPolicy | None = None, transport: httpx.AsyncBaseTransport | None = None):
        self.policy = policy or CrawlPolicy()
        self._allowed = urlguard.parse_networks(self.policy.allow_networks)
        self._host_map = dict(self.policy.host_map)
        self._hosts: dict[str, _Host] = {}
        self._dns: dict[tuple[str, int], list[str]] = {}
        self._total = asyncio.Semaphore(max(1, self.policy.total_concurrency))
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        # (host key, monotonic start time) of every request actually sent: the politeness record.
        self.request_log: list[tuple[str, float]] = []

    async def __aenter__(self) -> Self:
        limits = httpx.Limits(max_connections=self.policy.total_concurrency, max_keepalive_connections=32)
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=self.policy.timeout,
            limits=limits,
            transport=self._transport,
            headers={"User-Agent": self.policy.user_agent},
            event_hooks={"request": [self._log_request]},
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def _log_request(self, request: httpx.Request) -> None:
        now = time.monotonic()
        self.request_log.append((request.headers.get("host", request.url.host), now))
        gate = _GATE.get()
        if gate is not None:  # this request held its host's gate: the next one counts from now
            host, interval = gate
            host.next_start = now + interval
            _GATE.set(None)
            host.lock.release()

    # -- safety ---------------------------------------------------------------------------------
    def _wire_url(self, url: str) -> tuple[str, dict[str, str]]:
        """The URL to connect to (host_map applied) and extra headers."""
        parts = urlsplit(url)
        mapped = self._host_map.get(parts.netloc) or self._host_map.get(parts.hostname or "")
        if not mapped:
            return url, {}
        return parts._replace(scheme="http", netloc=mapped).geturl(), {"Host": parts.netloc}

    async def _check(self, url: str) -> str:
        """Resolve and check the host; return the address to connect to (the one that was checked)."""
        wire, _ = self._wire_url(url)
        urlguard.split_target(url)
        host, port = urlguard.split_target(wire)
        key = (host, port)
        if key not in self._dns:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(host, port, type=0, proto=6)
            except (OSError, UnicodeError) as exc:
                raise urlguard.UnresolvableHostError(url, f"host {host!r} does not resolve ({exc})") from None
            self._dns[key] = [info[4][0] for info in infos]
        return str(urlguard.check_addresses(url, self._dns[key], self._allowed)[0])

    def _pinned(self, url: str, address: str) -> tuple[str, dict[str, str], dict[str, str]]:
        """Connect to the checked address itself, not to whatever the name resolves to a moment later
        (DNS rebinding): the URL gets the IP, the Host header and the TLS SNI/certificate name keep the
        original host name."""
        wire, headers = self._wire_url(url)
        parts = urlsplit(wire)
        host = parts.hostname or ""
        if host == address or ":" in host:
            return wire, headers, {}
        netloc = f"[{address}]" if ":" in address else address
        if parts.port:
            netloc += f":{parts.port}"
        headers = {"Host": parts.netloc, **headers}
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        return parts._replace(netloc=netloc).geturl(), headers, extensions

    # -- politeness -----------------------------------------------------------------------------
    def _host(self, url: str) -> _Host:
        key = urlsplit(url).netloc.lower()
        if key not in self._hosts:
            self._hosts[key] = _Host(self.policy.per_host_concurrency)
        return self._hosts[key]

    def _interval(self, host: _Host) -> float:
        interval = 1.0 / self.policy.per_host_rate if self.policy.per_host_rate > 0 else 0.0
        if host.robots is not None and self.policy.respect_robots:
            interval = max(interval, host.robots.crawl_delay(self.policy.user_agent) or 0.0)
        return interval

    async def _wait_turn(self, host: _Host) -> bool:
        """Requests to one host pass one at a time: the gate is held until the request is actually on
        its way (released by the request hook), and the next slot is counted from that moment, so a
        late wake-up or a busy event loop can never squeeze two requests closer than the interval."""
        interval = self._interval(host)
        if interval <= 0:
            return False
        await host.lock.acquire()
        wait = host.next_start - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        _GATE.set((host, interval))
        return True

    @staticmethod
    def _leave_gate(host: _Host, interval: float) -> None:
        """The request never reached the wire (an error before sending): free the gate anyway."""
        if _GATE.get() is not None:
            _GATE.set(None)
            host.next_start = time.monotonic() + interval
            host.lock.release()

    async def _robots(self, url: str) -> Protego | None:
        host = self._host(url)
        async with host.robots_lock:
            if not host.robots_loaded:
                parts = urlsplit(url)
                robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
                result = await self._request(robots_url, read_body=True)
                if result.status is not None and 400 <= result.status < 500:
                    host.robots = Protego.parse("")
                elif result.ok:
                    host.robots = Protego.parse(result.text or "")
                else:
                    host.robots = Protego.parse("User-agent: *\nDisallow: /")
                host.robots_loaded = True
        return host.robots

    async def allowed_by_robots(self, url: str) -> bool:
        if not self.policy.respect_robots:
            return True
        robots = await self._robots(url)
        return robots is None or robots.can_fetch(url, self.policy.user_agent)

    # -- fetching -------------------------------------------------------------------------------
    async def _request(self, url: str, read_body: bool, method: str = "GET") -> FetchResult:
        """One hop, no redirects: guard check, politeness, then the request."""
        assert self._client is not None, "use `async with Crawler(...)`"
        result = FetchResult(url=url, final_url=url)
        try:
            address = await self._check(url)
        except urlguard.UnsafeURLError as exc:
            result.error, result.error_kind = exc.reason, exc.kind
            return result
        host = self._host(url)
        wire, headers, extensions = self._pinned(url, address)
        started = time.perf_counter()
        # The host's own slot first, so requests queued for a slow host never hold global slots; the
        # rate gate last, right before sending, so nothing can delay a request past its turn.
        async with host.semaphore, self._total:
            gated = await self._wait_turn(host)
            try:
                await self._send(url, wire, headers, extensions, read_body, result, method)
            finally:
                if gated:
                    self._leave_gate(host, self._interval(host))
        result.elapsed_s = time.perf_counter() - started
        return result

    async def _send(
        self,
        url: str,
        wire: str,
        headers: dict[str, str],
        extensions: dict[str, str],
        read_body: bool,
        result: FetchResult,
        method: str,
    ) -> None:
        assert self._client is not None
        try:
            async with self._client.stream(method, wire, headers=headers, extensions=extensions) as response:
                result.status = response.status_code
                result.content_type = response.headers.get("content-type", "")
                if response.status_code in REDIRECT_STATUSES:
                    result.final_url = urljoin(url, response.headers.get("location", ""))
                elif read_body and _is_text(result.content_type):
                    result.text = await self._read(response)
        except httpx.TimeoutException:
            result.error, result.error_kind = "timed out", "timeout"
        except httpx.HTTPError as exc:
            result.error, result.error_kind = f"{type(exc).__name__}: {exc}", "connect"

    async def _read(self, response: httpx.Response) -> str:
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body.extend(chunk)
            if len(body) > self.policy.max_bytes:
                break
        return bytes(body[: self.policy.max_bytes]).decode(response.encoding or "utf-8", errors="replace")

    async def fetch(self, url: str, read_body: bool = True, robots: bool = True) -> FetchResult:
        """GET with redirects followed by hand, each hop checked (guard and robots) before connecting."""
        chain: list[str] = []
        current = url
        for _ in range(self.policy.max_redirects + 1):
            try:
                await self._check(current)  # refuse a private hop before even asking for its robots.txt
            except urlguard.UnsafeURLError as exc:
                return FetchResult(url, current, error=exc.reason, error_kind=exc.kind, redirects=chain)
            if robots and not await self.allowed_by_robots(current):
                return FetchResult(
                    url, current, error="disallowed by robots.txt", error_kind="robots", redirects=chain
                )
            hop = await self._request(current, read_body)
            hop.url, hop.redirects = url, chain
            if hop.status not in REDIRECT_STATUSES:
                hop.final_url = current
                return hop
            chain.append(current)
            current = urldefrag(hop.final_url)[0]
        return FetchResult(url, current, error="too many redirects", error_kind="redirects", redirects=chain)

    async def check_link(self, url: str) -> FetchResult:
        """Is an outbound link alive? Robots does not apply to checking one URL a page links to."""
        return await self.fetch(url, read_body=False, robots=False)

    async def crawl(
        self, seeds: Sequence[str], max_pages: int | None = None, same_host: bool = True, max_depth: int = 3
    ) -> list[CrawledPage]:
        """Breadth-first from the seeds, staying on their hosts, up to the page budget."""
        budget = min(max_pages or self.policy.page_budget, self.policy.page_budget)
        hosts = {urlsplit(seed).netloc.lower() for seed in seeds}
        queue: deque[tuple[str, int]] = deque((urldefrag(s)[0], 0) for s in seeds)
        seen = {url for url, _ in queue}
        pages: list[CrawledPage] = []
        while queue and len(pages) < budget:
            batch = [queue.popleft() for _ in range(min(len(queue), budget - len(pages)))]
            results = await asyncio.gather(*(self.fetch(url) for url, _ in batch))
            for (url, depth), result in zip(batch, results, strict=True):
                page = self._page(result)
                pages.append(page)
                if depth >= max_depth:
                    continue
                for link in page.links:
                    target = urldefrag(link.href)[0]
                    if target in seen or (same_host and urlsplit(target).netloc.lower() not in hosts):
                        continue
                    seen.add(target)
                    queue.append((target, depth + 1))
        return pages

    @staticmethod
    def _page(result: FetchResult) -> CrawledPage:
        if result.ok and result.text:
            parsed = parse_page(result.text, result.final_url)
            return CrawledPage(
                result.final_url, result.status, parsed.title, parsed.text, parsed.links, result.text, result
            )
        return CrawledPage(result.final_url, result.status, "", "", [], "", result)


def _is_text(content_type: str) -> bool:
    return content_type.startswith("text/") or "html" in content_type or "xml" in content_type


async def _crawl(policy: CrawlPolicy, seeds: Sequence[str], **kwargs) -> tuple[list[CrawledPage], Crawler]:
    async with Crawler(policy) as crawler:
        return await crawler.crawl(seeds, **kwargs), crawler


def crawl_sync(policy: CrawlPolicy, seeds: Sequence[str], **kwargs) -> list[CrawledPage]:
    return asyncio.run(_crawl(policy, seeds, **kwargs))[0]


async def _check_links(policy: CrawlPolicy, urls: Iterable[str]) -> dict[str, FetchResult]:
    async with Crawler(policy) as crawler:
        unique = list(dict.fromkeys(urls))
        results = await asyncio.gather(*(crawler.check_link(url) for url in unique))
        return dict(zip(unique, results, strict=True))


def check_links_sync(policy: CrawlPolicy, urls: Iterable[str]) -> dict[str, FetchResult]:
    return asyncio.run(_check_links(policy, urls))
