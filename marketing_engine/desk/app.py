"""The desk's routes: login, the review queue (approve, reject, edit), the week calendar
(reschedule within the posting windows) and RFC 8058 one-click unsubscribe.

Every page needs a signed-in user (else a redirect to /login); every form posts the session's CSRF
token (else 403); roles decide who edits (editor) and who approves (approver). Only the unsubscribe
routes are open: a mail client posts there, and the signed token is the authority.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from marketing_engine.analytics.screenshot import ReportNotFoundError, newest_report
from marketing_engine.analytics.store import learned_findings
from marketing_engine.brand import BrandProfile
from marketing_engine.claims import Evidence, check_claims
from marketing_engine.desk.auth import RateLimit, authenticate, csrf_ok, csrf_token, find_user, may
from marketing_engine.outreach.sequences import unsubscribe
from marketing_engine.outreach.unsubscribe import BadToken, token_address
from marketing_engine.publishing.calendar import local_to_utc, window_problem
from marketing_engine.publishing.copy import brand_evidence
from marketing_engine.publishing.platforms import PlatformError, platform, validate
from marketing_engine.publishing.queue import ReviewError, decide, edit_post, reschedule_post, retry_post
from marketing_engine.publishing.store import approved_upcoming, review_queue
from marketing_engine.settings import engine_home
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import SocialPost

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
SESSION_HOURS = 8
ONE_CLICK = "List-Unsubscribe=One-Click"
# No script, style or frame from anywhere but here: an escaped payload stays text even if one slipped.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
REPORT_CSP = (
    "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data: blob:; font-src data:"
)
STATE_LABELS = {  # the calendar's words for a post's state
    "pending_review": "queued (waiting for approval)",
    "scheduled": "queued",
    "publishing": "unknown (waiting for reconciliation)",
    "published": "published",
    "failed": "failed",
}


@dataclass(frozen=True)
class Desk:
    """What every route reads: the warehouse, the brand, and the login limiter."""

    warehouse: Warehouse
    profile: BrandProfile
    templates: Jinja2Templates
    logins: RateLimit
    evidence: Evidence  # the brand file's facts, for the claims gate on edited text
    reports: Path  # where the marketing reports are written

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        context |= {
            "brand": self.profile.name,
            "user": request.session.get("user"),
            "role": request.session.get("role"),
            "csrf": csrf_token(request.session),
            "flash": request.session.pop("flash", None),
        }
        return self.templates.TemplateResponse(request, name, context, status_code=status)


Handler = Callable[[Request, Desk, dict], Awaitable[Response]]


def _desk(request: Request) -> Desk:
    return request.app.state.desk


def guarded(needed: str) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """A route for signed-in users whose role may do `needed`; a POST must carry the CSRF token."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            desk = _desk(request)
            name = request.session.get("user")
            with desk.warehouse.session() as session:
                user = find_user(session, name) if name else None
                role = user.role if user else None
            if role is None:
                request.session.pop("user", None)
                return RedirectResponse("/login", status_code=303)
            request.session["role"] = role  # a role changed from the CLI applies at once
            form: dict = {}
            if request.method == "POST":
                form = dict(await request.form())
                if not csrf_ok(request.session, form.get("csrf")):
                    return PlainTextResponse("Forbidden: the form's CSRF token is missing or wrong", 403)
            if not may(role, needed):
                return PlainTextResponse(f"Forbidden: a {role} may not do this (needs {needed})", 403)
            return await handler(request, desk, form)

        return endpoint

    return wrap


def _back(request: Request, to: str, message: str) -> Response:
    request.session["flash"] = message
    return RedirectResponse(to, status_code=303)


# -- login -------------------------------------------------------------------------------------------
def _role_if_password_matches(desk: Desk, name: str, password: str) -> str | None:
    """Run in a worker thread: argon2 takes tens of milliseconds and must not stall other requests."""
    with desk.warehouse.session() as session:
        user = authenticate(session, name, password)
        return user.role if user else None


