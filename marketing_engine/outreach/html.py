"""Reading an HTML page: title, visible text and its links (href, anchor text, rel)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin

import lxml.html
from lxml import etree


@dataclass(frozen=True)
class Link:
    href: str
    anchor: str
    rel: str

    @property
    def rel_kind(self) -> str:
        """follow, nofollow, sponsored or ugc (the strongest qualifier wins)."""
        tokens = set(self.rel.lower().split())
        for kind in ("sponsored", "ugc", "nofollow"):
            if kind in tokens:
                return kind
        return "follow"


@dataclass(frozen=True)
class ParsedPage:
    title: str
    text: str
    links: list[Link]


def parse_document(html: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def clean_text(node: lxml.html.HtmlElement) -> str:
    for bad in node.xpath(".//script|.//style|.//noscript"):
        bad.drop_tree()
    return " ".join(node.text_content().split())


def extract_links(doc: lxml.html.HtmlElement, base_url: str) -> list[Link]:
    links = []
    for anchor in doc.xpath("//a[@href]"):
        href = anchor.get("href", "").strip()
        if not href or href.startswith(("mailto:", "tel:", "javascript:", "#")):
            continue
        absolute = urldefrag(urljoin(base_url, href))[0]
        if absolute.startswith(("http://", "https://")):
            links.append(Link(absolute, " ".join(anchor.text_content().split())[:300], anchor.get("rel", "")))
    return links


def parse_page(html: str, base_url: str) -> ParsedPage:
    doc = parse_document(html)
    if doc is None:
        return ParsedPage("", "", [])
    title = " ".join((doc.findtext(".//title") or "").split())
    links = extract_links(doc, base_url)
    body = doc.find("body")
    text = clean_text(body if body is not None else doc)
    return ParsedPage(title, text, links)


def mailto_addresses(html: str) -> list[str]:
    doc = parse_document(html)
    if doc is None:
        return []
    found = [
        a.get("href", "")[7:].split("?")[0].strip() for a in doc.xpath("//a[starts-with(@href,'mailto:')]")
    ]
    return list(dict.fromkeys(f for f in found if "@" in f))
