"""`audit_home` reads back pages, posts, captions and emails and checks what was published."""

from __future__ import annotations

import json

from vocabulary import examples, leaks

from marketing_engine.audit import audit_home
from marketing_engine.cli import main

KESTREL = examples()[0]
PAGE = """<!doctype html><html><head><title>{title}</title>{robots}</head><body><header>Menu</header><main><article>
<p class="byline template">By Theo Marsh · Published today</p><h1>{title}</h1>{body}</article></main></body></html>"""


def _page(site, path, title, body, noindex=False):
    folder = site / path.strip("/")
    folder.mkdir(parents=True)
    robots = '<meta name="robots" content="noindex">' if noindex else ""
    (folder / "index.html").write_text(PAGE.format(title=title, robots=robots, body=body), "utf-8")


def test_audit_reads_back_every_output_and_checks_only_published_pages(tmp_path, capsys):
    site = tmp_path / "site"
    shared = "<p>The Kestrel Commuter costs $2,499 and has a 500 Wh battery.</p>"
    _page(site, "/guides/commuter/", "Commuter guide", shared + "<p>It has integrated front and rear lights.</p>")
    _page(site, "/guides/cargo/", "Cargo guide", shared + "<p>Our team tested it over 13 weeks.</p>")
    _page(site, "/compare/x/", "Held", "<p>We saw 9 of 10 owners switch.</p>", noindex=True)
    (tmp_path / "outbox" / "x").mkdir(parents=True)
    (tmp_path / "outbox" / "x" / "1.json").write_text(json.dumps({"text": "Hello from Portland", "thread": []}))
    (tmp_path / "videos" / "topic").mkdir(parents=True)
    (tmp_path / "videos" / "topic" / "v.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nBacalhau à Brás\n")
    result = audit_home(tmp_path, KESTREL)
    assert [page.indexable for page in result.pages] == [False, True, True]
    assert result.words_by_kind() == {"compare": (0, 1, 0), "guides": (2, 0, 20)}  # "$2,499" is one word
    assert round(result.sentence_reuse(), 3) == 0.5  # the shared sentence, on both published pages, of 4
    assert result.claim_counts() == {"numeral": 1, "first_person": 1, "testimonial": 0}
    assert {path for path, _ in result.findings} == {"/guides/cargo/"}
    assert result.posts == ["Hello from Portland"]
    assert any("bacalhau" in leaks(text, KESTREL) for _, text in result.texts())
    assert main(["audit", "--home", str(tmp_path)]) == 0
    assert "sentence reuse across published pages: 50.0%" in capsys.readouterr().out


def test_a_home_made_for_another_brand_is_refused_naming_both(tmp_path, capsys):
    """Judged by the wrong brand's facts, every price on the page would read as untraceable."""
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "tasca-da-conceicao-marketing-report.html").write_text("<html></html>")
    _page(tmp_path / "site", "/locais/porto/", "Porto", "<p>Bacalhau à Brás por 16 €.</p>")
    assert main(["audit", "--home", str(tmp_path)]) == 2
    out = " ".join(capsys.readouterr().out.split())
    assert "made for tasca-da-conceicao, not kestrel-cycles" in out and "--brand" in out
    (tmp_path / "reports" / "kestrel-cycles-marketing-report.html").write_text("<html></html>")
    assert audit_home(tmp_path, KESTREL).pages  # a home that holds this brand too is read
