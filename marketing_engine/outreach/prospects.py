"""Link prospects: broken outbound links the brand could replace, and resource pages on its topics.

A broken-link prospect is an outbound link on a prospect's page that answers 404/410 or whose host
no longer resolves; it is matched to the brand page that could replace it by fuzzy matching the
dead link's anchor text and URL words against the brand pages' titles and keywords. A resource
page is a page that lists many outbound links under a title like "resources" and talks about the
brand's topics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from urllib.parse import unquote, urlsplit

from rapidfuzz import fuzz

from marketing_engine.outreach.crawler import CrawledPage, FetchResult
from marketing_engine.outreach.html import mailto_addresses
from marketing_engine.wording import frames, languages


@cache
def _resource_words() -> re.Pattern[str]:
    """Words in a page's title or URL that mark a page of links, in every language with frames."""
    words = {w for lang in languages("outreach") for w in frames("outreach", lang)["resource_page_words"]}
    alternatives = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)


MIN_MATCH = 0.55


@dataclass(frozen=True)
class BrandPage:
    url: str
    title: str
    keyword: str = ""

    @property
    def words(self) -> str:
        return f"{self.title} {self.keyword}"


@dataclass(frozen=True)
class LinkProspect:
    kind: str  # broken_link | resource_page
    page_url: str
    site: str
    broken_url: str
    reason: str
    anchor: str
    suggested_url: str
    suggested_title: str
    score: float
    contact_email: str

    def row(self) -> dict:
        return asdict(self)


def site_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def url_words(url: str) -> str:
    path = unquote(urlsplit(url).path)
    return " ".join(w for w in re.split(r"[/\-_.]+", path) if w and w not in ("html", "htm", "php"))


@cache
def _stopwords() -> frozenset[str]:
    words = {"guide", "tips", "best"}
    for lang in languages("social"):
        words |= set(frames("social", lang).get("stopwords") or ())
    return frozenset(words)


def _tokens(text: str) -> set[str]:
    """Words in any script (`café`, `à`, `noite`), lower case, stopwords left out."""
    return {w for w in re.findall(r"[^\W_]+", text.lower()) if w not in _stopwords()}


def match_score(text: str, page: BrandPage) -> float:
    """How well a brand page answers `text`: mostly the share of the page's keyword words that
    `text` mentions (so an anchor naming one topic picks that topic's page over a page on the trade
    in general), plus fuzzy similarity to its title."""
    wanted = _tokens(page.keyword or page.title)
    coverage = len(wanted & _tokens(text)) / len(wanted) if wanted else 0.0
    return 0.7 * coverage + 0.3 * fuzz.token_set_ratio(text.lower(), page.title.lower()) / 100


def best_brand_page(text: str, pages: Sequence[BrandPage]) -> tuple[BrandPage | None, float]:
    best, best_score = None, 0.0
    for page in pages:
        score = match_score(text, page)
        if score > best_score:
            best, best_score = page, score
    return best, best_score


def dead_reason(result: FetchResult) -> str:
    return f"HTTP {result.status}" if result.status else f"host does not resolve ({result.error})"


def _contact(page: CrawledPage, site_contacts: Mapping[str, str]) -> str:
    found = mailto_addresses(page.html)
    return found[0] if found else site_contacts.get(site_of(page.url), "")


def site_contacts(pages: Iterable[CrawledPage]) -> dict[str, str]:
    """The first mailto: address seen on each site: who to write to about any of its pages."""
    contacts: dict[str, str] = {}
    for page in pages:
        for address in mailto_addresses(page.html):
            contacts.setdefault(site_of(page.url), address)
    return contacts


def outbound_links(page: CrawledPage, brand_domain: str):
    own = site_of(page.url)
    return [link for link in page.links if site_of(link.href) not in (own, brand_domain)]


def broken_link_prospects(
    pages: Sequence[CrawledPage],
    link_status: Mapping[str, FetchResult],
    brand_pages: Sequence[BrandPage],
    brand_domain: str,
) -> list[LinkProspect]:
    contacts = site_contacts(pages)
    found: dict[tuple[str, str], LinkProspect] = {}
    for page in pages:
        for link in outbound_links(page, brand_domain):
            status = link_status.get(link.href)
            if status is None or not status.is_dead:
                continue
            match, score = best_brand_page(f"{link.anchor} {url_words(link.href)}", brand_pages)
            if match is None or score < MIN_MATCH:
                continue
            found[(page.url, link.href)] = LinkProspect(
                "broken_link",
                page.url,
                site_of(page.url),
                link.href,
                dead_reason(status),
                link.anchor,
                match.url,
                match.title,
                round(score, 3),
                _contact(page, contacts),
            )
    return sorted(found.values(), key=lambda p: -p.score)


def resource_page_prospects(
    pages: Sequence[CrawledPage],
    topics: Sequence[str],
    brand_pages: Sequence[BrandPage],
    brand_domain: str,
    min_links: int = 4,
) -> list[LinkProspect]:
    contacts = site_contacts(pages)
    prospects = []
    for page in pages:
        outbound = outbound_links(page, brand_domain)
        if len(outbound) < min_links or not _resource_words().search(f"{page.title} {url_words(page.url)}"):
            continue
        text = page.text.lower()
        topic_score = max((fuzz.partial_ratio(t.lower(), text) / 100 for t in topics), default=0.0)
        if topic_score < 0.8:
            continue
        match, _ = best_brand_page(page.title + " " + " ".join(topics), brand_pages)
        score = round(topic_score * min(1.0, len(outbound) / 10), 3)
        prospects.append(
            LinkProspect(
                "resource_page",
                page.url,
                site_of(page.url),
                "",
                f"{len(outbound)} outbound links on the topic",
                "",
                match.url if match else "",
                match.title if match else "",
                score,
                _contact(page, contacts),
            )
        )
    return sorted(prospects, key=lambda p: -p.score)


@dataclass
class ProspectScan:
    pages: list[CrawledPage]
    link_status: dict[str, FetchResult]
    broken: list[LinkProspect]
    resources: list[LinkProspect]

    def rows(self, brand: str) -> list[dict]:
        """The link_prospects rows: broken-link prospects first, then resource pages."""
        return [{**p.row(), "brand": brand} for p in self.broken + self.resources]

    def counts(self) -> dict[str, int]:
        return {
            "pages_crawled": len(self.pages),
            "outbound_links_checked": len(self.link_status),
            "dead_links": sum(1 for r in self.link_status.values() if r.is_dead),
            "broken_link_prospects": len(self.broken),
            "resource_page_prospects": len(self.resources),
        }


def scan_prospect_sites(
    policy, seeds: Sequence[str], brand_pages: Sequence[BrandPage], topics: Sequence[str], brand_domain: str
) -> ProspectScan:
    """Crawl the prospect sites, check every outbound link once, and list both kinds of prospect."""
    from marketing_engine.outreach.crawler import check_links_sync, crawl_sync

    pages = [p for p in crawl_sync(policy, seeds) if p.status and p.status < 400]
    outbound = {link.href for page in pages for link in outbound_links(page, brand_domain)}
    status = check_links_sync(policy, sorted(outbound))
    return ProspectScan(
        pages,
        status,
        broken_link_prospects(pages, status, brand_pages, brand_domain),
        resource_page_prospects(pages, topics, brand_pages, brand_domain),
    )
