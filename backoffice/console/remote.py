"""The console's remote operations: buttons and forms on a terminal's page and on a group's page, the list
of commands with their state (polled by htmx until acknowledged), and the screenshots terminals uploaded.

The queue is ``backoffice.remote_commands`` (the same as the API's). Every page admits the readers; issuing
admits ``remote_commands.OPERATORS`` (a new PIN: admin alone) — another role sees why in the page and gets
the 403 refusal page if it posts anyway. Every POST checks the CSRF token; the queue audits the command.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from backoffice import remote_commands
from backoffice.console import auth, web
from backoffice.errors import ApiError
from backoffice.models import Terminal
from backoffice.schemas import ID_PATTERN
from wire import commands as c

router = APIRouter(prefix=web.PREFIX, include_in_schema=False)
TerminalId = Annotated[str, Path(pattern=ID_PATTERN)]
BUTTONS = (c.MAINTENANCE_ON, c.MAINTENANCE_OFF, c.RESTART, c.SCREENSHOT)  # commands without arguments


def panel(ctx: web.Ctx, terminal_id: str) -> dict[str, Any]:
    """What a terminal's page needs for its remote-operations section (``remote_panel.html``)."""
    with ctx.bo.sessions() as session:
        heartbeat = session.scalar(select(Terminal.heartbeat).where(Terminal.id == terminal_id)) or {}
    return {
        "remote": remote_commands.listing(ctx.bo, terminal_id=terminal_id),
        "may_command": auth.allowed(ctx.actor, remote_commands.OPERATORS),
        "may_pin": auth.allowed(ctx.actor, ()),
        "maintenance": heartbeat.get("maintenance"),
        "buttons": BUTTONS,
        "locales": c.LOCALES,
    }


def _args(kind: str, form: dict[str, str]) -> dict[str, Any]:
    """A command's arguments from the page's form (checked again by the queue: ``wire.commands``)."""
    if kind == c.ANNOUNCEMENT:
        return {"text": form.get("text", "").strip()}
    if kind == c.MAINTENANCE_PIN:
        return {"pin": form.get("pin", "").strip()}
    if kind != c.SETTINGS:
        return {}
    args: dict[str, Any] = {}
    for key in c.SETTING_RANGES:
        value = form.get(key, "").strip()
        if value:
            try:
                args[key] = float(value)
            except ValueError:
                raise ApiError(422, "command.invalid", f"{key} must be a number") from None
    if form.get("locale") in c.LOCALES:
        args["locale"] = form["locale"]
    if form.get("paused_apply"):
        text = form.get("paused_services", "").replace("，", ",")
        args["paused_services"] = [s.strip() for s in text.replace("\n", ",").split(",") if s.strip()]
    return args


async def _issue(request: Request, back: str, **target: str) -> Response:
    form_kind = (await request.form()).get("kind", "")
    kind = form_kind if isinstance(form_kind, str) else ""
    roles = () if kind == c.MAINTENANCE_PIN else remote_commands.OPERATORS
    ctx = await run_in_threadpool(web.context, request, roles)
    form = await web.form_of(request, ctx)
    try:
        await run_in_threadpool(
            remote_commands.enqueue, ctx.bo, ctx.actor.name, kind, _args(kind, form), **target
        )
    except ApiError as exc:
        message = f"{exc.code}: {exc.detail}"
        return web.render(
            request, "remote_error.html", code=exc.status_code, ctx=ctx, message=message, back=back
        )
    return RedirectResponse(f"{web.PREFIX}{back}?queued={kind}#remote", status_code=303)


@router.post("/terminals/{terminal_id}/commands")
async def terminal_command(request: Request, terminal_id: TerminalId) -> Response:
    return await _issue(request, f"/terminals/{terminal_id}", terminal_id=terminal_id)


@router.post("/groups/{group}/commands")
async def group_command(request: Request, group: TerminalId) -> Response:
    return await _issue(request, f"/groups/{group}/remote", group=group)


@router.get("/terminals/{terminal_id}/commands", response_class=HTMLResponse)
def terminal_commands(request: Request, terminal_id: TerminalId) -> Response:
    """The command list alone, for htmx polling: an acknowledgement appears without a reload."""
    ctx = web.context(request, web.READERS)
    rows = remote_commands.listing(ctx.bo, terminal_id=terminal_id)
    return web.render(request, "remote_rows.html", ctx=ctx, remote=rows, show_terminal=False)


@router.get("/groups/{group}/remote", response_class=HTMLResponse)
def group_page(request: Request, group: TerminalId) -> Response:
    ctx = web.context(request, web.READERS)
    with ctx.bo.sessions() as session:
        terminals = list(
            session.scalars(
                select(Terminal.id)
                .where(Terminal.group == group, Terminal.status == "active")
                .order_by(Terminal.id)
                .limit(1000)
            )
        )
    return web.render(
        request,
        "remote_group.html",
        ctx=ctx,
        group=group,
        terminals=terminals,
        remote=remote_commands.listing(ctx.bo, group=group, limit=200),
        may_command=auth.allowed(ctx.actor, remote_commands.OPERATORS),
        may_pin=auth.allowed(ctx.actor, ()),
        buttons=BUTTONS,
        locales=c.LOCALES,
        show_terminal=True,
    )


@router.get("/groups/{group}/commands", response_class=HTMLResponse)
def group_commands(request: Request, group: TerminalId) -> Response:
    ctx = web.context(request, web.READERS)
    rows = remote_commands.listing(ctx.bo, group=group, limit=200)
    return web.render(request, "remote_rows.html", ctx=ctx, remote=rows, show_terminal=True)


@router.get("/commands/{command_id}/screenshot.png")
def screenshot(
    request: Request, command_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
) -> Response:
    ctx = web.context(request, web.READERS)
    found = remote_commands.screenshot_png(ctx.bo, command_id)
    if found is None:
        return Response("no screenshot (yet)", status_code=404)
    return Response(found[0], media_type="image/png", headers={"Cache-Control": "no-store"})
