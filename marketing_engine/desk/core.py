"""What every desk route shares: the `Desk` (warehouse, brand, templates, login limiter), the
`guarded` wrapper (signed-in user, role, CSRF on every POST), the security headers and small helpers."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from marketing_engine.brand import BrandProfile
from marketing_engine.claims import Evidence
from marketing_engine.desk.auth import RateLimit, csrf_ok, csrf_token, find_user, may
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.warehouse import Warehouse

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
SESSION_HOURS = 8
# No script, style or frame from anywhere but here: an escaped payload stays text even if one slipped.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


@dataclass(frozen=True)
class Desk:
    """What every route reads: the warehouse, the brand, the login limiter and the media store."""

    warehouse: Warehouse
    profile: BrandProfile
    templates: Jinja2Templates
    logins: RateLimit
    evidence: Evidence  # the brand file's facts, for the claims gate on edited text
    reports: Path  # where the marketing reports are written
    media: MediaStoreResource  # where the site build stored each page's HTML

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


def desk_of(request: Request) -> Desk:
    return request.app.state.desk


def guarded(needed: str) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """A route for signed-in users whose role may do `needed`; a POST must carry the CSRF token."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            desk = desk_of(request)
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


def go_back(request: Request, to: str, message: str) -> Response:
    request.session["flash"] = message
    return RedirectResponse(to, status_code=303)


def post_id_of(request: Request) -> int:
    return int(request.path_params["post_id"])


def web_link(url: str | None) -> str | None:
    """The URL when it is an http(s) link; anything else (javascript:, data:) is not linked."""
    return url if url and url.lower().startswith(("https://", "http://")) else None


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
