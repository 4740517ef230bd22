"""The console's pages: login, language, fleet (with its htmx-polled table), one terminal, alerts.

Every page and action goes through ``web.context(request, ROLES)``: no session → the login page, a role
not admitted → the refusal page with status 403; every POST checks the CSRF token (``web.form_of``).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backoffice.console import alerts, auth, fleet, remote, web
from backoffice.console.i18n import LANGUAGES
from backoffice.errors import ApiError
from backoffice.operator_auth import OP_ERRORS, Actor, login, operator_with
from backoffice.state import State

router = APIRouter(prefix=web.PREFIX, include_in_schema=False)
api = APIRouter(prefix="/api/v1/operator")
Page = Annotated[int, Query(ge=0, le=10_000)]
AlertHandler = Annotated[Actor, operator_with(*web.ALERT_HANDLERS)]


@router.get("/", response_class=HTMLResponse)
def index() -> Response:
    return RedirectResponse(f"{web.PREFIX}/fleet", status_code=303)


LOGIN_CSRF = "console_login_csrf"


def _login_form(request: Request, code: int = 200, *, error: str = "", name: str = "") -> Response:
    """The login page with a fresh double-submit token (cookie + form field): another site cannot log a
    browser in under an account of its choosing."""
    token = secrets.token_urlsafe(24)
    answer = web.render(request, "login.html", code=code, login_csrf=token, error=error, name=name)
    answer.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="strict", path=web.PREFIX, max_age=3600)
    return answer


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, expired: int = 0) -> Response:
    return _login_form(request, error="login.expired" if expired else "")


@router.post("/login", response_class=HTMLResponse)
async def login_post(request: Request) -> Response:
    form = await request.form()
    expected = request.cookies.get(LOGIN_CSRF, "")
    if not expected or not secrets.compare_digest(expected, str(form.get("csrf", ""))):
        return _login_form(request, code=403, error="login.failed")
    name, password = str(form.get("name", ""))[:64], str(form.get("password", ""))[:256]
    bo, config = request.app.state.backoffice, web.config_of(request)
    client = request.client.host if request.client else "?"
    try:
        token, _actor, _ = await run_in_threadpool(login, bo, name, password, client)
    except ApiError as exc:
        key = {429: "login.rate"}.get(
            exc.status_code, "login.failed"
        )  # a locked account: as a wrong password
        return _login_form(request, code=exc.status_code, error=key, name=name)
    await run_in_threadpool(auth.start, bo, token, config.session_idle_seconds)
    answer = RedirectResponse(f"{web.PREFIX}/fleet", status_code=303)
    answer.set_cookie(
        auth.COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path=web.PREFIX,
        secure=request.url.scheme == "https",
    )
    answer.delete_cookie(LOGIN_CSRF, path=web.PREFIX)
    return answer


@router.post("/logout")
async def logout(request: Request) -> Response:
    ctx = await run_in_threadpool(web.context, request, web.READERS + ("admin",))
    await web.form_of(request, ctx)
    await run_in_threadpool(auth.end, ctx.bo, ctx.token)
    answer = RedirectResponse(f"{web.PREFIX}/login", status_code=303)
    answer.delete_cookie(auth.COOKIE, path=web.PREFIX)
    return answer


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str) -> Response:
    back = request.headers.get("referer", "")
    target = (
        back if back.startswith(str(request.base_url).rstrip("/") + web.PREFIX) else f"{web.PREFIX}/fleet"
    )
    answer = RedirectResponse(target, status_code=303)
    answer.set_cookie("lang", lang if lang in LANGUAGES else "zh", samesite="strict", path=web.PREFIX)
    return answer


@router.get("/fleet", response_class=HTMLResponse)
def fleet_page(
    request: Request,
    group: Annotated[str, Query(max_length=64)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
    page: Page = 0,
) -> Response:
    ctx = web.context(request, web.READERS)
    alerts.sweep(ctx.bo, ctx.config)
    data = fleet.terminals(ctx.bo, ctx.config, group=group, status=status, offset=page * fleet.PAGE)
    return web.render(
        request,
        "fleet.html",
        ctx=ctx,
        data=data,
        group=group,
        status=status,
        page=page,
        statuses=fleet.STATUSES,
    )


@router.get("/fleet/rows", response_class=HTMLResponse)
def fleet_rows(
    request: Request,
    group: Annotated[str, Query(max_length=64)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
    page: Page = 0,
) -> Response:
    """The table alone, for htmx polling: the fleet page refreshes without reloading."""
    ctx = web.context(request, web.READERS)
    alerts.sweep(ctx.bo, ctx.config)
    data = fleet.terminals(ctx.bo, ctx.config, group=group, status=status, offset=page * fleet.PAGE)
    return web.render(request, "fleet_rows.html", ctx=ctx, data=data, group=group, status=status, page=page)


@router.get("/terminals/{terminal_id}", response_class=HTMLResponse)
def terminal_page(
    request: Request,
    terminal_id: str,
    queued: Annotated[str, Query(max_length=32)] = "",
    saved: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    ctx = web.context(request, web.READERS)
    data = fleet.terminal(ctx.bo, ctx.config, terminal_id[:64])
    if data is None:
        return web.render(request, "refused.html", code=404, ctx=ctx, message="none")
    extra = remote.panel(ctx, data["id"])  # remote operations and standing values (backoffice.console.remote)
    return web.render(
        request, "terminal.html", ctx=ctx, term=data, request_queued=queued, request_saved=saved, **extra
    )


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, status: Annotated[str, Query(max_length=16)] = "unresolved") -> Response:
    ctx = web.context(request, web.READERS)
    alerts.sweep(ctx.bo, ctx.config)
    rows = alerts.listing(ctx.bo, status)
    may_act = auth.allowed(ctx.actor, web.ALERT_HANDLERS)
    return web.render(request, "alerts.html", ctx=ctx, rows=rows, status=status, may_act=may_act)


@router.post("/alerts/{alert_id}/{action}")
async def alert_action(request: Request, alert_id: web.RowId, action: str) -> Response:
    """Acknowledge or resolve; a role that may not gets 403 (the page shows the refusal)."""
    ctx = await run_in_threadpool(web.context, request, web.ALERT_HANDLERS)
    await web.form_of(request, ctx)
    if action not in ("ack", "resolve"):
        return Response("unknown action", status_code=404)
    done = await run_in_threadpool(alerts.act, ctx.bo, alert_id, action, ctx.actor.name)
    if not done:
        return Response("alert not in a state for this", status_code=409)
    return RedirectResponse(f"{web.PREFIX}/alerts", status_code=303)


@api.post(
    "/alerts/{alert_id}/{action}", responses={**OP_ERRORS, 409: {"description": "not in a state for this"}}
)
def alert_action_api(
    alert_id: web.RowId,
    action: Annotated[str, Path(pattern="^(ack|resolve)$")],
    bo: State,
    actor: AlertHandler,
) -> dict[str, Any]:
    """Acknowledge or resolve an alert (publisher or admin), as the console's buttons do."""
    if not alerts.act(bo, alert_id, action, actor.name):
        raise ApiError(409, "alert.state", "the alert is not in a state for this")
    return {"id": alert_id, "action": action, "by": actor.name}
