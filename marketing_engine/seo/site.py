"""The static site: pages, topic hubs, home, sitemap(s), robots.txt, the IndexNow key file, an Atom
feed, hero images.

Everything is rendered by Jinja2 with autoescaping; text from writers (offline or Claude) is data,
never markup. The only markup a writer can ask for is an internal link marker `[[anchor|/path/]]`,
turned into an anchor only when the path is one the site builds. Labels, dates and money follow the
brand's language and locale (`data/frames/seo/<lang>.yaml`, section `site`). Pages are rendered, gated
(`quality.evaluate`), and pages that fail a gate — or that the claims gate held — are rendered again
with `noindex` and left out of the sitemap and the feed. A FAQ answer another page already gives is
given once: the later page (in path order) drops it before rendering.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from markupsafe import Markup, escape

from marketing_engine.brand import BrandProfile
from marketing_engine.seo import indexing, schema, trust
from marketing_engine.seo.briefs import hub_path
from marketing_engine.seo.factsheet import join
from marketing_engine.seo.keywords import tokens
from marketing_engine.seo.quality import SENTENCE_END, GateResult, SiteChecker, extract_facts, page_body
from marketing_engine.wording import frames

LINK = re.compile(r"\[\[([^|\]]+)\|([^\]\s]+)\]\]")
SITEMAP_MAX_URLS = 50_000
SITEMAP_MAX_BYTES = 50 * 1024 * 1024
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@dataclass
class SitePage:
    path: str
    slug: str
    page_type: str
    keyword: str
    cluster_slug: str
    cluster_name: str
    draft: dict[str, Any]
    published: date
    modified: date


@dataclass
class SiteHub:
    slug: str
    name: str
    keywords: list[str]

    @property
    def path(self) -> str:
        return hub_path(self.slug)


@dataclass
class HubDates:
    published: date
    modified: date

    @classmethod
    def of(cls, pages: Sequence[SitePage], fallback: date) -> HubDates:
        """A hub is as old as its oldest article and last updated when its newest article was."""
        if not pages:
            return cls(fallback, fallback)
        return cls(min(p.published for p in pages), max(p.modified for p in pages))


class PageFiles(MutableMapping[str, str]):
    """The built pages' HTML by path, kept where the site is written (`<path>/index.html` under
    `root`) instead of in memory: a build of any size holds one page's HTML at a time."""

    def __init__(self, root: Path):
        self.root = root
        self._paths: dict[str, None] = {}

    def _file(self, path: str) -> Path:
        return self.root / path.strip("/") / "index.html"

    def __setitem__(self, path: str, html: str) -> None:
        target = self._file(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        self._paths[path] = None

    def __getitem__(self, path: str) -> str:
        if path not in self._paths:
            raise KeyError(path)
        return self._file(path).read_text(encoding="utf-8")

    def __delitem__(self, path: str) -> None:
        del self._paths[path]
        self._file(path).unlink(missing_ok=True)

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


@dataclass
class SiteBuild:
    out_dir: Path
    base_url: str
    gates: dict[str, GateResult]
    html: MutableMapping[str, str]  # path -> HTML: on disk (PageFiles) when the build wrote the site
    sitemap_files: list[str]
    sitemap_urls: int
    files_written: int
    seconds_render: float = 0.0
    seconds_check: float = 0.0
    seconds_write: float = 0.0
    noindex: list[str] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)  # path -> why the claims gate held it
    answers_dropped: int = 0  # FAQ answers left out because another page gives them

    def moved_to(self, folder: Path) -> None:
        """The written site now lives in `folder` (a staging folder swapped in)."""
        self.out_dir = folder
        if isinstance(self.html, PageFiles):
            self.html.root = folder


@pass_context
def _linkify(context: Any, text: str) -> Markup:
    allowed = context.get("allowed_links", set())
    out, last = [], 0
    for match in LINK.finditer(text):
        out.append(escape(text[last : match.start()]))
        anchor, url = match.group(1), match.group(2)
        out.append(Markup('<a href="{}">{}</a>').format(url, anchor) if url in allowed else escape(anchor))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("marketing_engine.seo", "templates"),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        trim_blocks=False,
    )
    env.filters["linkify"] = _linkify
    return env


