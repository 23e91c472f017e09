"""Sign-in, the review queue (approve, reject with a reason, edit under the platform's rules and the
claims gate) and the results page (learned findings, the newest report in a sandbox, Dagster runs)."""

import os
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from marketing_engine.analytics.screenshot import ReportNotFoundError, newest_report, stored_report
from marketing_engine.analytics.store import learned_findings
from marketing_engine.claims import check_claims
from marketing_engine.desk.auth import authenticate, csrf_ok
from marketing_engine.desk.core import Desk, desk_of, go_back, guarded, post_id_of, web_link
from marketing_engine.desk.outbound import outbound_context
from marketing_engine.desk.pages import page_context
from marketing_engine.publishing.platforms import PlatformError, platform, validate
from marketing_engine.publishing.queue import ReviewError, decide, edit_post
from marketing_engine.publishing.store import approved_upcoming, review_queue
from marketing_engine.warehouse.models import SocialPost

REPORT_CSP = (
    "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data: blob:; font-src data:"
)


# -- login -------------------------------------------------------------------------------------------
def _role_if_password_matches(desk: Desk, name: str, password: str) -> str | None:
    """Run in a worker thread: argon2 takes tens of milliseconds and must not stall other requests."""
    with desk.warehouse.session() as session:
        user = authenticate(session, name, password)
        return user.role if user else None


async def login(request: Request) -> Response:
    desk = desk_of(request)
    if request.method == "GET":
        return desk.render(request, "login.html")
    form = await request.form()
    if not csrf_ok(request.session, form.get("csrf")):
        return PlainTextResponse("Forbidden: the form's CSRF token is missing or wrong", 403)
    name = str(form.get("name") or "").strip()
    client = request.client.host if request.client else "-"
    if not desk.logins.allow(f"{name.lower()}|{client}"):
        return desk.render(
            request, "login.html", 429, error="Too many attempts: wait a minute and try again."
        )
    role = await run_in_threadpool(_role_if_password_matches, desk, name, str(form.get("password") or ""))
    if role is None:
        return desk.render(request, "login.html", 401, error="Wrong name or password.")
    request.session.clear()  # a fresh session (and CSRF token) for the signed-in user
    request.session.update(user=name, role=role)
    return RedirectResponse("/review", status_code=303)


@guarded("viewer")
async def logout(request: Request, desk: Desk, form: dict) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


async def home(request: Request) -> Response:
    return RedirectResponse("/review", status_code=303)


# -- review queue ------------------------------------------------------------------------------------
def preview(post: SocialPost) -> dict[str, Any]:
    """A post as the queue shows it: its text, its platform's counter and limit, the rules it breaks."""
    payload = post.payload or {}
    fields = payload.get("fields") or {"text": post.body}
    try:
        spec = platform(post.platform)
        rule = spec.fields.get("text")
        label = spec.label
        broken = [
            str(v)
            for v in validate(post.platform, fields, payload.get("media") or [], payload.get("parts") or [])
        ]
    except PlatformError as exc:
        rule, label, broken = None, post.platform, [str(exc)]
    text = fields.get("text") or post.body
    return {
        "id": post.id,
        "platform": label,
        "state": post.state,
        "text": text,
        "parts": payload.get("parts") or [],
        "count": rule.measure(text) if rule else len(text),
        "limit": rule.max if rule else None,
        "counter": rule.counter if rule else "chars",
        "violations": broken,
        "held": post.last_error if post.state == "held" else None,
        "scheduled": post.scheduled_at,
        "sha": (post.content_sha256 or "")[:12],
        "approved": bool(post.approved_sha256) and post.approved_sha256 == post.content_sha256,
        "link": post.link_url,
    }


@guarded("viewer")
async def review(request: Request, desk: Desk, form: dict) -> Response:
    with desk.warehouse.session() as session:
        pending, held, decisions = review_queue(session, desk.profile.slug)
        context = (
            {
                "pending": [preview(p) for p in pending],
                "held": [preview(p) for p in held],
                "approved": [preview(p) for p in approved_upcoming(session, desk.profile.slug)],
                "decisions": [
                    {
                        "post": d.post_id,
                        "decision": d.decision,
                        "by": d.reviewer,
                        "at": d.decided_at,
                        "sha": d.content_sha256[:12],
                        "note": d.note,
                    }
                    for d in decisions
                ],
            }
            | page_context(desk)
            | outbound_context(desk)
        )
    return desk.render(request, "review.html", **context)


