"""The console's remote operations: buttons and forms on a terminal's page and on a group's page, the list
of commands with their state (polled by htmx until acknowledged), and the screenshots terminals uploaded.

The queue is ``backoffice.remote_commands`` (the same as the API's). The announcement and the settings are not
commands but standing values, on the same pages (``backoffice.console.standing``). Every page admits the readers; issuing
admits ``remote_commands.OPERATORS`` (a new PIN: admin alone) — another role sees why in the page and gets
the 403 refusal page if it posts anyway. Every POST checks the CSRF token; the queue audits the command.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backoffice import remote_commands
from backoffice.console import auth, standing, web
from backoffice.errors import ApiError
from backoffice.schemas import ID_PATTERN
from wire import commands as c

router = APIRouter(prefix=web.PREFIX, include_in_schema=False)
TerminalId = Annotated[str, Path(pattern=ID_PATTERN)]
BUTTONS = (c.MAINTENANCE_ON, c.MAINTENANCE_OFF, c.RESTART, c.SCREENSHOT)  # commands without arguments


def panel(ctx: web.Ctx, terminal_id: str) -> dict[str, Any]:
    """What a terminal's page needs for its remote-operations section (``remote_panel.html``), with its
    standing values (``backoffice.console.standing``)."""
    terminals = standing.terminals_of(ctx, "terminal", terminal_id)
    heartbeat = (terminals[0].heartbeat if terminals else None) or {}
    return {
        **standing.panel(ctx, "terminal", terminal_id, terminals),
        "remote": remote_commands.listing(ctx.bo, terminal_id=terminal_id),
        "may_command": auth.allowed(ctx.actor, remote_commands.OPERATORS),
        "may_pin": auth.allowed(ctx.actor, ()),
        "maintenance": heartbeat.get("maintenance"),
        "buttons": BUTTONS,
    }


def _args(kind: str, form: dict[str, str]) -> dict[str, Any]:
    """A command's arguments from the page's form (checked again by the queue: ``wire.commands``)."""
    if kind == c.MAINTENANCE_PIN:
        return {"pin": form.get("pin", "").strip()}
    return {}


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
    terminals = standing.terminals_of(ctx, "terminal", terminal_id)
    heartbeat = (terminals[0].heartbeat if terminals else None) or {}
    return web.render(  # with the maintenance badge: it follows the terminal's heartbeat without a reload
        request,
        "remote_rows.html",
        ctx=ctx,
        remote=rows,
        show_terminal=False,
        badge=heartbeat.get("maintenance"),
    )


@router.get("/groups/{group}/remote", response_class=HTMLResponse)
def group_page(request: Request, group: TerminalId) -> Response:
    ctx = web.context(request, web.READERS)
    rows = standing.terminals_of(ctx, "group", group)
    return web.render(
        request,
        "remote_group.html",
        ctx=ctx,
        group=group,
        terminals=[t.id for t in rows],
        remote=remote_commands.listing(ctx.bo, group=group, limit=200),
        may_pin=auth.allowed(ctx.actor, ()),
        buttons=BUTTONS,
        show_terminal=True,
        request_saved=request.query_params.get("saved", "")[:32],
        **standing.panel(ctx, "group", group, rows),
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
