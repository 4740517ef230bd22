"""The console's Updates pages: upload a signed flow bundle (its verification and lint shown), start a
staged rollout with it, watch its waves and each terminal's version, pause, resume, withdraw; see what
terminals refused and why.

Every change calls the functions the REST API calls (``backoffice.publishing``, ``backoffice.rollouts``):
the console is a second door, never a second implementation. Reading is for every console role; changing
is for ``publisher`` (and admin), as ``POST /api/v1/operator/bundles`` is — another role gets the refusal
page with 403. Every POST checks the CSRF token and leaves an audit row (who, what, outcome).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from backoffice import audit, publishing, rollouts
from backoffice.console import auth, updates_data, web
from backoffice.errors import ApiError
from backoffice.schemas import BundleIn, RolloutPlan
from backoffice.terminal_auth import CONSOLE_BUNDLE_UPLOAD
from wire.limits import MAX_BUNDLE_BYTES

router = APIRouter(prefix=f"{web.PREFIX}/updates", include_in_schema=False)
PUBLISHERS = ("publisher",)  # as the API's Publisher dependency (backoffice.operator_auth)
UPLOAD_PATH = CONSOLE_BUNDLE_UPLOAD  # its request body may be a bundle's size (backoffice.terminal_auth)
NOT_INSPECTED = ("bundle.no_file", "bundle.too_large", "bundle.form")
Group = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
Version = Annotated[int, Path(ge=1, le=2**62)]


def _audit(ctx: web.Ctx, action: str, outcome: str, detail: dict[str, Any]) -> None:
    with ctx.bo.sessions.begin() as session:
        audit.record(
            session,
            ctx.bo.clock(),
            actor_kind="operator",
            actor=ctx.actor.name,
            action=f"console.{action}",
            outcome=outcome[:64],
            detail=detail,
        )


@router.get("", response_class=HTMLResponse)
def updates_page(request: Request) -> Response:
    ctx = web.context(request, web.READERS)
    data = updates_data.overview(ctx.bo)
    may_act = auth.allowed(ctx.actor, PUBLISHERS)
    return web.render(
        request, "updates.html", ctx=ctx, data=data, may_act=may_act, max_mib=MAX_BUNDLE_BYTES >> 20
    )


def plan_of(form: dict[str, str]) -> RolloutPlan | None:
    """The staged-rollout plan the form describes, as the API takes it (``RolloutPlan``); None: every
    terminal of the group at once. ValidationError for what the API would refuse."""
    if form.get("staged") != "on":
        return None
    waves = [w for w in re.split(r"[\s,，]+", form.get("waves", "")) if w]
    plan: dict[str, Any] = {
        "canary": [c for c in re.split(r"[\s,，]+", form.get("canary", "")) if c],
        "waves": waves or [100],
    }
    if form.get("min_cases", "").strip():
        plan["min_cases"] = form["min_cases"].strip()  # the model converts and bounds it
    for name, key, scale in (
        ("soak_seconds", "soak_minutes", 60),
        ("max_failed_rise", "max_failed_rise_percent", 0.01),
    ):
        text = form.get(key, "").strip()
        if text:
            try:
                plan[name] = (
                    float(text) * scale
                )  # the form speaks minutes and percent, the plan seconds and shares
            except ValueError:
                plan[name] = text  # the model's refusal names the field
    return RolloutPlan.model_validate(plan)


@router.post(UPLOAD_PATH.removeprefix(f"{web.PREFIX}/updates"), response_class=HTMLResponse)
async def upload(request: Request) -> Response:
    """A bundle file from the form, published as ``POST /api/v1/operator/bundles`` publishes one; the
    answer page shows its verification and lint result, or why it was refused (the terminal's reason)."""
    ctx = await run_in_threadpool(web.context, request, PUBLISHERS)
    form = await request.form(max_files=1, max_fields=20)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if not auth.check_csrf(ctx.token, fields, request):
        raise web.CsrfRefused()
    upload_file = form.get("bundle")
    content = await upload_file.read(MAX_BUNDLE_BYTES + 1) if isinstance(upload_file, UploadFile) else b""
    return await run_in_threadpool(_publish, ctx, fields, content)


def _publish(ctx: web.Ctx, fields: dict[str, str], content: bytes) -> Response:
    group, version_text = fields.get("group", "").strip(), fields.get("version", "").strip()
    detail: dict[str, Any] = {"group": group[:64], "version": version_text[:20], "bytes": len(content)}
    values: dict[str, Any] = {"group": group, "version": version_text, "note": fields.get("note", "")}
    try:
        if not content:
            raise ApiError(422, "bundle.no_file", "no bundle file chosen")
        if len(content) > MAX_BUNDLE_BYTES:
            raise ApiError(422, "bundle.too_large", "bundle too large")
        try:
            plan = plan_of(fields)
            # the API's own model: the same group pattern, version range and note length
            body = BundleIn.model_validate({**values, "content_b64": "", "rollout": plan})
        except ValidationError as exc:
            where = ".".join(str(p) for p in exc.errors()[0]["loc"])
            raise ApiError(422, "bundle.form", f"{where}: {exc.errors()[0]['msg']}"[:300]) from None
        meta, inspection = publishing.publish(
            ctx.bo, body.group, body.version, content, body.note, body.rollout
        )
    except ApiError as exc:
        _audit(ctx, "bundle.publish", exc.code, detail)
        shown = exc.code.startswith("bundle.") and exc.code not in NOT_INSPECTED  # what was found, where
        return web.render(
            ctx.request,
            "updates_result.html",
            code=exc.status_code,
            ctx=ctx,
            error=exc.code,
            message=str(exc.detail),
            inspection=publishing.inspect(ctx.bo, group, content) if shown else None,
            group=group,
            version=version_text,
        )
    _audit(ctx, "bundle.publish", "ok", {**detail, "sha256": meta.sha256, "rollout": plan is not None})
    return web.render(
        ctx.request,
        "updates_result.html",
        code=201,
        ctx=ctx,
        meta=meta,
        inspection=inspection,
        group=meta.group,
        version=meta.version,
        rollout=rollouts.current(ctx.bo, meta.group) if plan is not None else None,
    )


@router.get("/group/{group}", response_class=HTMLResponse)
def group_page(request: Request, group: Group, page: Annotated[int, Query(ge=0, le=10_000)] = 0) -> Response:
    ctx = web.context(request, web.READERS)
    data = updates_data.group_view(ctx.bo, ctx.config, group, page)
    may_act = auth.allowed(ctx.actor, PUBLISHERS)
    return web.render(request, "updates_group.html", ctx=ctx, data=data, page=page, may_act=may_act)


@router.get("/group/{group}/rows", response_class=HTMLResponse)
def group_rows(request: Request, group: Group, page: Annotated[int, Query(ge=0, le=10_000)] = 0) -> Response:
    """The rollout and its terminals alone, for htmx polling: the page follows the waves without reloading."""
    ctx = web.context(request, web.READERS)
    data = updates_data.group_view(ctx.bo, ctx.config, group, page)
    may_act = auth.allowed(ctx.actor, PUBLISHERS)
    return web.render(request, "updates_group_rows.html", ctx=ctx, data=data, page=page, may_act=may_act)


@router.get("/group/{group}/bundles/{version}", response_class=HTMLResponse)
def bundle_page(request: Request, group: Group, version: Version) -> Response:
    """A published bundle checked again now, as a terminal would check it today (expiry, root keys)."""
    ctx = web.context(request, web.READERS)
    content = publishing.content_of(ctx.bo, group, version)
    if content is None:
        return web.render(request, "refused.html", code=404, ctx=ctx, message="none")
    meta = next(m for m in publishing.bundles(ctx.bo, group) if m.version == version)
    inspection = publishing.inspect(ctx.bo, group, content)
    return web.render(
        request,
        "updates_result.html",
        ctx=ctx,
        meta=meta,
        inspection=inspection,
        group=group,
        version=version,
        again=True,
    )


@router.post("/group/{group}/{action}")
async def rollout_action(request: Request, group: Group, action: str) -> Response:
    """Pause or resume the group's rollout (``rollouts.change``, as the API)."""
    ctx = await run_in_threadpool(web.context, request, PUBLISHERS)
    await web.form_of(request, ctx)
    if action not in ("pause", "resume"):
        return Response("unknown action", status_code=404)
    return await run_in_threadpool(
        _act, ctx, group, f"rollout.{action}", lambda: rollouts.change(ctx.bo, group, action)
    )


@router.post("/group/{group}/bundles/{version}/withdraw")
async def withdraw(request: Request, group: Group, version: Version) -> Response:
    """Withdraw a version (``publishing.withdraw``, as the API): its terminals go back to the one before."""
    ctx = await run_in_threadpool(web.context, request, PUBLISHERS)
    await web.form_of(request, ctx)
    return await run_in_threadpool(
        _act, ctx, group, "bundle.withdraw", lambda: publishing.withdraw(ctx.bo, group, version), version
    )


def _act(
    ctx: web.Ctx, group: str, action: str, change: Callable[[], object], version: int | None = None
) -> Response:
    """Run one change as the operator, audited either way: back to the group's page, or the refusal page
    with the API's code and status (404 no rollout, 409 not in a state for this)."""
    detail = {"group": group, **({"version": version} if version is not None else {})}
    try:
        change()
    except ApiError as exc:
        _audit(ctx, action, exc.code, detail)
        return web.render(
            ctx.request, "refused.html", code=exc.status_code, ctx=ctx, message=f"error.{exc.code}"
        )
    _audit(ctx, action, "ok", detail)
    return RedirectResponse(f"{web.PREFIX}/updates/group/{group}", status_code=303)