async def _decide(request: Request, desk: Desk, decision: str, note: str | None) -> Response:
    post_id = post_id_of(request)
    try:
        with desk.warehouse.session() as session:
            decide(session, post_id, decision, request.session["user"], note)
    except ReviewError as exc:
        return go_back(request, "/review", str(exc))
    return go_back(request, "/review", f"Post {post_id} {decision}.")


@guarded("approver")
async def approve(request: Request, desk: Desk, form: dict) -> Response:
    return await _decide(request, desk, "approved", str(form.get("note") or "").strip() or None)


@guarded("approver")
async def reject(request: Request, desk: Desk, form: dict) -> Response:
    reason = str(form.get("reason") or "").strip()
    if not reason:
        return go_back(request, "/review", f"Post {post_id_of(request)}: a rejection needs a reason.")
    return await _decide(request, desk, "rejected", reason)


@guarded("editor")
async def edit(request: Request, desk: Desk, form: dict) -> Response:
    """A new version of the text: it must pass the platform's rules and the claims gate (the brand
    file's facts and what the text said before may be restated); any approval is voided."""
    post_id, text = post_id_of(request), str(form.get("text") or "").replace("\r\n", "\n").strip()
    with desk.warehouse.session() as session:
        post = session.get(SocialPost, post_id)
        if post is None:
            return go_back(request, "/review", f"post {post_id} does not exist")
        fields = {**((post.payload or {}).get("fields") or {}), "text": text}
        broken = validate(
            post.platform,
            fields,
            (post.payload or {}).get("media") or [],
            (post.payload or {}).get("parts") or [],
        )
        if broken:
            return go_back(request, "/review", f"Post {post_id} not changed: " + "; ".join(map(str, broken)))
        if text == post.body:
            return go_back(request, "/review", f"Post {post_id}: the text is unchanged.")
        claims = check_claims(text, desk.profile, desk.evidence.with_extra([post.body]))
        if not claims.passed:
            return go_back(request, "/review", f"Post {post_id} not changed: {claims.summary()}")
        try:
            edit_post(session, post_id, text, editor=request.session["user"])
        except ReviewError as exc:
            return go_back(request, "/review", str(exc))
    return go_back(request, "/review", f"Post {post_id} edited: it waits for approval again.")


# -- results -----------------------------------------------------------------------------------------
def _newest_report(desk: Desk) -> tuple[str, str]:
    """(name, HTML) of the newest marketing report: the one the content registry names, from the media
    store (the machine that ran marketing_report need not be this one), else the newest file in the
    local reports folder; ReportNotFoundError when there is neither."""
    found = stored_report(desk.warehouse, desk.media, desk.profile.slug)
    if found is not None:
        return found
    path = newest_report(desk.reports)
    return path.name, path.read_text(encoding="utf-8")


@guarded("viewer")
async def results(request: Request, desk: Desk, form: dict) -> Response:
    """What the engine learned (campaign memory), the newest marketing report, and the Dagster UI."""
    try:
        report, _ = await run_in_threadpool(_newest_report, desk)
    except ReportNotFoundError:
        report = None
    dagster = os.environ.get("MARKETING_ENGINE_DAGSTER_URL", "http://127.0.0.1:3000").rstrip("/")
    return desk.render(
        request,
        "results.html",
        findings=learned_findings(desk.warehouse, desk.profile.slug, limit=50),
        report=report,
        runs=web_link(f"{dagster}/runs"),
    )


@guarded("viewer")
async def report(request: Request, desk: Desk, form: dict) -> Response:
    """The newest report as the engine wrote it (plotly inline), in a CSP sandbox: a unique origin
    that can run the charts but never reach the desk's cookies or forms."""
    try:
        _, html = await run_in_threadpool(_newest_report, desk)
    except ReportNotFoundError as exc:
        return PlainTextResponse(str(exc), 404)
    return HTMLResponse(html, headers={"content-security-policy": REPORT_CSP})