async def login(request: Request) -> Response:
    desk = _desk(request)
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
        context = {
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
    return desk.render(request, "review.html", **context)


def _post_id(request: Request) -> int:
    return int(request.path_params["post_id"])


async def _decide(request: Request, desk: Desk, decision: str, note: str | None) -> Response:
    post_id = _post_id(request)
    try:
        with desk.warehouse.session() as session:
            decide(session, post_id, decision, request.session["user"], note)
    except ReviewError as exc:
        return _back(request, "/review", str(exc))
    return _back(request, "/review", f"Post {post_id} {decision}.")


@guarded("approver")
async def approve(request: Request, desk: Desk, form: dict) -> Response:
    return await _decide(request, desk, "approved", str(form.get("note") or "").strip() or None)


@guarded("approver")
async def reject(request: Request, desk: Desk, form: dict) -> Response:
    reason = str(form.get("reason") or "").strip()
    if not reason:
        return _back(request, "/review", f"Post {_post_id(request)}: a rejection needs a reason.")
    return await _decide(request, desk, "rejected", reason)


@guarded("editor")
async def edit(request: Request, desk: Desk, form: dict) -> Response:
    """A new version of the text: it must pass the platform's rules and the claims gate (the brand
    file's facts and what the text said before may be restated); any approval is voided."""
    post_id, text = _post_id(request), str(form.get("text") or "").replace("\r\n", "\n").strip()
    with desk.warehouse.session() as session:
        post = session.get(SocialPost, post_id)
        if post is None:
            return _back(request, "/review", f"post {post_id} does not exist")
        fields = {**((post.payload or {}).get("fields") or {}), "text": text}
        broken = validate(
            post.platform,
            fields,
            (post.payload or {}).get("media") or [],
            (post.payload or {}).get("parts") or [],
        )
        if broken:
            return _back(request, "/review", f"Post {post_id} not changed: " + "; ".join(map(str, broken)))
        if text == post.body:
            return _back(request, "/review", f"Post {post_id}: the text is unchanged.")
        claims = check_claims(text, desk.profile, desk.evidence.with_extra([post.body]))
        if not claims.passed:
            return _back(request, "/review", f"Post {post_id} not changed: {claims.summary()}")
        try:
            edit_post(session, post_id, text, editor=request.session["user"])
        except ReviewError as exc:
            return _back(request, "/review", str(exc))
    return _back(request, "/review", f"Post {post_id} edited: it waits for approval again.")


# -- calendar ----------------------------------------------------------------------------------------
def _web_link(url: str | None) -> str | None:
    """The URL when it is an http(s) link; anything else (javascript:, data:) is not linked."""
    return url if url and url.lower().startswith(("https://", "http://")) else None


def _week_start(value: str | None, zone: ZoneInfo) -> date:
    try:
        day = date.fromisoformat(value) if value else datetime.now(zone).date()
    except ValueError:
        day = datetime.now(zone).date()
    return day - timedelta(days=day.weekday())


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return local_to_utc(datetime.combine(day, datetime.min.time()), zone) or datetime.combine(
        day, datetime.min.time(), UTC
    )


def _scheduled(desk: Desk, first: date, last: date, zone: ZoneInfo) -> list[dict[str, Any]]:
    """The brand's posts scheduled from `first` to `last` (local days, both included), soonest first."""
    with desk.warehouse.session() as session:
        posts = session.scalars(
            select(SocialPost)
            .where(
                SocialPost.brand == desk.profile.slug,
                SocialPost.scheduled_at >= _midnight(first, zone),
                SocialPost.scheduled_at < _midnight(last + timedelta(days=1), zone),
            )
            .order_by(SocialPost.scheduled_at, SocialPost.id)
        )
        return [
            {
                "id": post.id,
                "platform": post.platform,
                "day": post.scheduled_at.astimezone(zone).date(),
                "time": post.scheduled_at.astimezone(zone),
                "state": STATE_LABELS.get(post.state, post.state),
                "raw_state": post.state,
                "url": _web_link(post.platform_url) if post.state == "published" else None,
                "reason": post.last_error if post.state == "failed" else None,
                "text": " ".join(post.body.split())[:120],
                "movable": post.state in ("draft", "pending_review", "scheduled"),
            }
            for post in posts
        ]


@guarded("viewer")
async def calendar(request: Request, desk: Desk, form: dict) -> Response:
    """The week (`?week=YYYY-MM-DD`, rows per platform) or the month (`?month=YYYY-MM`, weeks)."""
    zone = ZoneInfo(desk.profile.audience.timezone)
    if "month" in request.query_params:
        return _month(request, desk, zone)
    start = _week_start(request.query_params.get("week"), zone)
    days = [start + timedelta(days=i) for i in range(7)]
    grid: dict[str, dict[date, list[dict]]] = {}
    for post in _scheduled(desk, days[0], days[-1], zone):
        grid.setdefault(post["platform"], {}).setdefault(post["day"], []).append(post)
    return desk.render(
        request,
        "calendar.html",
        days=days,
        grid=dict(sorted(grid.items())),
        zone=desk.profile.audience.timezone,
        previous=start - timedelta(days=7),
        next=start + timedelta(days=7),
        month=start.strftime("%Y-%m"),
    )


def _month(request: Request, desk: Desk, zone: ZoneInfo) -> Response:
    try:
        first = date.fromisoformat(f"{request.query_params['month']}-01")
    except ValueError:
        first = datetime.now(zone).date().replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    weeks, day = [], first - timedelta(days=first.weekday())
    while day < after:
        weeks.append([day + timedelta(days=i) for i in range(7)])
        day += timedelta(days=7)
    by_day: dict[date, list[dict]] = {}
    for post in _scheduled(desk, first, after - timedelta(days=1), zone):
        by_day.setdefault(post["day"], []).append(post)
    return desk.render(
        request,
        "month.html",
        first=first,
        weeks=weeks,
        by_day=by_day,
        zone=desk.profile.audience.timezone,
        previous=(first - timedelta(days=1)).strftime("%Y-%m"),
        next=after.strftime("%Y-%m"),
    )


@guarded("editor")
async def reschedule(request: Request, desk: Desk, form: dict) -> Response:
    """Move a post to a local time in the brand's zone, refused outside the platform's windows."""
    post_id = _post_id(request)
    zone = ZoneInfo(desk.profile.audience.timezone)
    back = f"/calendar?week={form.get('week') or ''}"
    try:
        local = datetime.fromisoformat(str(form.get("at") or ""))
    except ValueError:
        return _back(request, back, f"Post {post_id}: {form.get('at')!r} is not a date and time.")
    at = local_to_utc(local.replace(tzinfo=None), zone)
    if at is None:
        return _back(request, back, f"Post {post_id}: {local:%Y-%m-%d %H:%M} does not exist in {zone.key}.")
    with desk.warehouse.session() as session:
        post = session.get(SocialPost, post_id)
        if post is None or post.brand != desk.profile.slug:
            return _back(request, back, f"post {post_id} does not exist")
        problem = window_problem(desk.profile, post.platform, at)
        if problem:
            return _back(request, back, f"Post {post_id} not moved: {problem}.")
        try:
            reschedule_post(session, post_id, at, by=request.session["user"])
        except ReviewError as exc:
            return _back(request, back, str(exc))
    return _back(request, back, f"Post {post_id} moved to {local:%a %Y-%m-%d %H:%M} ({zone.key}).")


@guarded("editor")
async def retry(request: Request, desk: Desk, form: dict) -> Response:
    """A failed post goes back in the queue now (to review first if its approval no longer holds)."""
    post_id, back = _post_id(request), f"/calendar?week={form.get('week') or ''}"
    try:
        with desk.warehouse.session() as session:
            post = retry_post(session, post_id, datetime.now(UTC))
            state = STATE_LABELS.get(post.state, post.state)
    except ReviewError as exc:
        return _back(request, back, str(exc))
    return _back(request, back, f"Post {post_id} retried: {state}.")


# -- results -----------------------------------------------------------------------------------------
@guarded("viewer")
async def results(request: Request, desk: Desk, form: dict) -> Response:
    """What the engine learned (campaign memory), the newest marketing report, and the Dagster UI."""
    try:
        report = newest_report(desk.reports).name
    except ReportNotFoundError:
        report = None
    dagster = os.environ.get("MARKETING_ENGINE_DAGSTER_URL", "http://127.0.0.1:3000").rstrip("/")
    return desk.render(
        request,
        "results.html",
        findings=learned_findings(desk.warehouse, desk.profile.slug, limit=50),
        report=report,
        runs=_web_link(f"{dagster}/runs"),
    )


@guarded("viewer")
async def report(request: Request, desk: Desk, form: dict) -> Response:
    """The newest report as the engine wrote it (plotly inline), in a CSP sandbox: a unique origin
    that can run the charts but never reach the desk's cookies or forms."""
    try:
        path = newest_report(desk.reports)
    except ReportNotFoundError as exc:
        return PlainTextResponse(str(exc), 404)
    return HTMLResponse(path.read_text(encoding="utf-8"), headers={"content-security-policy": REPORT_CSP})


# -- one-click unsubscribe (RFC 8058) ----------------------------------------------------------------
async def unsubscribe_page(request: Request) -> Response:
    """GET: a confirmation page (link scanners must not unsubscribe anyone); POST with
    `List-Unsubscribe=One-Click`: the address is suppressed, idempotently."""
    desk = _desk(request)
    token = request.query_params.get("t") or ""
    try:
        brand, address = token_address(request.app.state.secret, token)
    except BadToken as exc:
        return desk.render(request, "unsubscribe.html", 400, error=str(exc))
    if request.method == "GET":
        return desk.render(request, "unsubscribe.html", address=address, token=token, done=False)
    form = await request.form()
    if form.get("List-Unsubscribe") != "One-Click":
        return desk.render(request, "unsubscribe.html", 400, error=f"expected the body {ONE_CLICK}")
    with desk.warehouse.session() as session:
        unsubscribe(session, brand, address, datetime.now(UTC), "one-click")
    return desk.render(request, "unsubscribe.html", address=address, done=True)


# -- the app -----------------------------------------------------------------------------------------
class SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every response that does not set its own (the sandboxed report)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def sending(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [
                    (k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in present
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


def create_app(
    warehouse: Warehouse,
    profile: BrandProfile,
    secret: str,
    *,
    https_only: bool = False,
    logins: RateLimit | None = None,
    reports: Path | None = None,
) -> Starlette:
    """The desk over `warehouse` for `profile`'s brand; `secret` signs sessions and unsubscribe tokens."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    routes = [
        Route("/", home),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/review", review),
        Route("/review/{post_id:int}/approve", approve, methods=["POST"]),
        Route("/review/{post_id:int}/reject", reject, methods=["POST"]),
        Route("/review/{post_id:int}/edit", edit, methods=["POST"]),
        Route("/calendar", calendar),
        Route("/results", results),
        Route("/results/report", report),
        Route("/calendar/{post_id:int}/reschedule", reschedule, methods=["POST"]),
        Route("/calendar/{post_id:int}/retry", retry, methods=["POST"]),
        Route("/unsubscribe", unsubscribe_page, methods=["GET", "POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=secret,
            session_cookie="desk_session",
            max_age=SESSION_HOURS * 3600,
            same_site="strict",
            https_only=https_only,
        ),
    ]
    app = Starlette(routes=routes, middleware=middleware)
    evidence = Evidence(profile, brand_evidence(profile))
    templates = Jinja2Templates(env=environment)
    reports = reports or engine_home() / "reports"
    app.state.desk = Desk(warehouse, profile, templates, logins or RateLimit(), evidence, reports)
    app.state.secret = secret
    return app
