"""The E-E-A-T audit of the brand's own site: experience, expertise, authoritativeness and trust
signals a reader (and a search quality rater) looks for.

Per page: an author byline (and a link to an author page), a date shown and plausible (parseable, not
in the future, modified not before published), citations to outside sources, original data (figures
the brand measured itself). Per site: an about page, a contact page with a postal address or phone,
author pages. Each page and the site get a 0-100 score with the reasons behind every lost point.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import regex
from dateutil import parser as dateparser

from marketing_engine.outreach.html import extract_links, parse_document
from marketing_engine.outreach.prospects import site_of

ABOUT_PAGES = frozenset({"about", "about-us", "our-story", "company", "sobre", "sobre-nos", "quem-somos"})
CONTACT_PAGES = frozenset({"contact", "contact-us", "contacto", "contactos", "contato"})
UTILITY_PAGES = frozenset({"privacy", "terms", "sitemap", "imprint", "legal"})
PAGE_WEIGHTS = {"byline": 25, "author_page": 10, "date": 20, "citations": 25, "original_data": 20}
SITE_WEIGHTS = {"about": 35, "contact": 35, "authors": 30}
_DATA = re.compile(
    r"\b(our (data|survey|analysis|records|test|tests|study)|we (surveyed|measured|tested|analy[sz]ed|"
    r"tracked|serviced)|n\s*=\s*\d+)\b",
    re.IGNORECASE,
)
# A byline names a person in any script: "By Inês Araújo", "Por João Gonçalves".
_BYLINE = regex.compile(r"\b(?i:by|written by|author:|por|escrito por)\s+\p{Lu}\p{Ll}+\s+\p{Lu}\p{L}+")


@dataclass
class PageAudit:
    url: str
    score: int
    signals: dict[str, bool]
    reasons: list[str] = field(default_factory=list)


@dataclass
class SiteAudit:
    score: int
    site_signals: dict[str, bool]
    reasons: list[str]
    pages: list[PageAudit]

    def report(self, folder: Path) -> dict:
        """The whole audit of the site in `folder`, for a JSON report."""
        return {
            "site": str(folder),
            "score": self.score,
            "site_signals": self.site_signals,
            "reasons": self.reasons,
            "pages": [p.__dict__ for p in self.pages],
        }

    def reasons_list(self) -> str:
        """The site's reasons as a markdown list (empty when nothing is missing)."""
        return "\n".join(f"- {r}" for r in self.reasons)

    def weakest_pages(self) -> list[dict]:
        """Each page's URL, score and what it misses, the lowest score first."""
        rows = ({"url": p.url, "score": p.score, "missing": "; ".join(p.reasons)} for p in self.pages)
        return sorted(rows, key=lambda r: r["score"])


def site_files(folder: Path, site_url: str) -> Iterator[tuple[str, str]]:
    """(URL, HTML) for every page of a built site folder, read from disk."""
    for path in sorted(folder.rglob("*.html")):
        relative = path.relative_to(folder).as_posix()
        route = relative.removesuffix("index.html").removesuffix(".html")
        yield f"{site_url.rstrip('/')}/{route}", path.read_text(encoding="utf-8", errors="replace")


def _json_ld_dates(doc) -> dict[str, str]:
    dates: dict[str, str] = {}
    for script in doc.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except json.JSONDecodeError:
            continue
        for item in data if isinstance(data, list) else data.get("@graph", [data]):
            if isinstance(item, dict):
                for key in ("datePublished", "dateModified"):
                    if item.get(key):
                        dates.setdefault(key, str(item[key]))
                author = item.get("author")
                if author:
                    dates.setdefault("author", json.dumps(author))
    return dates


