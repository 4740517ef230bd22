"""The console's 发布公告 and 下发设置: standing values (``backoffice.standing``) of a terminal or a group, on their
pages — what is in force there, whether each terminal applied it (已生效 only once its heartbeat said so), the
forms that set it and the buttons that clear it or withdraw an announcement.

The forms write through ``backoffice.standing`` (the same checks, the same audit rows as the API's), so a terminal
enrolled into the group later, or one that was offline, gets them too. Every page admits the readers; writing
admits ``remote_commands.OPERATORS`` (publisher, admin); every POST checks the CSRF token.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from backoffice import remote_commands, standing
from backoffice.console import auth, web
from backoffice.errors import ApiError
from backoffice.models import Terminal
from backoffice.schemas import ID_PATTERN, Announcement
from wire import standing as w

router = APIRouter(prefix=web.PREFIX, include_in_schema=False)
Name = Annotated[str, Path(pattern=ID_PATTERN)]
LOCAL = "local"  # a setting set nowhere: the terminal's own configuration file's value


def panel(ctx: web.Ctx, scope: str, name: str, terminals: list[Terminal]) -> dict[str, Any]:
    """What a terminal's or a group's page shows of its standing values (``standing_panel.html``)."""
    settings, now = ctx.bo.settings(), ctx.bo.clock()
    settings = {**settings, **_fresh(ctx, scope, name)}  # what the operator just wrote, not a cached copy
    group = terminals[0].group if scope == "terminal" and terminals else name
    items = [
        {**a, "state": _state(a, now), "scope_text": _scope_text(a)}
        for a in settings.get(standing.ANNOUNCEMENTS, [])
        if isinstance(a, dict)
        and (
            standing.reaches(a, terminals[0])
            if scope == "terminal" and terminals
            else (not a.get("groups") and not a.get("terminals")) or name in (a.get("groups") or [])
        )
    ]
    own = settings.get(standing.config_key(scope, name), {})
    return {
        "standing_scope": scope,
        "standing_name": name,
        "standing_group": group,
        "standing_own": own if isinstance(own, dict) else {},
        "standing_own_problem": w.settings_problem(own),  # a record written before the checks existed
        "standing_effective": _effective(settings, terminals[0]) if scope == "terminal" and terminals else [],
        "standing_items": items,
        "standing_status": [
            {"id": t.id, **standing.status(settings, t, now)} for t in terminals if t.status == "active"
        ],
        "may_command": auth.allowed(ctx.actor, remote_commands.OPERATORS),
        "locales": w.LOCALES,
        "ranges": w.SETTING_RANGES,
    }


def _fresh(ctx: web.Ctx, scope: str, name: str) -> dict[str, Any]:
    """This page's own records read now (the shared settings are cached for a couple of seconds)."""
    fresh: dict[str, Any] = {standing.ANNOUNCEMENTS: standing.announcements(ctx.bo)}
    fresh[standing.config_key(scope, name)] = standing.config_of(ctx.bo, scope, name)
    return fresh


def _effective(settings: dict[str, Any], term: Terminal) -> list[dict[str, Any]]:
    """Each setting as the terminal is handed it and where it comes from (the nearest scope wins)."""
    sources = [("terminal", term.id), ("group", term.group)]
    if term.group != w.DEFAULT_GROUP:
        sources.append(("group", w.DEFAULT_GROUP))
    rows = []
    for key in w.SETTING_KEYS:
        found = next(
            (
                (scope, name, record[key])
                for scope, name in sources
                if isinstance(record := settings.get(standing.config_key(scope, name)), dict)
                and key in record
            ),
            None,
        )
        scope, name, value = found if found is not None else (LOCAL, "", None)
        rows.append({"key": key, "value": value, "scope": scope, "name": name})
    return rows


def _state(item: dict[str, Any], now: float) -> str:
    if item.get("ends") is not None and item["ends"] <= now:
        return "ended"
    return "scheduled" if item.get("starts") is not None and now < item["starts"] else "in_force"


def _scope_text(item: dict[str, Any]) -> str:
    named = [*(item.get("groups") or []), *(item.get("terminals") or [])]
    return ", ".join(named)


def terminals_of(ctx: web.Ctx, scope: str, name: str) -> list[Terminal]:
    """The terminal itself, or the group's active terminals (at most 1000, for the status table)."""
    with ctx.bo.sessions() as session:
        stmt = select(Terminal).order_by(Terminal.id)
        if scope == "terminal":
            return list(session.scalars(stmt.where(Terminal.id == name)))
        return list(
            session.scalars(stmt.where(Terminal.group == name, Terminal.status == "active").limit(1000))
        )


def settings_from(form: dict[str, str]) -> dict[str, Any]:
    """A scope's whole settings record from the form: an empty field is not set at this scope (inherited)."""
    values: dict[str, Any] = {}
    for key in w.SETTING_RANGES:
        value = form.get(key, "").strip()
        if value:
            try:
                number = float(value)
            except ValueError:
                raise ApiError(422, "config.invalid", f"{key} must be a number") from None
            values[key] = int(number) if number.is_integer() else number  # 90, as typed, not 90.0
    if form.get("locale"):
        values["locale"] = form["locale"]
    if form.get("paused_apply"):
        text = form.get("paused_services", "").replace("，", ",").replace("\n", ",")
        values["paused_services"] = [s.strip() for s in text.split(",") if s.strip()]
    return values


