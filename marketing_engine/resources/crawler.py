"""The crawler as a resource: politeness settings, and where the prospect sites are.

`web`: crawls the configured prospect sites on the internet (public addresses only).
`offline` (default): serves the brand's offline world (prospect and competitor sites generated from
its brand file, `outreach.sample_sites`) and the brand's own built site from files on a loopback
server for the duration of the asset, and sends the crawler there by host name (the crawler's
`host_map`); nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from dagster import ConfigurableResource
from pydantic import Field

from marketing_engine.outreach.crawler import CrawlPolicy

if TYPE_CHECKING:
    from marketing_engine.outreach.sample_sites import SampleWorld


@dataclass(frozen=True)
class CrawlSetup:
    policy: CrawlPolicy
    prospect_seeds: list[str]
    served_hosts: frozenset[str]


class CrawlerResource(ConfigurableResource):
    backend: Literal["offline", "web"] = "offline"
    per_host_rate: float = Field(default=2.0, description="Requests per second to any one host.")
    per_host_concurrency: int = 2
    total_concurrency: int = 16
    page_budget: int = 200
    timeout: float = 10.0
    user_agent: str = "MarketingEngineBot/0.1 (+https://github.com/marketing-engine)"
    prospect_sites: list[str] = Field(default_factory=list, description="Seed URLs of prospect sites (web).")

    def _policy(self, **changes) -> CrawlPolicy:
        return CrawlPolicy(
            user_agent=self.user_agent,
            per_host_rate=self.per_host_rate,
            per_host_concurrency=self.per_host_concurrency,
            total_concurrency=self.total_concurrency,
            page_budget=self.page_budget,
            timeout=self.timeout,
            **changes,
        )

    @contextmanager
    def open(
        self, own_sites: Mapping[str, Path] | None = None, sample: SampleWorld | None = None
    ) -> Iterator[CrawlSetup]:
        """`own_sites`: host -> folder of sites we built ourselves (served offline, e.g. the brand's);
        `sample`: the brand's generated offline world (its prospect and competitor sites)."""
        if self.backend == "web":
            yield CrawlSetup(self._policy(), list(self.prospect_sites), frozenset())
            return
        from marketing_engine.outreach.local_sites import host_map_for, serve_sites

        sites = dict(sample.sites) if sample else {}
        sites.update({host: Path(folder) for host, folder in (own_sites or {}).items()})
        with serve_sites(sites) as server:
            policy = self._policy(allow_networks=("127.0.0.1/32",), host_map=host_map_for(server))
            seeds = list(self.prospect_sites) or (list(sample.prospect_seeds) if sample else [])
            yield CrawlSetup(policy, seeds, frozenset(sites))


def crawler_from_env(environ: dict[str, str] | None = None) -> CrawlerResource:
    """Production crawling, on the web: the prospect sites listed in OUTREACH_PROSPECT_SITES (comma
    separated URLs); without them no prospect is crawled. The brand's generated offline world (sample
    prospect and competitor sites) is local only: in prod nothing simulated is stored."""
    import os

    env = os.environ if environ is None else environ
    sites = [s.strip() for s in env.get("OUTREACH_PROSPECT_SITES", "").split(",") if s.strip()]
    return CrawlerResource(backend="web", prospect_sites=sites)
