"""差评整改: every 不满意 / 非常不满意 rating opens a rectification case (国办发〔2019〕51号: 差评 are called
back, rectified and the rectification verified), assigned to a rating supervisor, with a deadline of
``rectify_working_days`` working days on the configured calendar.

The life of a case: open → called_back (回访 recorded) → rectified (what was done, its evidence) →
verified (by a supervisor) → closed. Each step is a row in the case's history and in the audit trail.
``sync`` opens cases for new bad ratings (a watermark on the rating id, so it is cheap to run on every
page) and escalates the overdue ones once (督办: an alert). ``monthly`` gives 回访率, 整改率 and 按期整改率
of the cases opened in a month.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from backoffice import audit
from backoffice.console import alerts
from backoffice.console.config import ConsoleConfig
from backoffice.models import Operator, Rating, Rectification
from backoffice.state import Backoffice

STEPS = {  # action: (from statuses, to status)
    "callback": (("open",), "called_back"),
    "rectify": (("called_back",), "rectified"),
    "verify": (("rectified",), "verified"),
    "close": (("verified",), "closed"),
}


class StepRefused(Exception):
    """The case is not in a state for this step (or the step's text is missing)."""


def sync(bo: Backoffice, config: ConsoleConfig) -> int:
    """Open a case for each bad rating not yet followed (up to 1,000) and escalate overdue cases (up to 500):
    how many cases were opened or escalated (0: nothing left to do)."""
    now = bo.clock()
    with bo.sessions() as session:
        mark = session.scalar(select(func.max(Rectification.rating_id))) or 0
        bad = session.scalars(
            select(Rating).where(Rating.id > mark, Rating.level <= 2).order_by(Rating.id).limit(1000)
        ).all()
        supervisors = list(
            session.scalars(
                select(Operator.name).where(Operator.role == "rating_supervisor").order_by(Operator.name)
            )
        )
    rows = [
        dict(
            rating_id=r.id,
            case_no=r.case_no,
            terminal_id=r.terminal_id,
            item_code=r.item_code,
            level=r.level,
            status="open",
            assignee=supervisors[r.id % len(supervisors)] if supervisors else None,
            opened_at=r.received_at,
            due_at=config.deadline(r.received_at),
            callback_note="",
            rectification="",
            evidence="",
            history=[
                {
                    "at": now,
                    "by": "system",
                    "action": "open",
                    "note": supervisors[r.id % len(supervisors)] if supervisors else "",
                }
            ],
        )
        for r in bad
    ]
    opened = 0
    if rows:
        try:  # one transaction for the batch; if another process opened some of them, one at a time
            opened = _open(bo, rows, now)
        except IntegrityError:
            for row in rows:
                try:
                    opened += _open(bo, [row], now)
                except IntegrityError:
                    continue
    return opened + _escalate(bo, config, now)


def _open(bo: Backoffice, rows: list[dict[str, Any]], now: float) -> int:
    with bo.sessions.begin() as session:
        session.execute(insert(Rectification), rows)
        audit.record(
            session,
            now,
            actor_kind="system",
            actor="console",
            action="rectify.open",
            outcome="ok",
            detail={"cases": [r["case_no"] for r in rows[:50]], "count": len(rows)},
        )
    return len(rows)


def _escalate(bo: Backoffice, config: ConsoleConfig, now: float) -> int:
    with bo.sessions.begin() as session:
        overdue = session.scalars(
            select(Rectification)
            .where(
                Rectification.due_at < now,
                Rectification.escalated_at.is_(None),
                Rectification.status.not_in(("verified", "closed")),
            )
            .limit(500)
        ).all()
        for case in overdue:
            case.escalated_at = now
            case.history = [*case.history, {"at": now, "by": "system", "action": "escalate", "note": ""}]
            audit.record(
                session,
                now,
                actor_kind="system",
                actor="console",
                action="rectify.escalate",
                outcome="overdue",
                detail={"case_no": case.case_no},
            )
        escalated = [(c.id, c.case_no, c.terminal_id, c.assignee) for c in overdue]
    for case_id, case_no, terminal_id, assignee in escalated:
        alerts.raise_alert(
            bo,
            config,
            "rectify_overdue",
            terminal_id,
            f"rectify_overdue:{case_id}",
            {"case_no": case_no, "assignee": assignee or ""},
        )
    return len(escalated)


def step(bo: Backoffice, case_id: int, action: str, actor: str, form: dict[str, str]) -> None:
    """One step of a case (``STEPS``, or ``assign``); StepRefused when out of order or incomplete."""
    now = bo.clock()
    note = form.get("note", "").strip()[:2000]
    with bo.sessions.begin() as session:
        case = session.get(Rectification, case_id, with_for_update=True)
        if case is None:
            raise StepRefused("no such case")
        if action == "assign":
            name = form.get("assignee", "").strip()
            operator = session.get(Operator, name)
            if (
                operator is None
                or operator.role not in ("rating_supervisor", "admin")
                or case.status == "closed"
            ):
                raise StepRefused("assign to a rating supervisor")
            case.assignee = name
        elif action in STEPS:
            allowed, target = STEPS[action]
            if case.status not in allowed or (action in ("callback", "rectify") and not note):
                raise StepRefused("out of order")
            case.status = target
            if action == "callback":
                case.callback_at, case.callback_note = now, note
            elif action == "rectify":
                case.rectified_at, case.rectification = now, note
                case.evidence = form.get("evidence", "").strip()[:2000]
            elif action == "verify":
                case.verified_at, case.verified_by = now, actor
            else:
                case.closed_at = now
        else:
            raise StepRefused("unknown step")
        case.history = [
            *case.history,
            {"at": now, "by": actor, "action": action, "note": note or form.get("assignee", "")},
        ]
        audit.record(
            session,
            now,
            actor_kind="operator",
            actor=actor,
            action=f"rectify.{action}",
            outcome="ok",
            detail={"case_no": case.case_no},
        )


def listing(bo: Backoffice, status: str = "", limit: int = 200) -> list[Rectification]:
    stmt = select(Rectification).order_by(Rectification.id.desc()).limit(limit)
    if status == "overdue":
        stmt = stmt.where(Rectification.due_at < bo.clock(), Rectification.status != "closed")
    elif status:
        stmt = stmt.where(Rectification.status == status)
    with bo.sessions() as session:
        return list(session.scalars(stmt))


def get(bo: Backoffice, case_id: int) -> tuple[Rectification | None, Rating | None, list[str]]:
    with bo.sessions() as session:
        case = session.get(Rectification, case_id)
        rating = session.get(Rating, case.rating_id) if case is not None else None
        supervisors = list(session.scalars(select(Operator.name).where(Operator.role == "rating_supervisor")))
    return case, rating, supervisors


def monthly(bo: Backoffice, config: ConsoleConfig, month: str) -> dict[str, Any]:
    """回访率, 整改率, 按期整改率 of the cases opened in ``month`` (YYYY-MM, local time), in percent."""
    first = dt.datetime.strptime(month + "-01", "%Y-%m-%d").replace(tzinfo=config.tz)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    with bo.sessions() as session:
        rows = session.execute(
            select(
                Rectification.callback_at,
                Rectification.rectified_at,
                Rectification.due_at,
                Rectification.status,
            ).where(Rectification.opened_at >= first.timestamp(), Rectification.opened_at < nxt.timestamp())
        ).all()
    total = len(rows)
    called = sum(1 for r in rows if r.callback_at is not None)
    rectified = sum(1 for r in rows if r.rectified_at is not None)
    on_time = sum(1 for r in rows if r.rectified_at is not None and r.rectified_at <= r.due_at)

    def pct(n: int) -> float:
        return round(100.0 * n / total, 1) if total else 0.0

    return {
        "month": month,
        "total": total,
        "called_back": called,
        "rectified": rectified,
        "on_time": on_time,
        "closed": sum(1 for r in rows if r.status == "closed"),
        "callback_rate": pct(called),
        "rectify_rate": pct(rectified),
        "ontime_rate": pct(on_time),
    }
