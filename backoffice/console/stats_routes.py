"""The console's statistics and follow-up pages: 办件量 (with CSV / Excel export), 好差评, 差评整改 and its
monthly report, and the audit trail for auditors (filter, CSV export)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backoffice import audit
from backoffice.console import rectify, stats, web
from backoffice.console.i18n import translator
from backoffice.console.web import RowId
from backoffice.exports import csv_bytes, xlsx_bytes
from flows.model import text
from flows.ratings import RatingSet, load_rating_set

router = APIRouter(prefix=web.PREFIX, include_in_schema=False)
Text = Annotated[str, Query(max_length=64)]


def _volume(request: Request, start: str, end: str, by: str, period: str) -> tuple[web.Ctx, dict[str, Any]]:
    ctx = web.context(request, web.READERS)
    by = by if by in stats.DIMENSIONS else "period"
    period = period if period in stats.PERIODS else "day"
    lo, hi, first, last = stats.day_range(ctx.config, start, end, ctx.bo.clock())
    table = stats.volume(ctx.bo, ctx.config, lo, hi, by, period)
    outcomes = sorted({o for row in table for o in row["outcomes"]})
    dimension = {"period": ["period"], "service": ["item_code", "service"]}.get(by, [by])
    return ctx, {
        "table": table,
        "outcomes": outcomes,
        "by": by,
        "period": period,
        "start": first,
        "end": last,
        "dimension": dimension,
    }


@router.get("/volume", response_class=HTMLResponse)
def volume_page(
    request: Request, start: Text = "", end: Text = "", by: Text = "period", period: Text = "day"
) -> Response:
    ctx, data = _volume(request, start, end, by, period)
    chart = {
        "type": "bar",
        "x": [" ".join(map(str, r["key"])) for r in data["table"][:60]],
        "series": [
            {"name": o, "data": [r["outcomes"].get(o, 0) for r in data["table"][:60]]}
            for o in data["outcomes"]
        ],
    }
    return web.render(request, "volume.html", ctx=ctx, chart=chart, **data)


@router.get("/volume/export.{fmt}")
def volume_export(
    request: Request, fmt: str, start: Text = "", end: Text = "", by: Text = "period", period: Text = "day"
) -> Response:
    _ctx, data = _volume(request, start, end, by, period)
    rows = stats.rows_for_export(data["table"], data["dimension"], data["outcomes"])
    name = f"cases-{data['by']}-{data['start']}-{data['end']}"
    if fmt == "xlsx":
        return Response(
            xlsx_bytes(rows, "办件量"),
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    return Response(
        csv_bytes(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/ratings", response_class=HTMLResponse)
def ratings_page(
    request: Request, start: Text = "", end: Text = "", by: Text = "service", period: Text = "month"
) -> Response:
    ctx = web.context(request, web.RATINGS)
    rectify.sync(ctx.bo, ctx.config)
    by = by if by in ("period", "service", "terminal") else "service"
    period = period if period in stats.PERIODS else "month"
    lo, hi, first, last = stats.day_range(ctx.config, start, end, ctx.bo.clock())
    head, *table = stats.ratings(ctx.bo, ctx.config, lo, hi, by, period)
    rating_set, lang = load_rating_set(), "en" if ctx.lang == "en" else "zh_CN"
    totals = [sum(r["levels"][i] for r in table) for i in range(5)]
    t = translator(ctx.lang)
    chart = {
        "type": "pie",
        "data": [{"name": t(f"level.{lv}"), "value": n} for lv, n in zip(stats.LEVELS, totals, strict=True)],
    }
    return web.render(
        request,
        "ratings.html",
        ctx=ctx,
        table=table,
        totals=totals,
        chart=chart,
        by=by,
        period=period,
        start=first,
        end=last,
        levels=stats.LEVELS,
        indicators=[(rating_set.label("reason", k, lang), n) for k, n in head["indicators"]],
        scale=[(s["value"], text(s["label"], lang)) for s in rating_set.scale],
        scores=_score_rows(rating_set, head["scores"], lang),
    )


def _score_rows(rating_set: RatingSet, scores: dict[str, dict[int, int]], lang: str) -> list[dict[str, Any]]:
    """One row per indicator of the rating set (整体满意度 is the level table above): counts per score, the
    share rated 满意 (the top score) among those who rated it."""
    top = max((s["value"] for s in rating_set.scale), default=0)
    rows = []
    for indicator in rating_set.indicators:
        counts = scores.get(indicator["id"], {})
        total = sum(counts.values())
        rows.append(
            {
                "id": indicator["id"],
                "label": text(indicator["label"], lang),
                "counts": [counts.get(s["value"], 0) for s in rating_set.scale],
                "total": total,
                "good_rate": round(100.0 * counts.get(top, 0) / total, 1) if total else None,  # "—", not 0 %
            }
        )
    return rows


@router.get("/rectifications", response_class=HTMLResponse)
def rectifications_page(request: Request, status: Text = "") -> Response:
    ctx = web.context(request, web.RATINGS)
    rectify.sync(ctx.bo, ctx.config)
    return web.render(
        request,
        "rectifications.html",
        ctx=ctx,
        rows=rectify.listing(ctx.bo, status),
        status=status,
        now=ctx.bo.clock(),
    )


@router.get("/rectifications/report", response_class=HTMLResponse)
def rectification_report(
    request: Request, month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")] = ""
) -> Response:
    ctx = web.context(request, web.RATINGS)
    rectify.sync(ctx.bo, ctx.config)
    month = month or dt.datetime.fromtimestamp(ctx.bo.clock(), ctx.config.tz).strftime("%Y-%m")
    return web.render(request, "report.html", ctx=ctx, report=rectify.monthly(ctx.bo, ctx.config, month))


@router.get("/rectifications/{case_id}", response_class=HTMLResponse)
def rectification_page(request: Request, case_id: RowId) -> Response:
    ctx = web.context(request, web.RATINGS)
    case, rating, supervisors = rectify.get(ctx.bo, case_id)
    if case is None:
        return web.render(request, "refused.html", code=404, ctx=ctx, message="none")
    return web.render(
        request,
        "rectification.html",
        ctx=ctx,
        case=case,
        rating=rating,
        supervisors=supervisors,
        now=ctx.bo.clock(),
        error=request.query_params.get("error", ""),
    )


@router.post("/rectifications/{case_id}/{action}")
async def rectification_step(request: Request, case_id: RowId, action: str) -> Response:
    ctx = await run_in_threadpool(web.context, request, web.RATINGS)
    form = await web.form_of(request, ctx)
    target = f"{web.PREFIX}/rectifications/{case_id}"
    try:
        await run_in_threadpool(rectify.step, ctx.bo, case_id, action, ctx.actor.name, form)
    except rectify.StepRefused:
        return RedirectResponse(target + "?error=1", status_code=303)
    return RedirectResponse(target, status_code=303)


def _audit_rows(
    request: Request, since: str, until: str, actor: str, action: str, limit: int
) -> tuple[web.Ctx, list[dict[str, Any]], dict[str, str]]:
    ctx = web.context(request, web.AUDITORS)
    lo, hi, first, last = stats.day_range(ctx.config, since, until, ctx.bo.clock())
    with ctx.bo.sessions() as session:
        rows = audit.entries(
            session, since=lo, until=hi, actor=actor or None, limit=limit * 4 if action else limit
        )
    if action:
        rows = [r for r in rows if action in r["action"]][:limit]
    return ctx, rows, {"since": first, "until": last, "actor": actor, "action": action}


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, since: Text = "", until: Text = "", actor: Text = "", action: Text = ""
) -> Response:
    ctx, rows, filters = _audit_rows(request, since, until, actor, action, 500)
    return web.render(request, "audit.html", ctx=ctx, rows=rows[::-1], filters=filters)


@router.get("/audit/export.csv")
def audit_export(
    request: Request, since: Text = "", until: Text = "", actor: Text = "", action: Text = ""
) -> Response:
    ctx, rows, filters = _audit_rows(request, since, until, actor, action, 100_000)
    table: list[list[Any]] = [["id", "at", "actor_kind", "actor", "action", "subject", "service", "outcome"]]
    table += [
        [
            r["id"],
            ctx.stamp(r["at"]),
            r["actor_kind"],
            r["actor"],
            r["action"],
            r["subject"],
            r["service"],
            r["outcome"],
        ]
        for r in rows
    ]
    return Response(
        csv_bytes(table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-{filters["since"]}.csv"'},
    )