def _parse_date(value: str) -> datetime | None:
    try:
        parsed = dateparser.parse(value)
    except (ValueError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _dates(doc, ld: dict[str, str]) -> tuple[datetime | None, datetime | None]:
    published = ld.get("datePublished") or next(
        iter(doc.xpath("//meta[@property='article:published_time']/@content | //time/@datetime")), None
    )
    modified = ld.get("dateModified") or next(
        iter(doc.xpath("//meta[@property='article:modified_time']/@content")), None
    )
    return (_parse_date(published) if published else None, _parse_date(modified) if modified else None)


def audit_page(url: str, html: str, now: datetime) -> PageAudit:
    doc = parse_document(html)
    if doc is None:
        return PageAudit(url, 0, {}, ["not parseable as HTML"])
    text = " ".join(" ".join(doc.itertext()).split())  # block elements never glue words together
    ld = _json_ld_dates(doc)
    links = extract_links(doc, url)
    author_links = doc.xpath("//a[@rel='author'] | //a[contains(@href, '/author')]")
    signals = {
        "byline": bool(
            doc.xpath("//meta[@name='author']/@content")
            or author_links
            or doc.xpath("//*[contains(@class, 'byline')]")
            or _BYLINE.search(text)
            or "author" in ld
        ),
        "author_page": bool(author_links),
        "citations": any(site_of(link.href) != site_of(url) for link in links),
        "original_data": bool(_DATA.search(text)),
    }
    reasons = []
    published, modified = _dates(doc, ld)
    date_ok = published is not None and published <= now and (modified is None or modified >= published)
    signals["date"] = date_ok
    if published is None:
        reasons.append("no publication date shown")
    elif published > now:
        reasons.append(f"publication date {published:%Y-%m-%d} is in the future")
    elif modified is not None and modified < published:
        reasons.append("modified date is before the publication date")
    messages = {
        "byline": "no author byline",
        "author_page": "byline does not link to an author page",
        "citations": "cites no outside source",
        "original_data": "no original data (figures the brand measured)",
    }
    reasons += [messages[name] for name, ok in signals.items() if not ok and name in messages]
    score = sum(PAGE_WEIGHTS[name] for name, ok in signals.items() if ok)
    return PageAudit(url, score, signals, reasons)


def audit_site(pages: Iterable[tuple[str, str]], now: datetime | None = None) -> SiteAudit:
    now = now or datetime.now(UTC)
    pages = list(pages)
    paths = {urlsplit(url).path.rstrip("/").lower(): html for url, html in pages}
    contact_html = next((html for path, html in paths.items() if _segment(path) in CONTACT_PAGES), "")
    site_signals = {
        "about": any(_segment(path) in ABOUT_PAGES for path in paths),
        "contact": bool(contact_html)
        and bool(re.search(r"mailto:|\+?\d[\d\s().-]{7,}|\b\d{5}\b", contact_html)),
        "authors": any(re.search(r"/(authors?|team|people)(/|$)", path) for path in paths),
    }
    site_reasons = {
        "about": "no about page",
        "contact": "no contact page with an address, phone or email",
        "authors": "no author pages",
    }
    content = [audit_page(url, html, now) for url, html in pages if not _is_utility(url)]
    reasons = [site_reasons[name] for name, ok in site_signals.items() if not ok]
    if content:
        for name in PAGE_WEIGHTS:
            missing = sum(1 for page in content if not page.signals.get(name))
            if missing:
                reasons.append(f"{missing} of {len(content)} pages lack {name.replace('_', ' ')}")
    page_mean = sum(p.score for p in content) / len(content) if content else 0.0
    site_part = sum(SITE_WEIGHTS[name] for name, ok in site_signals.items() if ok)
    score = round(0.7 * page_mean + 0.3 * site_part)
    return SiteAudit(score, site_signals, reasons, content)


def _segment(path: str) -> str:
    """The last path segment without an extension: /about-us.html -> about-us."""
    return path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html")


def _is_utility(url: str) -> bool:
    """Home, about, contact, author, legal and listing pages are judged as site signals, not articles."""
    path = urlsplit(url).path.rstrip("/").lower()
    parts = [p.removesuffix(".html") for p in path.split("/") if p]
    if not parts:
        return True
    return parts[-1] in ABOUT_PAGES | CONTACT_PAGES | UTILITY_PAGES or parts[0] in (
        "author",
        "authors",
        "tag",
        "category",
    )