class SiteBuilder:
    def __init__(self, brand: BrandProfile, base_url: str | None = None, env: Environment | None = None):
        self.brand = brand
        self.base_url = (base_url or brand.site_url).rstrip("/")
        self.env = env or environment()
        self.env.filters["ldate"] = brand.date
        self.t = frames("seo", brand.language)["site"]
        palette = brand.visual_identity.palette
        self.site = {
            "brand": brand.name,
            "tagline": brand.tagline or brand.description[:80],
            "lang": brand.language,
            "og_locale": brand.babel_locale,
            "font": brand.visual_identity.font,
            "palette": palette.model_dump(),
        }

    def url(self, path: str) -> str:
        return self.base_url + path

    # --- pages ----------------------------------------------------------------------------

    def _product_for(self, keyword: str) -> dict[str, Any] | None:
        words = set(tokens(keyword))
        priced = [p for p in self.brand.products if p.price is not None]
        if not priced:
            return None
        best = max(priced, key=lambda p: len(words & set(tokens(p.name + " " + p.description))))
        if not words & set(tokens(best.name + " " + best.description)):
            return None  # a Product must be what the page is about, not the first priced item
        return best.model_dump() | {"currency": best.currency or self.brand.currency_code}

    def _location_for(self, keyword: str) -> dict[str, Any] | None:
        text = " " + " ".join(tokens(keyword)) + " "
        for location in self.brand.locations:
            if f" {' '.join(tokens(location.city))} " in text:
                return location.model_dump()
        return None

    def json_ld(self, page: SitePage) -> list[dict[str, Any]]:
        ctx = schema.SchemaContext(
            site_url=self.base_url,
            brand_name=self.brand.name,
            logo_url=self.url("/assets/logo.svg"),
            page_url=self.url(page.path),
            headline=page.draft["h1"],
            image_url=self.url(f"/assets/hero/{page.slug}.svg"),
            published=page.published,
            modified=page.modified,
            breadcrumbs=[
                (self.t["home"], self.url("/")),
                (page.cluster_name, self.url(hub_path(page.cluster_slug))),
                (page.draft["h1"], self.url(page.path)),
            ],
            author=self.byline_for(page.keyword, page.cluster_name)["json_ld"],
        )
        blocks = [schema.article(ctx), schema.breadcrumbs(ctx), schema.organization(ctx)]
        if page.page_type == "Location" and (location := self._location_for(page.keyword)):
            blocks.append(schema.local_business(ctx, location))
        if page.page_type == "Service" and (item := self._product_for(page.keyword)):
            blocks.append(schema.product(ctx, item))
        # The page's questions and answers stay visible content: no FAQPage (see schema's docstring).
        return [b for b in blocks if b]

    def byline_for(self, *texts: str) -> dict[str, Any]:
        return trust.byline(self.brand, trust.author_for(self.brand, *texts))

    def trust_parts(self, *texts: str, page_type: str = "") -> dict[str, Any]:
        """Byline, the brand's own figures, what the owner vouches for and the outside sources a page
        about `texts` shows."""
        return {
            "by": self.byline_for(*texts),
            "prices": trust.price_rows(self.brand, *texts),
            "stores": trust.location_rows(self.brand, *texts),
            "refs": trust.references_for(self.brand, *texts),
            "facts": trust.fact_box(self.brand, page_type, *texts) if page_type else None,
        }

    def render_page(self, page: SitePage, indexable: bool, allowed: set[str]) -> str:
        draft = page.draft
        return self.env.get_template("page.html").render(
            site=self.site,
            t=self.t,
            title=draft["title"],
            description=draft["meta_description"],
            canonical=self.url(page.path),
            indexable=indexable,
            og_type="article",
            image_url=self.url(f"/assets/hero/{page.slug}.svg"),
            image_path=f"/assets/hero/{page.slug}.svg",
            image_alt=draft["image_alt"],
            json_ld=self.json_ld(page),
            draft=draft,
            crumbs=[(self.t["home"], "/"), (page.cluster_name, hub_path(page.cluster_slug))],
            published=page.published,
            modified=page.modified,
            allowed_links=allowed,
            **self.trust_parts(page.keyword, page.cluster_name, page_type=page.page_type),
        )

    def render_hub(
        self, hub: SiteHub, pages: Sequence[SitePage], related: Sequence[SiteHub], dates: HubDates
    ) -> str:
        intro = self.t["hub_intro"].format(name=hub.name, brand=self.brand.name)
        if pages:
            newest = max(pages, key=lambda p: (p.modified, p.path))
            intro += " " + self.t["hub_start"].format(
                first=pages[0].draft["title"], newest=newest.draft["title"]
            )
        parts = self.trust_parts(hub.name, *hub.keywords[:5])
        parts["stores"] = []  # a hub lists articles; store addresses belong on location pages
        ctx = self._index_context(hub.path, hub.name, dates, parts["by"]["json_ld"])
        trail = [(self.t["home"], "/"), (self.t["all_topics"], "/topics/"), (hub.name, hub.path)]
        crumbs = replace(ctx, breadcrumbs=[(name, self.url(path)) for name, path in trail])
        return self._render_index(
            "hub.html",
            hub.path,
            f"{hub.name} | {self.brand.name}",
            intro,
            heading=hub.name,
            pages=[{"path": p.path, "title": p.draft["title"], "page_type": p.page_type} for p in pages],
            keywords=hub.keywords[:30],
            related=[{"path": r.path, "name": r.name} for r in related],
            published=dates.published,
            modified=dates.modified,
            extra_json_ld=[schema.collection_page(ctx), schema.breadcrumbs(crumbs)],
            **parts,
        )

    def _index_context(
        self, path: str, headline: str, dates: HubDates, author: dict[str, Any] | None = None
    ) -> schema.SchemaContext:
        return schema.SchemaContext(
            self.base_url,
            self.brand.name,
            self.url("/assets/logo.svg"),
            self.url(path),
            headline,
            self.url("/assets/logo.svg"),
            dates.published,
            dates.modified,
            [],
            author,
        )

    def _render_index(
        self,
        template: str,
        path: str,
        title: str,
        intro: str,
        extra_json_ld: Sequence[dict[str, Any]] = (),
        **extra: Any,
    ) -> str:
        description = intro if len(intro) <= 160 else intro[:157].rsplit(" ", 1)[0] + "…"
        if len(description) < 50:
            description = f"{description} {self.t['index_description_tail'].format(brand=self.brand.name)}"
        if len(title) > 60:
            title = title[:59].rsplit(" ", 1)[0] + "…"
        return self.env.get_template(template).render(
            site=self.site,
            t=self.t,
            title=title,
            description=description,
            canonical=self.url(path),
            indexable=True,
            og_type="website",
            image_url=self.url("/assets/logo.svg"),
            image_alt=f"{self.brand.name} logo",
            json_ld=[
                schema.organization(
                    schema.SchemaContext(
                        self.base_url,
                        self.brand.name,
                        self.url("/assets/logo.svg"),
                        self.url(path),
                        title,
                        self.url("/assets/logo.svg"),
                        date.today(),
                        date.today(),
                        [],
                    )
                ),
                *extra_json_ld,
            ],
            intro=intro,
            **extra,
        )

    def hero_svg(self, heading: str) -> str:
        short = heading if len(heading) <= 34 else heading[:33].rsplit(" ", 1)[0] + "…"
        return self.env.get_template("hero.svg").render(
            palette=self.site["palette"],
            font=self.site["font"],
            heading=short,
            brand=self.brand.name,
            label=heading,
        )

    # --- the whole site -------------------------------------------------------------------------

    def build(
        self,
        pages: Sequence[SitePage],
        hubs: Sequence[SiteHub],
        out_dir: Path,
        write: bool = True,
        max_urls: int = SITEMAP_MAX_URLS,
        held: dict[str, str] | None = None,
    ) -> SiteBuild:
        """Render, gate and (with `write`) write the site. `held`: pages the claims gate held (path ->
        reason); they are rendered noindex with the reason among their gate failures.

        Page by page: each is rendered, its facts taken for the gates and (with `write`) its file
        written before the next, so no build holds every page's HTML; the gates across the set read
        the written files again one at a time (`quality.SiteChecker`)."""
        held = dict(held or {})
        pages, dropped = drop_repeated_answers(pages, skip=set(held))
        hub_pages: dict[str, list[SitePage]] = {hub.slug: [] for hub in hubs}
        for page in pages:
            hub_pages.get(page.cluster_slug, []).append(page)
        allowed = {"/", "/topics/", "/feed.xml"} | {h.path for h in hubs} | {p.path for p in pages}
        allowed |= set(self.trust_paths())
        hub_links = {"/": ["/topics/"], "/topics/": [h.path for h in hubs]} | {
            h.path: [p.path for p in hub_pages[h.slug]] for h in hubs
        }
        band = (self.brand.tone.reading_ease.min, self.brand.tone.reading_ease.max)
        checker = SiteChecker(
            band, allowed, hub_links, language=self.brand.language, locale=self.brand.babel_locale
        )
        html: MutableMapping[str, str] = PageFiles(out_dir) if write else {}
        seconds = {"render": 0.0, "check": 0.0, "write": 0.0}
        clock = time.perf_counter()

        def lap(step: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            seconds[step] += now - clock
            clock = now

        for page in pages:
            text = self.render_page(page, True, allowed)
            lap("render")
            checker.add(extract_facts(page.path, page.keyword, text, page.page_type))
            lap("check")
            html[page.path] = text
            lap("write")
        gates = checker.finish(lambda path: page_body(html[path]))
        for path, reason in held.items():
            if path in gates:
                gates[path].failures.append(f"claims: {reason}")
        noindex = sorted(path for path, gate in gates.items() if not gate.passed)
        lap("check")
        failed = set(noindex)
        for page in pages:
            if page.path in failed:
                html[page.path] = self.render_page(page, False, allowed)
        lap("render")
        build = SiteBuild(
            out_dir,
            self.base_url,
            gates,
            html,
            [],
            0,
            0,
            noindex=noindex,
            held={path: reason for path, reason in held.items() if path in gates},
            answers_dropped=dropped,
        )
        if write:
            self._write(build, pages, hubs, hub_pages, max_urls)
        lap("write")
        build.seconds_render, build.seconds_check, build.seconds_write = (
            seconds["render"],
            seconds["check"],
            seconds["write"],
        )
        return build

    def _write(
        self,
        build: SiteBuild,
        pages: Sequence[SitePage],
        hubs: Sequence[SiteHub],
        hub_pages: dict[str, list[SitePage]],
        max_urls: int,
    ) -> None:
        """Everything but the pages themselves (written as they were built), one file at a time."""
        out = build.out_dir
        written = len(build.html)

        def put(relative: str, text: str) -> None:
            nonlocal written
            target = out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            written += 1

        for page in pages:
            put(f"assets/hero/{page.slug}.svg", self.hero_svg(page.draft["h1"]))
        today = max([p.modified for p in pages], default=date.today())
        dates = {h.slug: HubDates.of(hub_pages[h.slug], today) for h in hubs}
        for index, hub in enumerate(hubs):
            related = [h for h in hubs[max(0, index - 2) : index + 3] if h.slug != hub.slug]
            put(
                hub.path.strip("/") + "/index.html",
                self.render_hub(hub, hub_pages[hub.slug], related, dates[hub.slug]),
            )
        title = f"{self.brand.name}: {self.brand.tagline}" if self.brand.tagline else self.brand.name
        put(
            "index.html",
            self._render_index(
                "hub.html",
                "/",
                title,
                self.brand.tagline or self.brand.description,  # the about page carries the description
                heading=self.brand.name,
                pages=[],
                keywords=[],
                related=[{"path": h.path, "name": h.name} for h in hubs if hub_pages[h.slug]],
                extra_json_ld=[schema.website(self._index_context("/", title, HubDates(today, today)))],
            ),
        )
        everything = HubDates.of(pages, today)
        editor = trust.byline(self.brand, (self.brand.site_authors or [None])[-1])
        put(
            "topics/index.html",
            self._render_index(
                "hub.html",
                "/topics/",
                self.t["topics_title"].format(brand=self.brand.name),
                self.t["topics_intro"].format(brand=self.brand.name),
                heading=self.t["all_topics"],
                pages=[],
                keywords=[],
                related=[{"path": h.path, "name": h.name} for h in hubs],
                by=editor,
                published=everything.published,
                modified=everything.modified,
                extra_json_ld=[
                    schema.collection_page(
                        self._index_context("/topics/", self.t["all_topics"], everything, editor["json_ld"])
                    )
                ],
            ),
        )
        put("assets/logo.svg", self.hero_svg(self.brand.name))
        failed = set(build.noindex)
        indexable = [p for p in pages if p.path not in failed]
        trust_files = self.render_trust_pages(indexable)
        for path, text in trust_files.items():
            put(path.strip("/") + "/index.html", text)
        urls = [(self.url("/"), today), (self.url("/topics/"), today)]
        urls += [(self.url(h.path), dates[h.slug].modified) for h in hubs]
        urls += [(self.url(path), today) for path in trust_files]
        urls += [(self.url(p.path), p.modified) for p in indexable]
        sitemaps = sitemap_files(self.base_url, urls, max_urls)
        for name, text in sitemaps.items():
            put(name, text)
        put("robots.txt", f"User-agent: *\nAllow: /\n\nSitemap: {self.url('/sitemap.xml')}\n")
        for name, text in indexing.key_files(
            self.brand.slug
        ).items():  # IndexNow verifies its key at the root
            put(name, text)
        put("feed.xml", atom_feed(self, indexable))
        build.sitemap_files = sorted(sitemaps)
        build.sitemap_urls = len(urls)
        build.files_written = written

    # --- about, contact, authors ------------------------------------------------------------------

    def trust_paths(self) -> list[str]:
        return ["/about/", "/contact/"] + [f"/authors/{a.slug}/" for a in self.brand.site_authors]

    def render_trust_pages(self, pages: Sequence[SitePage]) -> dict[str, str]:
        """The about page, the contact page and one page per author (with the articles they signed)."""
        brand = self.brand
        stores = trust.location_rows(brand, every=True)
        team = [trust.byline(brand, a) | {"bio": a.bio} for a in brand.site_authors]
        t = self.t
        products = [
            {"name": p.name, "description": p.description, "price": brand.price_of(p)} for p in brand.products
        ]
        places = sorted(
            {loc.city if loc.city == loc.region else f"{loc.city}, {loc.region}" for loc in brand.locations}
        )
        unnamed = [loc.city for loc in brand.locations if loc.city not in brand.description]
        about_intro = brand.description + (
            " " + t["about_where"].format(list=join(places, brand.language)) if unnamed else ""
        )
        contact_title = t["contact_brand"].format(brand=brand.name)
        ctx = self._index_context("/contact/", contact_title, HubDates.of(pages, date.today()))
        email = brand.outreach.sender_email if brand.outreach else None
        facts = getattr(brand, "facts", None)  # the owner's facts: the founding year, when given
        org = schema.organization_with_contacts(
            ctx,
            email,
            [loc.model_dump() for loc in brand.locations],
            brand.description,
            founded=getattr(facts, "founded", None),
        )
        businesses = [schema.local_business(ctx, loc.model_dump()) for loc in brand.locations]
        out = {
            "/about/": self._render_index(
                "about.html",
                "/about/",
                t["about_brand"].format(brand=brand.name),
                about_intro,
                extra_json_ld=[org],
                heading=t["about_brand"].format(brand=brand.name),
                products=products,
                stores=stores,
                team=team,
            ),
            "/contact/": self._render_index(
                "contact.html",
                "/contact/",
                contact_title,
                t["contact_intro"].format(brand=brand.name),
                extra_json_ld=[org, *[b for b in businesses if b]],
                heading=contact_title,
                stores=stores,
                email=email,
                postal=brand.outreach.postal_address if brand.outreach else "",
            ),
        }
        for author in brand.site_authors:
            by = trust.byline(brand, author)
            signed = [p for p in pages if self.byline_for(p.keyword, p.cluster_name)["path"] == by["path"]]
            out[by["path"]] = self._render_index(
                "author.html",
                by["path"],
                f"{author.name}, {author.role} | {brand.name}",
                t["author_intro"].format(name=author.name, role=author.role, brand=brand.name),
                extra_json_ld=[
                    by["json_ld"]
                    | {
                        "@context": "https://schema.org",
                        "worksFor": {"@type": "Organization", "name": brand.name, "url": self.base_url + "/"},
                    }
                ],
                heading=author.name,
                author=author.model_dump(),
                pages=[{"path": p.path, "title": p.draft["title"]} for p in signed],
            )
        return out


def _sentence_keys(text: str) -> set[str]:
    plain = LINK.sub(lambda m: m.group(1), text)
    return {" ".join(tokens(s)) for s in SENTENCE_END.split(plain) if tokens(s)}


def _body_keys(draft: dict[str, Any]) -> set[str]:
    parts = [draft.get("direct_answer") or "", *draft.get("intro", [])]
    for section in draft.get("sections", []):
        parts += [*section.get("paragraphs", []), *section.get("items", [])]
        parts += [p for sub in section.get("subsections", []) for p in sub.get("paragraphs", [])]
    return set().union(*(_sentence_keys(p) for p in parts if p))


def drop_repeated_answers(
    pages: Sequence[SitePage], skip: set[str] = frozenset()
) -> tuple[list[SitePage], int]:
    """Copies of the pages in which a FAQ answer that another page already says — or that the page
    itself says in its body — is left out, so the site states each answer once. The fuller pages
    (more body sentences) keep theirs; pages in `skip` (held) neither keep nor take any."""
    said: set[str] = set()
    kept: dict[str, SitePage] = {}
    dropped = 0
    ranked = sorted(pages, key=lambda p: (p.path in skip, -len(_body_keys(p.draft)), p.path))
    for page in ranked:
        own = _body_keys(page.draft)
        answers = []
        for item in page.draft.get("faq", []):
            keys = _sentence_keys(item["answer"])
            if page.path not in skip and not (keys.isdisjoint(said) and keys.isdisjoint(own)):
                dropped += 1
                continue
            answers.append(item)
            own |= keys
        if page.path not in skip:
            said |= own
        kept[page.path] = replace(page, draft={**page.draft, "faq": answers})
    return [kept[p.path] for p in pages], dropped


def sitemap_files(
    base_url: str,
    urls: Sequence[tuple[str, date]],
    max_urls: int = SITEMAP_MAX_URLS,
    max_bytes: int = SITEMAP_MAX_BYTES,
) -> dict[str, str]:
    """`sitemap.xml`, or a sitemap index pointing at `sitemap-N.xml` parts when the URLs do not fit
    one file (50,000 URLs or 50 MB)."""
    from lxml import etree

    def urlset(chunk: Sequence[tuple[str, date]]) -> bytes:
        root = etree.Element("urlset", nsmap={None: SITEMAP_NS})
        for loc, lastmod in chunk:
            url = etree.SubElement(root, "url")
            etree.SubElement(url, "loc").text = loc
            etree.SubElement(url, "lastmod").text = lastmod.isoformat()
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    single = urlset(urls) if len(urls) <= max_urls else b""
    if single and len(single) <= max_bytes:
        return {"sitemap.xml": single.decode()}
    per_file = max_urls
    while True:
        chunks = [urls[i : i + per_file] for i in range(0, len(urls), per_file)]
        parts = [urlset(chunk) for chunk in chunks]
        if all(len(part) <= max_bytes for part in parts):
            break
        per_file //= 2
    root = etree.Element("sitemapindex", nsmap={None: SITEMAP_NS})
    files = {}
    for number, (chunk, part) in enumerate(zip(chunks, parts), start=1):
        name = f"sitemap-{number}.xml"
        files[name] = part.decode()
        entry = etree.SubElement(root, "sitemap")
        etree.SubElement(entry, "loc").text = f"{base_url}/{name}"
        etree.SubElement(entry, "lastmod").text = max(d for _, d in chunk).isoformat()
    files["sitemap.xml"] = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    ).decode()
    return files


def atom_feed(builder: SiteBuilder, pages: Sequence[SitePage], limit: int = 30) -> str:
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(builder.url("/"))
    feed.title(builder.brand.name)
    feed.subtitle(builder.brand.tagline or builder.brand.description[:100])
    feed.link(href=builder.url("/feed.xml"), rel="self")
    feed.link(href=builder.url("/"), rel="alternate")
    feed.language(builder.site["lang"])
    newest = sorted(pages, key=lambda p: (p.modified, p.path), reverse=True)[:limit]
    feed.updated(_at_noon(max([p.modified for p in newest], default=date.today())))
    for page in reversed(newest):
        entry = feed.add_entry()
        entry.id(builder.url(page.path))
        entry.title(page.draft["title"])
        entry.link(href=builder.url(page.path))
        entry.summary(page.draft["meta_description"])
        entry.updated(_at_noon(page.modified))
        entry.published(_at_noon(page.published))
    return feed.atom_str(pretty=True).decode()


def _at_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
