"""Pages in the review queue: the pages the claims gate held or a quality gate left noindex, each
previewed as built (its HTML in a sandboxed frame), approved (the next site build makes it indexable)
or rejected with a reason (never built or published). The decisions are `seo.store`'s."""

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from marketing_engine.desk.core import Desk, go_back, guarded
from marketing_engine.resources.media_store import MediaStoreError
from marketing_engine.seo.store import (
    PageForReview,
    PageReviewError,
    decide_page,
    page_for_review,
    pages_for_review,
    reviewed_pages,
)

# The built page runs nothing and reaches nothing: an opaque origin, its own inline styles only,
# framed by the desk alone.
PREVIEW_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


def page_card(page: PageForReview) -> dict[str, Any]:
    """A page as the queue shows it: what held it (claims findings, quality failures) and its review."""
    claims = page.claims or {}
    return {
        "slug": page.slug,
        "path": page.path,
        "keyword": page.keyword,
        "title": page.title,
        "status": page.status,
        "sha": page.sha256[:12],
        "claims": claims.get("summary"),
        "findings": claims.get("findings") or [],
        "failures": page.quality_failures,
        "may_approve": page.may_approve,
        "previewable": bool(page.html_key),
        "review": page.review,
    }


def page_context(desk: Desk) -> dict[str, Any]:
    """The review page's pages: those waiting for a person, and the latest decisions on pages."""
    slug = desk.profile.slug
    return {
        "pages": [page_card(p) for p in pages_for_review(desk.warehouse, slug)],
        "page_decisions": [page_card(p) for p in reviewed_pages(desk.warehouse, slug)[:20]],
    }


@guarded("viewer")
async def page_preview(request: Request, desk: Desk, form: dict) -> Response:
    """The page's HTML as the site build stored it, under a CSP sandbox (a unique origin, no script)."""
    slug = request.path_params["slug"]
    page = page_for_review(desk.warehouse, desk.profile.slug, slug)
    if page is None or not page.html_key:
        return PlainTextResponse(f"page {slug!r} has no built HTML", 404)
    try:
        html = desk.media.get_bytes(page.html_key)
    except (MediaStoreError, OSError) as exc:
        return PlainTextResponse(f"page {slug!r}: its HTML {page.html_key} cannot be read ({exc})", 404)
    headers = {"content-security-policy": PREVIEW_CSP, "x-frame-options": "SAMEORIGIN"}
    return HTMLResponse(html.decode("utf-8", errors="replace"), headers=headers)


def _decide(request: Request, desk: Desk, decision: str, reason: str | None) -> Response:
    slug = request.path_params["slug"]
    try:
        decide_page(desk.warehouse, desk.profile.slug, slug, decision, request.session["user"], reason)
    except PageReviewError as exc:
        return go_back(request, "/review#pages", str(exc))
    return go_back(request, "/review#pages", f"Page {slug} {decision}.")


@guarded("approver")
async def approve_page(request: Request, desk: Desk, form: dict) -> Response:
    return _decide(request, desk, "approved", str(form.get("note") or "").strip() or None)


@guarded("approver")
async def reject_page(request: Request, desk: Desk, form: dict) -> Response:
    return _decide(request, desk, "rejected", str(form.get("reason") or "").strip())
