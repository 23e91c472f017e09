"""The offline world's websites, generated from the brand file in the brand's language.

The offline crawler needs somewhere to crawl. Instead of shipping one trade's sample sites, this module
writes, for any brand: two prospect sites (a local guide with a page of useful links and a blog post, and
a reader's notes page linking to the brand's products), a magazine whose old pages are gone (410) or
moved (301), one site per competitor (the first with robots.txt and a sitemap, covering some of the
brand's topics and one page of its own news), and a small site for the brand itself (home, about,
contact, product pages, guides on its first topics) for the audit until the SEO group builds the real
one. Every word about the business comes from the brand file (topics, products, places, people);
the rest are the generic frames of `data/frames/outreach/<language>.yaml`. Dead links point at pages
that answer 404 or 410, or at a host that does not resolve.

The world is written once per brand-file version (a folder keyed by its hash, renamed into place
whole), so concurrent assets never see it half written.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import escape
from pathlib import Path

from marketing_engine.brand import BrandProfile, Product, slug
from marketing_engine.wording import frames

VERSION = 2  # bump when the generator changes, so existing worlds are written again


@dataclass(frozen=True)
class SampleWorld:
    root: Path
    sites: dict[str, Path]  # host -> folder, served on the loopback server
    prospect_seeds: list[str]
    brand_site: Path
    hosts: dict[str, str]  # role (guide, notes, magazine, gone) -> host name


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _host(pattern: str, **slots: str) -> str:
    return f"{slug(pattern.format(**slots), max_length=50) or 'site'}.example"


def _page(language: str, title: str, body: str, head: str = "") -> str:
    return (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"{head}</head><body>\n{body}\n</body></html>\n"
    )


def _link(href: str, text: str, rel: str = "") -> str:
    rel_attr = f' rel="{rel}"' if rel else ""
    return f'<a href="{escape(href)}"{rel_attr}>{escape(text)}</a>'


def _product_path(product: Product) -> str | None:
    path = (product.url_path or "").strip("/")
    return path or None


def _write(folder: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def world_key(profile: BrandProfile) -> str:
    raw = f"{VERSION}|{profile.model_dump_json()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def plan_world(profile: BrandProfile) -> tuple[dict[str, str], dict[str, dict[str, str]], list[str]]:
    """(role -> host, host -> {relative path: text}, prospect seed URLs) for the brand's world."""
    lang = profile.language
    words = frames("outreach", lang)["sites"]
    topics = list(profile.seed_topics)
    first, last = topics[0], topics[-1]
    second = topics[1 % len(topics)]
    place = profile.locations[0].city if profile.locations else first
    hosts = {
        "guide": _host(words["guide_host"], place=place),
        "notes": _host(words["notes_host"], topic=second),
        "magazine": _host(words["magazine_host"], topic=first),
        "gone": _host(words["gone_host"], topic=last),
    }
    guide, notes, magazine, gone = (hosts[k] for k in ("guide", "notes", "magazine", "gone"))
    topic_list = ", ".join(topics)
    sites: dict[str, dict[str, str]] = {}

    # The local guide: a page of useful links on the brand's topics (some dead), a post, a contact page.
    links, routes, live = [], {"/old": {"status": 301, "location": f"/{slug(first)}"}}, {first}
    for n, topic in enumerate(topics):
        if n % 3 == 0:
            links.append(_link(f"https://{gone}/{slug(topic)}", _cap(topic)))
        elif n % 3 == 1:
            links.append(
                _link(
                    f"https://{magazine}/{slug(topic)}-guide", words["guide_anchor"].format(Topic=_cap(topic))
                )
            )
            routes[f"/{slug(topic)}-guide"] = {"status": 410}
        else:
            links.append(_link(f"https://{magazine}/{slug(topic)}", _cap(topic)))
            live.add(topic)
    links += [
        _link(f"https://{magazine}/{slug(first)}", _cap(first)),
        _link(f"https://{notes}/", words["notes_title"].format(topic=second, Topic=_cap(second))),
        _link(f"https://{magazine}/", words["magazine_title"].format(topic=first, Topic=_cap(first))),
    ]
    editor = f"editor@{guide}"
    guide_title = words["guide_title"].format(Place=place, place=place)
    resources_title = words["resources_title"].format(Place=place, place=place)
    post_title = words["post_title"].format(Topic=_cap(first), topic=first)
    sites[guide] = {
        "robots.txt": "User-agent: *\nDisallow: /drafts/\n",
        "index.html": _page(
            lang,
            guide_title,
            f"<h1>{escape(guide_title)}</h1><p>{escape(words['guide_intro'].format(topics=topic_list))}</p>\n"
            + " ".join(
                [
                    _link("/resources", words["resources_link"]),
                    _link(f"/blog/{slug(first)}", post_title),
                    _link("/contact", words["contact_title"]),
                    _link("/drafts/next", "draft"),
                ]
            ),
        ),
        "resources.html": _page(
            lang,
            resources_title,
            f"<h1>{escape(resources_title)}</h1><p>{escape(words['resources_intro'].format(topics=topic_list))}</p>\n"
            "<ul>\n" + "\n".join(f"<li>{link}</li>" for link in links) + "\n</ul>\n"
            f"<p>{_link(f'mailto:{editor}', editor)}</p>",
        ),
        f"blog/{slug(first)}.html": _page(
            lang,
            post_title,
            f"<h1>{escape(post_title)}</h1><p>{escape(words['post_intro'].format(topic=first))} "
            f"{_link(f'https://{gone}/{slug(last)}', _cap(last))}.</p>",
        ),
        "contact.html": _page(
            lang, words["contact_title"], f"<p>{_link(f'mailto:{editor}', words['contact_link'])}</p>"
        ),
    }

    # A reader's notes: links to the brand (one nofollow, one through www.) and one dead link.
    products = list(profile.products)
    notes_links = [
        _link(f"https://{profile.domain}/{_product_path(products[0]) or ''}", products[0].name, "nofollow")
    ]
    if len(products) > 1:
        notes_links.append(
            _link(f"https://www.{profile.domain}/{_product_path(products[1]) or ''}", products[1].name)
        )
    notes_title = words["notes_title"].format(topic=second, Topic=_cap(second))
    sites[notes] = {
        "index.html": _page(
            lang,
            notes_title,
            f"<h1>{escape(notes_title)}</h1>"
            f"<p>{escape(words['notes_intro'].format(topic=second, product=products[0].name))} "
            + ", ".join(notes_links)
            + ".</p>\n"
            f"<p>{escape(words['old_link'])} {_link(f'https://{magazine}/{slug(last)}-faq', _cap(last))}.</p>\n"
            f"{_link(f'mailto:hello@{notes}', words['say_hello'])}",
        )
    }

    # The magazine: live pages on some topics, gone and moved ones through its routes.
    magazine_title = words["magazine_title"].format(topic=first, Topic=_cap(first))
    sites[magazine] = {
        "_routes.json": json.dumps(routes, ensure_ascii=False, indent=1),
        "index.html": _page(
            lang,
            magazine_title,
            f"<h1>{escape(magazine_title)}</h1>"
            + " ".join(_link(f"/{slug(t)}", _cap(t)) for t in topics if t in live),
        ),
        **{
            f"{slug(t)}.html": _page(lang, _cap(t), f"<h1>{escape(_cap(t))}</h1><p>{escape(topic_list)}</p>")
            for t in topics
            if t in live
        },
    }

    # Competitors: pages on the brand's topics after the first few (so some are gaps) and their news.
    for k, competitor in enumerate(profile.competitors):
        pages = {
            f"blog/{slug(t)}": words["competitor_pages"][n % len(words["competitor_pages"])].format(
                Topic=_cap(t), topic=t
            )
            for n, t in enumerate(topics[1:] or topics)
        }
        pages[f"blog/{slug(competitor.name)}-news"] = words["competitor_gap"].format(
            competitor=competitor.name
        )
        files = {
            f"{path}.html": _page(lang, title, f"<article><h1>{escape(title)}</h1></article>")
            for path, title in pages.items()
        }
        files["index.html"] = _page(
            lang,
            competitor.name,
            f"<h1>{escape(competitor.name)}</h1>" + " ".join(_link(f"/{p}", t) for p, t in pages.items()),
        )
        robots = "User-agent: *\nDisallow: /checkout/\n"
        if k == 0:  # the first publishes a sitemap; the others are read from their home page
            robots += f"Sitemap: https://{competitor.domain}/sitemap.xml\n"
            locs = ["/", *(f"/{p}" for p in pages), "/checkout/cart"]
            files["sitemap.xml"] = (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                + "".join(f"<url><loc>https://{competitor.domain}{escape(loc)}</loc></url>\n" for loc in locs)
                + "</urlset>\n"
            )
        files["robots.txt"] = robots
        sites[competitor.domain] = files
    return hosts, sites, [f"https://{guide}/", f"https://{notes}/"]


