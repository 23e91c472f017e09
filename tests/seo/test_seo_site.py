"""Pages, JSON-LD, the static site and its quality gates, on a site built from the example brand."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import feedparser
import lxml.html
import pytest
from lxml import etree
from protego import Protego

from marketing_engine.seo import schema
from marketing_engine.seo.briefs import page_type_for
from marketing_engine.seo.quality import PageFacts, _NearDuplicates, _shingles, evaluate, near_duplicates
from marketing_engine.seo.site import PageFiles, SiteBuilder, sitemap_files

MARKER = re.compile(r"\[\[[^|\]]+\|[^\]]+\]\]")


@pytest.fixture(scope="module")
def built(example_brand, site_inputs, tmp_path_factory):
    pages, hubs = site_inputs
    out = tmp_path_factory.mktemp("site")
    return SiteBuilder(example_brand).build(pages, hubs, out), pages, hubs


def _body(draft: dict) -> str:
    parts = [*draft["intro"]]
    for section in draft["sections"]:
        parts += section["paragraphs"] + [p for sub in section["subsections"] for p in sub["paragraphs"]]
    return " ".join(parts)


@pytest.mark.parametrize(
    ("keyword", "intent", "page_type"),
    [
        ("cargo e-bike portland", "transactional", "Location"),
        ("voltride vs kestrel cycles", "commercial", "Comparison"),
        ("how to charge an e-bike battery", "informational", "Question"),
        ("buy cargo e-bike", "transactional", "Service"),
        ("e-bike battery care tips", "informational", "Guide"),
        ("e-bike battery care", "informational", "Blog"),
    ],
)
def test_page_type_follows_pattern_then_intent(keyword: str, intent: str, page_type: str) -> None:
    assert page_type_for(keyword, intent, ["Portland", "Seattle"]) == page_type


def test_all_six_page_types_are_written_from_facts_with_their_links(site_inputs) -> None:
    pages, _ = site_inputs
    assert {p.page_type for p in pages} == {"Location", "Service", "Comparison", "Question", "Guide", "Blog"}
    for page in pages:
        draft, body = page.draft, _body(page.draft)
        assert 3 <= len(MARKER.findall(body)) <= 5, page.path
        for section in draft["sections"]:
            headings = [section["heading"], *(sub["heading"] for sub in section["subsections"])]
            assert len(set(headings)) == len(headings), headings
        assert len(draft["faq"]) <= 5
        assert len({item["answer"] for item in draft["faq"]}) == len(draft["faq"])  # no answer twice
        if page.page_type == "Question" and draft["direct_answer"]:
            assert draft["direct_answer"].startswith(f"Short answer to {page.keyword}: ")
        elif page.page_type != "Question":
            assert draft["direct_answer"] is None
    location = next(p for p in pages if p.page_type == "Location" and "portland" in p.keyword)
    text = _body(location.draft)
    assert "1220 SE Hawthorne Blvd, Portland, 97214, phone +1-503-555-0142" in text
    assert "Tuesday to Friday from 10:00 to 18:00 and Saturday and Sunday from 10:00 to 16:00" in text
    service = next(p for p in pages if p.page_type == "Service" and "battery" in p.keyword)
    assert (
        "$2,499" in _body(service.draft)
        and "500 Wh removable battery, charges in about 4.5 hours" in (service.draft["sections"][0]["items"])
    )
    guide = next(p for p in pages if p.page_type == "Guide" and "battery" in p.keyword)
    assert "U.S. Consumer Product Safety Commission" in _body(guide.draft)


def test_filled_pages_are_indexed_the_rest_stay_short_and_noindex(built) -> None:
    build, pages, _ = built
    indexed = [p for p in pages if p.path not in build.noindex]
    assert {p.page_type for p in indexed} == {"Location", "Service", "Comparison", "Guide", "Blog"}
    # "how does … work": the brand file does not say, so the page gives no answer and stays out
    questions = [p for p in pages if p.page_type == "Question"]
    assert questions and all(p.draft["direct_answer"] is None and p.path in build.noindex for p in questions)
    for path in build.noindex:  # nothing was padded to pass: what fails is short, hard to read or alike
        assert all(
            f.startswith(("thin:", "reading ease", "near-duplicate")) for f in build.gates[path].failures
        ), build.gates[path].failures
    worst = max(build.gates[p.path].max_similarity for p in indexed)
    assert worst < 0.5
    # same page type, different clusters: the frames are shared, the sentences are not
    guides = [p for p in pages if p.page_type == "Guide"]
    a, b = (set(re.findall(r"[^.]+\.", _body(p.draft))) for p in guides[:2])
    assert len(a & b) / len(a | b) < 0.1


def test_the_rendered_page_has_the_head_tags_search_engines_read(built, example_brand) -> None:
    build, pages, _ = built
    page = next(p for p in pages if p.page_type == "Location" and p.path not in build.noindex)
    tree = lxml.html.fromstring(build.html[page.path])
    assert tree.get("lang") == "en"
    assert tree.xpath("//link[@rel='canonical']/@href") == [f"https://{example_brand.domain}{page.path}"]
    assert 10 <= len(tree.findtext(".//title")) <= 60
    assert 50 <= len(tree.xpath("//meta[@name='description']/@content")[0]) <= 160
    assert {m for m in tree.xpath("//meta/@property")} >= {
        "og:title",
        "og:description",
        "og:url",
        "og:image",
        "og:type",
    }
    assert len(tree.xpath("//h1")) == 1 and tree.xpath("//img[not(@alt)]") == []
    assert not tree.xpath("//meta[@name='robots']")
    blocks = [json.loads(s) for s in tree.xpath("//script[@type='application/ld+json']/text()")]
    kinds = [b["@type"] for b in blocks]
    assert kinds[:4] == ["Article", "BreadcrumbList", "Organization", "LocalBusiness"]
    assert schema.validate(blocks) == []
    assert blocks[3]["address"]["addressLocality"] in ("Portland", "Seattle")
    service = next(p for p in pages if p.page_type == "Service" and "battery" in p.keyword)
    product = [b for b in SiteBuilder(example_brand).json_ld(service) if b["@type"] == "Product"]
    assert product and product[0]["offers"]["priceCurrency"] == "USD"


def test_structural_validation_catches_missing_properties() -> None:
    assert schema.validate([{"@context": "https://schema.org", "@type": "Article", "headline": "x"}]) == [
        "Article: required property 'image' is missing",
        "Article: required property 'datePublished' is missing",
        "Article: required property 'dateModified' is missing",
        "Article: required property 'author' is missing",
    ]
    assert "Product: needs offers, aggregateRating or review" in schema.validate(
        [{"@context": "https://schema.org", "@type": "Product", "name": "P"}]
    )
    assert schema.product(None, {"name": "P", "description": "d", "price": None}) is None
    assert schema.rich_result_types([{"@type": "FAQPage"}, {"@type": "Article"}]) == ["Article"]


def test_site_files_sitemap_robots_feed_and_hubs(built, example_brand) -> None:
    build, pages, hubs = built
    out = build.out_dir
    sitemap = etree.parse(str(out / "sitemap.xml")).getroot()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = sitemap.xpath("//s:loc/text()", namespaces=ns)
    trust_pages = 2 + len(example_brand.site_authors)  # about, contact, one per author
    indexed = [p for p in pages if p.path not in build.noindex]
    assert build.noindex and len(locs) == 2 + len(hubs) + len(indexed) + trust_pages
    assert sitemap.xpath("//s:lastmod/text()", namespaces=ns)
    assert not {f"https://{example_brand.domain}{path}" for path in build.noindex} & set(locs)
    robots = Protego.parse((out / "robots.txt").read_text())
    assert robots.can_fetch(f"https://{example_brand.domain}/guides/x/", "Googlebot")
    assert list(robots.sitemaps) == [f"https://{example_brand.domain}/sitemap.xml"]
    feed = feedparser.parse((out / "feed.xml").read_text())
    assert len(feed.entries) == len(indexed) and feed.feed.title == example_brand.name
    hub = lxml.html.fromstring((out / "topics" / hubs[0].slug / "index.html").read_text())
    linked = set(hub.xpath("//a/@href"))
    assert {p.path for p in pages if p.cluster_slug == hubs[0].slug} <= linked
    for page in pages:
        assert (out / page.path.strip("/") / "index.html").is_file()
        assert (out / "assets" / "hero" / f"{page.slug}.svg").is_file()


def test_a_failing_page_ships_noindex_and_leaves_the_sitemap(
    example_brand, site_inputs, built, tmp_path: Path
) -> None:
    passing = [p for p in site_inputs[0] if p.path not in built[0].noindex]
    hubs = site_inputs[1]
    pages = copy.deepcopy(passing)
    clone = copy.deepcopy(pages[1])
    clone.path, clone.slug, clone.cluster_slug = (
        "/guides/a-copy/",
        "guides-a-copy",
        "orphans",
    )  # no hub lists it
    thin = pages[0]
    thin.draft["sections"] = thin.draft["sections"][:1]
    thin.draft["sections"][0]["paragraphs"] = []
    thin.draft["sections"][0]["items"] = []
    thin.draft["faq"] = []
    build = SiteBuilder(example_brand).build(
        [*pages, clone], hubs, tmp_path, held={pages[2].path: "claims: x"}
    )
    # of two identical pages the later one in path order is flagged
    first, later = sorted([clone.path, pages[1].path])
    assert any(f.startswith(f"near-duplicate of {first}") for f in build.gates[later].failures)
    assert any(f.startswith("not reachable") for f in build.gates[clone.path].failures)
    assert "broken internal links: /topics/orphans/" in build.gates[clone.path].failures  # its breadcrumb
    assert any(f.startswith("thin:") for f in build.gates[thin.path].failures)
    assert build.gates[pages[2].path].failures == ["claims: claims: x"] and build.held == {
        pages[2].path: "claims: x"
    }
    assert set(build.noindex) == {clone.path, thin.path, later, pages[2].path}
    sitemap = (tmp_path / "sitemap.xml").read_text()
    assert thin.path not in sitemap and clone.path not in sitemap and pages[2].path not in sitemap
    assert pages[3].path in sitemap
    html = (tmp_path / thin.path.strip("/") / "index.html").read_text()
    assert '<meta name="robots" content="noindex, follow">' in html


def test_an_answer_another_page_gives_is_given_once(example_brand) -> None:
    from datetime import date

    from marketing_engine.seo.site import SitePage, drop_repeated_answers

    def page(path: str, body: list[str], faq: list[tuple[str, str]]) -> SitePage:
        draft = {
            "intro": body,
            "sections": [],
            "faq": [{"question": q, "answer": a} for q, a in faq],
            "direct_answer": None,
        }
        return SitePage(
            path, path.strip("/"), "Blog", "k", "c", "C", draft, date(2026, 1, 1), date(2026, 1, 1)
        )

    rich = page(
        "/b/", ["One two three four.", "Five six seven eight."], [("Q1?", "Kestrel Cargo costs $3,899.")]
    )
    lean = page(
        "/a/", ["Nine ten eleven twelve."], [("Q2?", "Kestrel Cargo costs $3,899."), ("Q3?", "Other.")]
    )
    held = page("/c/", ["Thirteen."], [("Q4?", "Other.")])
    kept, dropped = drop_repeated_answers([lean, rich, held], skip={"/c/"})
    assert [len(p.draft["faq"]) for p in kept] == [1, 1, 1] and dropped == 1
    assert kept[0].draft["faq"][0]["answer"] == "Other."  # the fuller page kept the shared answer


def test_writer_text_is_escaped_and_only_planned_internal_links_become_anchors(
    example_brand, site_inputs, tmp_path: Path
) -> None:
    pages, hubs = site_inputs
    page = copy.deepcopy(pages[0])
    page.draft["intro"][0] = (
        '<script>alert("x")</script> See [[a trap|https://evil.example/]] and '
        f"[[the hub|/topics/{hubs[0].slug}/]] and [[nothing|/nowhere/]]."
    )
    build = SiteBuilder(example_brand).build([page], hubs, tmp_path, write=False)
    html = build.html[page.path]
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "evil.example" not in lxml.html.fromstring(html).xpath("//a/@href")
    assert f'<a href="/topics/{hubs[0].slug}/">the hub</a>' in html and '"/nowhere/"' not in html


def test_broken_internal_links_fail_the_gate() -> None:
    body = " ".join(f"Sentence number {i} talks about cargo bikes in a new way." for i in range(60))
    facts = PageFacts(
        "/a/",
        "cargo bikes",
        "Cargo bikes for families",
        "x" * 80,
        ["Cargo bikes"],
        "Cargo bikes " + body,
        0,
        ["/missing/", "/b/"],
    )
    results = evaluate([facts], (0, 120), {"/a/", "/b/"}, {"/": ["/a/"]})
    assert results["/a/"].failures == ["broken internal links: /missing/"]


def test_a_written_build_keeps_each_page_html_in_its_file_not_in_memory(
    example_brand, site_inputs, tmp_path: Path
) -> None:
    # A site of any size is built holding one page's HTML at a time: build.html reads the files.
    pages, hubs = site_inputs
    build = SiteBuilder(example_brand).build(pages, hubs, tmp_path / "staging")
    assert isinstance(build.html, PageFiles) and set(build.html) == {p.path for p in pages}
    for page in pages:
        text = build.html[page.path]
        assert text == (tmp_path / "staging" / page.path.strip("/") / "index.html").read_text(
            encoding="utf-8"
        )
        assert ('content="noindex, follow"' in text) == (page.path in build.noindex)  # rewritten if it failed
    assert build.noindex and len(build.noindex) < len(pages)
    (tmp_path / "staging").rename(tmp_path / "site")  # the staging folder swapped in
    build.moved_to(tmp_path / "site")
    assert build.html[pages[0].path].startswith("<!doctype html>") and build.out_dir == tmp_path / "site"
    with pytest.raises(KeyError):
        build.html["/not-built/"]


def test_near_duplicates_match_every_pair_compared_with_candidates_read_again() -> None:
    # The gate keeps a signature per page, not its shingles: with a one-page cache each candidate is
    # read again by path, and the answer is that of comparing every pair exactly (earliest on a tie).
    words = [f"word{i}" for i in range(400)]
    texts = {f"/p{i:02d}/": " ".join(words[i * 3 : i * 3 + 120]) for i in range(40)}
    texts["/z/"] = texts["/p03/"]
    texts["/q/"] = " ".join(f"other{i}" for i in range(120))
    reads: list[str] = []

    def text_of(path: str) -> str:
        reads.append(path)
        return texts[path]

    finder = _NearDuplicates(text_of, 0.5, cache=1)
    for path in sorted(texts):
        finder.add(path, texts[path])
    found = finder.found()

    def jaccard(a: str, b: str) -> float:
        x, y = _shingles(texts[a]), _shingles(texts[b])
        return len(x & y) / len(x | y)

    expected = {}
    for index, path in enumerate(ordered := sorted(texts)):
        scores = [(jaccard(path, other), -n, other) for n, other in enumerate(ordered[:index])]
        if scores and (best := max(scores))[0] >= 0.5:
            expected[path] = (best[2], best[0])
    assert found == expected == near_duplicates(texts) and len(found) == 40  # every /pNN/ but the first
    assert found["/z/"] == ("/p03/", 1.0) and "/q/" not in found and reads


def test_many_alike_pages_are_each_flagged_without_comparing_every_pair() -> None:
    # 120 copies of one text share every LSH bucket: each copy after the first is a near-duplicate
    # of an earlier one, yet a page is compared with at most NEIGHBOURS earlier pages per bucket.
    from marketing_engine.seo.quality import NEIGHBOURS

    text = " ".join(f"same{i}" for i in range(150))
    texts = {f"/copy-{i:03d}/": text for i in range(120)}
    finder = _NearDuplicates(texts.__getitem__, 0.5)
    for path in sorted(texts):
        finder.add(path, texts[path])
    candidates = finder._candidates()
    assert max(len(others) for others in candidates.values()) == NEIGHBOURS
    assert sum(map(len, candidates.values())) < 120 * 119 // 2
    found = finder.found()
    assert sorted(found) == sorted(texts)[1:] and all(j == 1.0 for _, j in found.values())
    assert found["/copy-001/"] == ("/copy-000/", 1.0)


def test_sitemap_splits_into_an_index_above_the_url_limit() -> None:
    from datetime import date

    urls = [(f"https://x.example/p{i}/", date(2026, 1, 1 + i % 28)) for i in range(5)]
    files = sitemap_files("https://x.example", urls, max_urls=2)
    assert sorted(files) == ["sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml", "sitemap.xml"]
    index = etree.fromstring(files["sitemap.xml"].encode())
    assert index.tag.endswith("sitemapindex") and len(index) == 3
    assert list(sitemap_files("https://x.example", urls)) == ["sitemap.xml"]
    assert len(sitemap_files("https://x.example", urls, max_bytes=300)) == 6  # the 50 MB rule, scaled down


def test_a_question_about_a_product_is_answered_from_the_brand_file(example_brand) -> None:
    import random

    from marketing_engine.seo.composer import compose_page

    inputs = {
        "keyword": "what is kestrel cargo",
        "page_type": "Question",
        "hub_keyword": "kestrel cargo",
        "siblings": ["kestrel cargo price"],
        "questions": ["how much does kestrel cargo cost", "is kestrel cargo worth it"],
        "links": [],
        "brand": example_brand.model_dump(mode="json"),
    }
    draft = compose_page(inputs, random.Random(0))
    assert draft.direct_answer == (
        "Short answer to what is kestrel cargo: Kestrel Cargo: a long-tail cargo e-bike that carries two kids "
        "or 80 kg of groceries."
    )
    # the price question is answered from the price list; "worth it" has no fact behind it and is left out
    assert [(f.question, f.answer) for f in draft.faq] == [
        ("How much does kestrel cargo cost?", "Kestrel Cargo costs $3,899 at Kestrel Cycles.")
    ]