def announcement_from(ctx: web.Ctx, form: dict[str, str], scope: str, name: str) -> dict[str, Any]:
    """A new announcement for this terminal or group from the form, checked as the API checks it."""
    text = {lang: form.get(field, "").strip() for lang, field in (("zh_CN", "text"), ("en", "text_en"))}
    try:
        item = Announcement(
            id=standing.new_announcement_id(),
            text={lang: value for lang, value in text.items() if value},
            starts=_moment(ctx, form.get("starts", "")),
            ends=_moment(ctx, form.get("ends", "")),
            groups=[name] if scope == "group" else [],
            terminals=[name] if scope == "terminal" else [],
        )
    except ValidationError as exc:
        problem = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ApiError(422, "announcement.invalid", problem) from None
    return item.model_dump()


def _moment(ctx: web.Ctx, value: str) -> float | None:
    """A ``datetime-local`` field in the console's time zone, as epoch seconds."""
    if not value.strip():
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip())
        return (moment if moment.tzinfo else moment.replace(tzinfo=ctx.config.tz)).timestamp()
    except (ValueError, OverflowError):
        raise ApiError(422, "announcement.invalid", f"not a date and time: {value[:40]!r}") from None


async def _write(request: Request, scope: str, name: str, what: str, act: Any) -> Response:
    """Check the role and the CSRF token, run ``act(ctx, form)``; back to the page, or the reason (422/404)."""
    ctx = await run_in_threadpool(web.context, request, remote_commands.OPERATORS)
    form = await web.form_of(request, ctx)
    back = f"/terminals/{name}" if scope == "terminal" else f"/groups/{name}/remote"
    try:
        await run_in_threadpool(act, ctx, form)
    except ApiError as exc:
        message = f"{exc.code}: {exc.detail}"
        return web.render(
            request,
            "remote_error.html",
            code=exc.status_code,
            ctx=ctx,
            message=message,
            back=back,
            title_key="standing.error",
        )
    return RedirectResponse(f"{web.PREFIX}{back}?saved={what}#standing", status_code=303)


def _settings_action(scope: str, name: str) -> Any:
    def act(ctx: web.Ctx, form: dict[str, str]) -> None:
        values = {} if form.get("action") == "clear" else settings_from(form)
        standing.put_config(ctx.bo, ctx.actor.name, scope, name, values)

    return act


def _announce_action(scope: str, name: str) -> Any:
    def act(ctx: web.Ctx, form: dict[str, str]) -> None:
        standing.put_announcement(ctx.bo, ctx.actor.name, announcement_from(ctx, form, scope, name))

    return act


def _withdraw_action(announcement_id: str) -> Any:
    return lambda ctx, _form: standing.withdraw_announcement(ctx.bo, ctx.actor.name, announcement_id)


@router.post("/terminals/{terminal_id}/standing/settings")
async def terminal_settings(request: Request, terminal_id: Name) -> Response:
    act = _settings_action("terminal", terminal_id)
    return await _write(request, "terminal", terminal_id, "settings", act)


@router.post("/groups/{group}/standing/settings")
async def group_settings(request: Request, group: Name) -> Response:
    return await _write(request, "group", group, "settings", _settings_action("group", group))


@router.post("/terminals/{terminal_id}/standing/announcements")
async def terminal_announcement(request: Request, terminal_id: Name) -> Response:
    act = _announce_action("terminal", terminal_id)
    return await _write(request, "terminal", terminal_id, "announcement", act)


@router.post("/groups/{group}/standing/announcements")
async def group_announcement(request: Request, group: Name) -> Response:
    return await _write(request, "group", group, "announcement", _announce_action("group", group))


@router.post("/terminals/{terminal_id}/standing/announcements/{announcement_id}/withdraw")
async def terminal_withdraw(request: Request, terminal_id: Name, announcement_id: Name) -> Response:
    act = _withdraw_action(announcement_id)
    return await _write(request, "terminal", terminal_id, "withdrawn", act)


@router.post("/groups/{group}/standing/announcements/{announcement_id}/withdraw")
async def group_withdraw(request: Request, group: Name, announcement_id: Name) -> Response:
    return await _write(request, "group", group, "withdrawn", _withdraw_action(announcement_id))


@router.get("/terminals/{terminal_id}/standing", response_class=HTMLResponse)
def terminal_status(request: Request, terminal_id: Name) -> Response:
    """The status table alone, for htmx polling: 待生效 turns 已生效 without a reload once the terminal says so."""
    return _status_fragment(request, "terminal", terminal_id)


@router.get("/groups/{group}/standing", response_class=HTMLResponse)
def group_status(request: Request, group: Name) -> Response:
    return _status_fragment(request, "group", group)


def _status_fragment(request: Request, scope: str, name: str) -> Response:
    ctx = web.context(request, web.READERS)
    data = panel(ctx, scope, name, terminals_of(ctx, scope, name))
    return web.render(request, "standing_status.html", ctx=ctx, **data)
