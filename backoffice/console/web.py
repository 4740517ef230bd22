"""The console's page plumbing: Jinja2 templates, the per-request context (operator, language, CSRF),
role checks, and the answers for "log in first" (303 to the login page) and "refused" (403 page).

Pages are rendered on the server; the only scripts are the vendored htmx (fragments, polling) and
ECharts (charts), both served from ``/console/static`` — nothing is fetched from another host.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from backoffice import audit
from backoffice.console import auth
from backoffice.console.config import ConsoleConfig
from backoffice.console.i18n import LANGUAGES, translator
from backoffice.operator_auth import Actor
from backoffice.state import Backoffice

# A row id in a URL: bounded, so a huge number is a 422, not an integer overflow in the database
RowId = Annotated[int, PathParam(ge=1, le=2**62)]

HERE = Path(__file__).parent
PREFIX = "/console"
ENV = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))

# who may see or do what (admin always may)
READERS = ("publisher", "rating_supervisor", "auditor", "viewer")
ALERT_HANDLERS = ("publisher",)
RATINGS = ("rating_supervisor",)
AUDITORS = ("auditor",)


@dataclass
class Ctx:
    request: Request
    bo: Backoffice
    config: ConsoleConfig
    actor: Actor
    token: str
    lang: str

    def stamp(self, at: float | None, seconds: bool = True) -> str:
        """A local (Beijing) time for a page; '-' for none."""
        if at is None:
            return "-"
        fmt = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
        return dt.datetime.fromtimestamp(at, self.config.tz).strftime(fmt)


def language(request: Request) -> str:
    lang = request.cookies.get("lang", "zh")
    return lang if lang in LANGUAGES else "zh"


def config_of(request: Request) -> ConsoleConfig:
    return request.app.state.console


def context(request: Request, roles: tuple[str, ...]) -> Ctx:
    """The operator behind this request, if their role is one of ``roles`` (LoginRequired / Refused)."""
    bo: Backoffice = request.app.state.backoffice
    config = config_of(request)
    actor, token = auth.current(request, bo, config.session_idle_seconds)
    ctx = Ctx(request, bo, config, actor, token, language(request))
    if not auth.allowed(actor, roles):
        with bo.sessions.begin() as session:  # a refusal is an operator action too
            audit.record(
                session,
                bo.clock(),
                actor_kind="operator",
                actor=actor.name,
                action=f"{request.method} {request.url.path}"[:64],
                outcome="refused.role",
            )
        raise auth.Refused(actor)
    return ctx


def render(
    request: Request, template: str, code: int = 200, ctx: Ctx | None = None, **values: Any
) -> HTMLResponse:
    lang = ctx.lang if ctx is not None else language(request)
    actor = ctx.actor if ctx is not None else None
    nav = []
    if actor is not None:
        nav = [(key, path) for key, path, roles in NAV if auth.allowed(actor, roles)]
    html = ENV.get_template(template).render(
        t=translator(lang),
        lang=lang,
        actor=actor,
        nav=nav,
        prefix=PREFIX,
        path=request.url.path,
        csrf=auth.csrf_token(ctx.token) if ctx is not None else "",
        ctx=ctx,
        **values,
    )
    return HTMLResponse(
        html,
        status_code=code,
        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Content-Security-Policy": CSP},
    )


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'"
)
NAV = [
    ("nav.fleet", "/fleet", READERS),
    ("nav.alerts", "/alerts", READERS),
    ("nav.volume", "/volume", READERS),
    ("nav.ratings", "/ratings", RATINGS),
    ("nav.rectify", "/rectifications", RATINGS),
    ("nav.updates", "/updates", READERS),
    ("nav.audit", "/audit", AUDITORS),
]


async def form_of(request: Request, ctx: Ctx) -> dict[str, str]:
    """The POSTed form, after its CSRF token is checked (Refused as 403 when it is missing or wrong)."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    if not auth.check_csrf(ctx.token, form, request):
        raise CsrfRefused()
    return form


class CsrfRefused(Exception):
    """A POST without the session's CSRF token."""


def too_large_page(scope: dict[str, Any]) -> HTMLResponse:
    """The console's page for a request body over its limit (``terminal_auth.RequestGuard`` answers it before
    reading the body, so before any session is looked at): a browser showed the API's raw JSON 413."""
    answer = render(Request(scope), "refused.html", code=413, message="upload.too_large")
    answer.headers["connection"] = "close"  # the rest of the body is not read
    return answer


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(auth.LoginRequired)
    async def _login(request: Request, exc: auth.LoginRequired) -> Response:
        if request.method != "GET" or request.headers.get("hx-request"):
            return Response("login required", status_code=401, headers={"HX-Redirect": f"{PREFIX}/login"})
        target = f"{PREFIX}/login" + ("?expired=1" if exc.expired else "")
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(auth.Refused)
    async def _refused(request: Request, exc: auth.Refused) -> Response:
        bo: Backoffice = request.app.state.backoffice
        token = request.cookies.get(auth.COOKIE, "")
        ctx = Ctx(request, bo, config_of(request), exc.actor, token, language(request))
        return render(request, "refused.html", code=403, ctx=ctx)

    @app.exception_handler(CsrfRefused)
    async def _csrf(_request: Request, _exc: CsrfRefused) -> Response:
        return Response("CSRF token missing or wrong", status_code=403)
