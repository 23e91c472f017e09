"""Pages in the review queue: the held and noindex pages are listed with their gate findings and
previewed as built (sandboxed); only an approver approves or rejects (with a reason, CSRF checked);
the decision is kept on the text's sha256, and the next run of the pages stage does not undo it."""

from __future__ import annotations

import pytest

from desk.conftest import XSS, csrf_of, write_page
from marketing_engine.seo import store
from marketing_engine.seo.pages import held_by_claims
from marketing_engine.warehouse.models import ProgrammaticPage


@pytest.fixture
def pages(desk_warehouse, profile) -> dict[str, str]:
    """Two pages the claims gate held (one titled with a payload) and one a quality gate left noindex."""
    brand = profile.slug
    write_page(desk_warehouse, brand, "held-one", f"Held {XSS}", finding=f"no fact backs it {XSS}")
    write_page(desk_warehouse, brand, "held-two", "Held two", finding="no fact backs it")
    write_page(desk_warehouse, brand, "thin-page", "Thin", quality=(f"thin content {XSS}",))
    write_page(desk_warehouse, brand, "fine-page", "Fine")
    return {"held": "held-one", "other": "held-two", "thin": "thin-page"}


def status(warehouse, slug: str) -> str:
    with warehouse.session() as session:
        return session.query(ProgrammaticPage).filter_by(slug=slug).one().status


def test_waiting_pages_are_listed_with_their_findings_and_escaped(pages, login) -> None:
    client = login("viewer")
    text = client.get("/review").text
    for slug in ("held-one", "held-two", "thin-page"):
        assert f'id="page-{slug}"' in text
    assert 'id="page-fine-page"' not in text  # indexable: nothing to decide
    assert "Claims gate: 1 numeral: no fact backs it" in text and "Quality gate: thin content" in text
    assert "<script>alert" not in text and "<img src=x" not in text
    assert "Held &lt;script&gt;alert" in text and "thin content &lt;script&gt;" in text
    assert 'sandbox src="/review/pages/held-one/preview"' in text
    assert "Approve page" not in text  # a viewer sees no decision form


def test_the_preview_is_the_built_html_in_a_sandbox(pages, login) -> None:
    client = login("viewer")
    preview = client.get("/review/pages/held-one/preview")
    assert preview.status_code == 200 and "<h1>Held &lt;script&gt;" in preview.text
    csp = preview.headers["content-security-policy"]
    assert csp.startswith("sandbox;") and "script-src" not in csp and "frame-ancestors 'self'" in csp
    assert preview.headers["x-frame-options"] == "SAMEORIGIN"
    assert client.get("/review/pages/nope/preview").status_code == 404


def test_only_an_approver_decides_and_every_form_carries_its_token(pages, login, desk_warehouse) -> None:
    viewer = login("viewer")
    token = csrf_of(viewer, "/review")
    assert viewer.post("/review/pages/held-one/approve", data={"csrf": token}).status_code == 403
    editor = login("editor")
    token = csrf_of(editor, "/review")
    answer = editor.post("/review/pages/held-one/reject", data={"csrf": token, "reason": "no"})
    assert answer.status_code == 403
    approver = login("approver")
    assert approver.post("/review/pages/held-one/approve", data={}).status_code == 403
    assert status(desk_warehouse, "held-one") == "held"


def test_a_rejection_needs_a_reason_and_the_next_run_keeps_it(pages, login, desk_warehouse, profile) -> None:
    client = login("approver")
    token = csrf_of(client, "/review")
    answer = client.post("/review/pages/held-one/reject", data={"csrf": token, "reason": " "})
    assert "a rejection needs a reason" in answer.text and status(desk_warehouse, "held-one") == "held"
    answer = client.post("/review/pages/held-one/reject", data={"csrf": token, "reason": f"Off {XSS}"})
    assert "Page held-one rejected." in answer.text
    assert "<script>alert" not in answer.text and "Off &lt;script&gt;" in answer.text
    (page,) = store.reviewed_pages(desk_warehouse, profile.slug)
    assert page.status == "rejected" and page.review["reason"] == f"Off {XSS}"
    assert page.review["by"] == "approver" and page.review["sha256"] == "a" * 64
    assert 'id="page-held-one"' not in answer.text  # no longer waits
    # the next run writes the same text: the page stays rejected, out of the site and of publishing
    write_page(desk_warehouse, profile.slug, "held-one", "Held", finding="no fact backs it")
    assert status(desk_warehouse, "held-one") == "rejected"
    assert "/held-one/" not in [path for path, *_ in store.indexable_pages(desk_warehouse, profile.slug)]
    assert "held-one" not in [p.slug for p in store.ready_pages(desk_warehouse, profile.slug)]
    pages_built, _ = store.site_inputs(desk_warehouse, profile.slug, lambda key: b"{}")
    assert "held-one" not in [p.slug for p in pages_built]
    # a new text is a new page to review: the decision does not carry over
    write_page(desk_warehouse, profile.slug, "held-one", "Held", finding="still", sha256="b" * 64)
    assert status(desk_warehouse, "held-one") == "held"
    assert store.reviewed_pages(desk_warehouse, profile.slug) == []


def test_an_approval_lifts_the_claims_hold_at_the_next_build(pages, login, desk_warehouse, profile) -> None:
    client = login("approver")
    token = csrf_of(client, "/review")
    answer = client.post("/review/pages/held-two/approve", data={"csrf": token})
    assert "Page held-two approved." in answer.text and status(desk_warehouse, "held-two") == "approved"
    claims = store.claims_reports(desk_warehouse, profile.slug)
    assert "/held-two/" not in held_by_claims(claims) and "/held-one/" in held_by_claims(claims)
    assert claims["/held-two/"]["approved_by"] == "approver"
    # the next run writes the same text (the gate finds the same), and the build holds it no more
    write_page(desk_warehouse, profile.slug, "held-two", "Held two", finding="no fact backs it")
    assert status(desk_warehouse, "held-two") == "ready"
    assert "/held-two/" in [path for path, *_ in store.indexable_pages(desk_warehouse, profile.slug)]
    assert "held-two" in [p.slug for p in store.ready_pages(desk_warehouse, profile.slug)]
    (page,) = store.reviewed_pages(desk_warehouse, profile.slug)
    assert page.review["decision"] == "approved" and page.review["sha256"] == "a" * 64


def test_a_page_a_quality_gate_failed_cannot_be_approved(pages, login, desk_warehouse) -> None:
    client = login("approver")
    assert "A quality gate failed" in client.get("/review").text
    token = csrf_of(client, "/review")
    answer = client.post("/review/pages/thin-page/approve", data={"csrf": token})
    assert "fails a quality gate" in answer.text and status(desk_warehouse, "thin-page") == "noindex"
    answer = client.post("/review/pages/thin-page/reject", data={"csrf": token, "reason": "Too thin"})
    assert status(desk_warehouse, "thin-page") == "rejected"
    answer = client.post("/review/pages/thin-page/approve", data={"csrf": token})
    assert "only held or noindex pages wait for review" in answer.text