def brand_site(profile: BrandProfile, today: date) -> dict[str, str]:
    """A small site for the brand from its file alone: home, about, contact, products, topic guides."""
    from marketing_engine.publishing.copy import address_line

    lang = profile.language
    words = frames("outreach", lang)["sites"]
    files: dict[str, str] = {}
    product_links = []
    for product in profile.products:
        path = _product_path(product)
        if not path:
            continue
        price = f"<p>{escape(profile.price_of(product))}</p>" if product.price is not None else ""
        features = "".join(f"<li>{escape(f)}</li>" for f in product.features)
        files[f"{path}.html"] = _page(
            lang,
            f"{product.name} | {profile.name}",
            f"<h1>{escape(product.name)}</h1><p>{escape(product.description)}</p>{price}"
            + (f"<ul>{features}</ul>" if features else ""),
        )
        product_links.append(_link(f"/{path}", product.name))
    guides = []
    authors = profile.site_authors
    for n, topic in enumerate(profile.seed_topics[:3]):
        author = next(
            (a for a in authors if topic in a.expertise), authors[n % len(authors)] if authors else None
        )
        byline = (
            f'<p class="byline">{escape(words["by"])} {_link(f"/authors/{author.slug}", author.name, "author")}. '
            f'{escape(words["updated"])} <time datetime="{today.isoformat()}">{escape(profile.date(today))}</time>.</p>'
            if author
            else ""
        )
        matches = [
            p
            for p in profile.products
            if set(slug(topic).split("-")) & set(slug(p.name + " " + p.description).split("-"))
        ]
        body = "".join(
            f"<p>{escape(p.description)} {_link('/' + (_product_path(p) or ''), p.name)}</p>"
            for p in matches[:2]
        )
        files[f"guides/{slug(topic)}.html"] = _page(
            lang,
            f"{_cap(topic)} | {profile.name}",
            f"<article><h1>{escape(_cap(topic))}</h1>{byline}{body}</article>",
            f'<meta name="author" content="{escape(author.name)}">' if author else "",
        )
        guides.append(_link(f"/guides/{slug(topic)}", _cap(topic)))
    about_title = words["about_title"].format(brand=profile.name)
    founded = (
        f"<p>{escape(words['founded'].format(brand=profile.name, year=profile.facts.founded))}</p>"
        if profile.facts.founded
        else ""
    )
    people = "".join(f"<li>{escape(a.name)}: {escape(a.role)}</li>" for a in profile.authors)
    files["about.html"] = _page(
        lang,
        about_title,
        f"<h1>{escape(about_title)}</h1><p>{escape(profile.description)}</p>{founded}"
        + (f"<ul>{people}</ul>" if people else ""),
    )
    contact_heading = words["contact_heading"].format(brand=profile.name)
    places = "".join(
        f"<p>{escape(address_line(loc))}{'. ' + escape(loc.phone) if loc.phone else ''}</p>"
        for loc in profile.locations
    )
    email = profile.outreach.sender_email if profile.outreach else f"hello@{profile.domain}"
    files["contact.html"] = _page(
        lang,
        contact_heading,
        f"<h1>{escape(contact_heading)}</h1>{places}<p>{_link(f'mailto:{email}', email)}</p>",
    )
    title = f"{profile.name}: {profile.tagline}" if profile.tagline else profile.name
    files["index.html"] = _page(
        lang,
        title,
        f"<h1>{escape(profile.name)}</h1><p>{escape(profile.description)}</p>\n"
        + " ".join(
            [_link("/about", about_title), _link("/contact", contact_heading), *product_links, *guides]
        ),
    )
    return files


def write_sample_world(profile: BrandProfile, parent: Path) -> SampleWorld:
    """The brand's offline world under `parent/<brand slug>-<hash of the brand file>` (written once)."""
    hosts, sites, seeds = plan_world(profile)
    root = parent / f"{profile.slug}-{world_key(profile)}"
    folders = {host: root / host for host in sites}
    brand_folder = root / "_brand" / profile.domain
    if not root.exists():
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".world-", dir=parent))
        for host, files in sites.items():
            _write(staging / host, files)
        _write(staging / "_brand" / profile.domain, brand_site(profile, datetime.now(UTC).date()))
        try:
            os.rename(staging, root)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            if not root.is_dir():  # not another process writing the same world first: a real failure
                raise
    return SampleWorld(root, folders, seeds, brand_folder, hosts)
