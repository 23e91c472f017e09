"""Pitches (composer, word limit, citations), competitor sitemaps and diffs, and the E-E-A-T audit."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketing_engine.outreach import competitors, eeat
from marketing_engine.outreach.pitches import brand_pages, compose_pitch, finalize, pitch_request
from marketing_engine.outreach.prospects import BrandPage
from marketing_engine.wording import count_words

NOW = datetime(2026, 11, 26, tzinfo=UTC)
QUERY = {
    "query_key": "k1",
    "topic": "E-bike battery care myths",
    "details": "What myths do owners believe?",
    "requirements": "Mechanics only. 60 words max.",
    "outlet": "Outside Online",
    "journalist": "Priya Raman",
    "word_limit": 60,
}


def test_offline_pitch_cites_the_best_page_and_fits_the_limit(example_brand) -> None:
    pages = brand_pages(
        example_brand,
        site_pages=[
            {
                "url": "https://kestrelcycles.example/guides/e-bike-battery-care",
                "title": "E-bike battery care guide",
            }
        ],
    )
    request = pitch_request(QUERY, example_brand, pages)
    assert request.inputs["pages"][0]["url"].endswith("/guides/e-bike-battery-care")
    draft = compose_pitch(request, random.Random(1))
    final = finalize(draft["subject"], draft["body"], 60, [p["url"] for p in request.inputs["pages"]])
    assert final.word_count <= 60 and final.cited_urls[0] in final.body
    assert "Kestrel Cycles" in final.body


def test_brand_pages_fall_back_to_the_brand_file(example_brand) -> None:
    pages = brand_pages(example_brand)
    assert pages[0].url == "https://kestrelcycles.example/"
    assert "https://kestrelcycles.example/bikes/cargo" in {p.url for p in pages}
    seo = brand_pages(
        example_brand, [{"url": "https://kestrelcycles.example/x", "title": "X", "keyword": "x"}]
    )
    assert [p.url for p in seo] == ["https://kestrelcycles.example/x"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdefgh ", min_size=1, max_size=40), min_size=3, max_size=30),
    st.integers(min_value=25, max_value=200),
)
def test_finalize_never_exceeds_the_limit_and_always_cites(sentences: list[str], limit: int) -> None:
    body = " ".join(s.strip() + "." for s in sentences if s.strip())
    try:
        draft = finalize("s", body or "x.", limit, ["https://kestrelcycles.example/a"])
    except ValueError as exc:
        assert "over the limit" in str(exc)
        return
    assert count_words(draft.body) <= limit and "https://kestrelcycles.example/a" in draft.body


def test_finalize_adds_a_citation_when_the_writer_forgot() -> None:
    draft = finalize("s", "One. Two.", 50, ["https://k.example/p"])
    assert draft.body.endswith("More: https://k.example/p") and draft.cited_urls == ["https://k.example/p"]


def test_sitemaps_urlset_index_and_bad_xml() -> None:
    urlset = (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.example/x</loc>'
        "</url></urlset>"
    )
    index = (
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>'
        "https://a.example/s1.xml</loc></sitemap></sitemapindex>"
    )
    assert competitors.sitemap_urls(urlset) == (["https://a.example/x"], [])
    assert competitors.sitemap_urls(index) == ([], ["https://a.example/s1.xml"])
    with pytest.raises(competitors.SitemapError, match="https://a.example/sitemap.xml"):
        competitors.sitemap_urls("<urlset", "https://a.example/sitemap.xml")


def test_competitor_diff_new_changed_unchanged_gone() -> None:
    snap = competitors.CompetitorPageSnapshot
    first = [
        snap("VoltRide", "https://v.example/a", "A", "h1", ""),
        snap("VoltRide", "https://v.example/b", "B", "h2", ""),
    ]
    rows = competitors.diff({}, first, NOW, {"VoltRide"})
    assert {r["change"] for r in rows} == {"new"}
    previous = {r["url"]: r for r in rows}
    later = NOW + timedelta(days=1)
    second = [snap("VoltRide", "https://v.example/a", "A", "h1-edited", "")]
    changes = {r["url"]: r for r in competitors.diff(previous, second, later, {"VoltRide"})}
    assert changes["https://v.example/a"]["change"] == "changed"
    assert changes["https://v.example/a"]["first_seen"] == NOW
    assert changes["https://v.example/b"]["change"] == "gone"
    # A competitor that did not answer this time keeps its pages (an outage is not a purge).
    assert competitors.diff(previous, [], later, set()) == []


def test_topics_mapped_to_keywords_show_gaps() -> None:
    rows = [
        {"title": "The e-bike tax credit in 2026", "url": "https://v.example/blog/ebike-tax-credit"},
        {"title": "Folding e-bikes for apartment living", "url": "https://v.example/blog/folding"},
    ]
    mapped = competitors.map_topics(
        rows,
        ["e-bike tax credit", "cargo e-bike"],
        [BrandPage("https://k.example/tax", "E-bike tax credit explained", "e-bike tax credit")],
    )
    assert mapped[0]["matched_keyword"] == "e-bike tax credit" and mapped[0]["brand_covers"]
    assert mapped[1]["matched_keyword"] is None and not mapped[1]["brand_covers"]


GOOD = """<html><head><title>Guide</title><meta name="author" content="Maya Chen">
<script type="application/ld+json">{"@type": "Article", "datePublished": "2026-10-01",
"dateModified": "2026-10-05", "author": {"name": "Maya Chen"}}</script></head><body>
<p>By <a rel="author" href="/authors/maya">Maya Chen</a></p><p>We measured 412 batteries in our workshop.</p>
<a href="https://batteryuniversity.com/x">source</a></body></html>"""


def test_eeat_page_signals_and_reasons() -> None:
    good = eeat.audit_page("https://k.example/guide", GOOD, NOW)
    assert good.score == 100 and good.reasons == []
    future = GOOD.replace("2026-10-01", "2027-01-01").replace("2026-10-05", "2027-01-02")
    assert "in the future" in eeat.audit_page("https://k.example/g", future, NOW).reasons[0]
    backwards = GOOD.replace("2026-10-05", "2026-09-01")
    assert "before the publication date" in eeat.audit_page("https://k.example/g", backwards, NOW).reasons[0]
    bare = eeat.audit_page("https://k.example/p", "<html><body><p>Buy now.</p></body></html>", NOW)
    assert bare.score == 0 and len(bare.reasons) == 5


def test_eeat_site_score_combines_pages_and_site_pages(tmp_path) -> None:
    (tmp_path / "guides").mkdir()
    (tmp_path / "guides" / "battery.html").write_text(GOOD)
    (tmp_path / "index.html").write_text("<html><body>home</body></html>")
    partial = eeat.audit_site(eeat.site_files(tmp_path, "https://k.example"), NOW)
    assert partial.site_signals == {"about": False, "contact": False, "authors": False}
    assert partial.score == 70 and "no about page" in partial.reasons
    (tmp_path / "about.html").write_text("<html><body>About us</body></html>")
    (tmp_path / "contact.html").write_text("<html><body>Call +1-503-555-0142</body></html>")
    (tmp_path / "authors").mkdir()
    (tmp_path / "authors" / "maya.html").write_text("<html><body>Maya</body></html>")
    full = eeat.audit_site(eeat.site_files(tmp_path, "https://k.example"), NOW)
    assert full.score == 100 and full.reasons == []


def test_a_word_in_a_slug_is_not_an_about_page() -> None:
    pages = [
        ("https://k.example/answers/what-to-know-about-e-bikes/", GOOD),
        ("https://k.example/contact-lens-guide/", "<html><body>+1-503-555-0142</body></html>"),
    ]
    audit = eeat.audit_site(pages, NOW)
    assert audit.site_signals == {"about": False, "contact": False, "authors": False}
    assert len(audit.pages) == 2  # both are articles, audited as such
