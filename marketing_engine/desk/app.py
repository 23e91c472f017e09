"""The desk app: its routes (review queue and results in `review`, calendar in `schedule`), the
RFC 8058 one-click unsubscribe, sessions and security headers, put together by `create_app`.

Every page needs a signed-in user (else a redirect to /login); every form posts the session's CSRF
token (else 403); roles decide who edits (editor) and who approves (approver). Only the unsubscribe
routes are open: a mail client posts there, and the signed token is the authority.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from marketing_engine.brand import BrandProfile
from marketing_engine.claims import Evidence
from marketing_engine.desk.auth import RateLimit
from marketing_engine.desk.core import SESSION_HOURS, STATIC, TEMPLATES, Desk, SecurityHeaders, desk_of
from marketing_engine.desk.outbound import video_file
from marketing_engine.desk.pages import approve_page, page_preview, reject_page
from marketing_engine.desk.review import approve, edit, home, login, logout, reject, report, results, review
from marketing_engine.desk.schedule import calendar, reschedule, retry
from marketing_engine.outreach.sequences import unsubscribe
from marketing_engine.outreach.unsubscribe import BadToken, token_address
from marketing_engine.publishing.copy import brand_evidence
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.settings import engine_home
from marketing_engine.warehouse import Warehouse

ONE_CLICK = "List-Unsubscribe=One-Click"


# -- one-click unsubscribe (RFC 8058) ----------------------------------------------------------------
async def unsubscribe_page(request: Request) -> Response:
    """GET: a confirmation page (link scanners must not unsubscribe anyone); POST with
    `List-Unsubscribe=One-Click`: the address is suppressed, idempotently."""
    desk = desk_of(request)
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
def create_app(
    warehouse: Warehouse,
    profile: BrandProfile,
    secret: str,
    *,
    https_only: bool = False,
    logins: RateLimit | None = None,
    reports: Path | None = None,
    media: MediaStoreResource | None = None,
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
        Route("/review/pages/{slug}/preview", page_preview),
        Route("/review/pages/{slug}/approve", approve_page, methods=["POST"]),
        Route("/review/pages/{slug}/reject", reject_page, methods=["POST"]),
        Route("/review/videos/{asset_id:int}", video_file),
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
    media = media or MediaStoreResource()  # the local store under the engine's home unless given
    app.state.desk = Desk(warehouse, profile, templates, logins or RateLimit(), evidence, reports, media)
    app.state.secret = secret
    return app
