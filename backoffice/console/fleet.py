"""The fleet as operators see it: each terminal's status (online / stale / offline, from its heartbeat
age against the configured interval), device states, queue depth, active bundle, last case and clock
offset; one terminal's device events, heartbeat timeline and cases.

Status is computed here, on the server, from ``Terminal.last_heartbeat_at`` and ``ConsoleConfig`` —
the filters by status become ranges of that column, so they run in the database at any fleet size.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from backoffice.console.alerts import device_kind
from backoffice.console.config import ConsoleConfig
from backoffice.models import Case, DeviceEvent, HeartbeatHistory, Terminal
from backoffice.state import Backoffice

STATUSES = ("online", "stale", "offline")
PAGE = 200  # terminals on one page of the fleet view


def _status_filter(stmt: Select, status: str, config: ConsoleConfig, now: float) -> Select:
    stale = now - config.stale_after * config.heartbeat_interval
    offline = now - config.offline_after * config.heartbeat_interval
    if status == "online":
        return stmt.where(Terminal.last_heartbeat_at >= stale)
    if status == "stale":
        return stmt.where(Terminal.last_heartbeat_at < stale, Terminal.last_heartbeat_at >= offline)
    if status == "offline":
        return stmt.where((Terminal.last_heartbeat_at < offline) | Terminal.last_heartbeat_at.is_(None))
    return stmt


def device_summary(heartbeat: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Each device of the last heartbeat with a severity for the page: ok, warn (paper near end) or bad."""
    out = []
    for device in (heartbeat or {}).get("devices", []) or []:
        state, reason = device.get("state", ""), device.get("reason") or ""
        if state in ("online", "busy") and "near_end" not in reason:
            level = "ok"
        elif state in ("online", "busy"):
            level = "warn"
        else:
            level = "bad"
        out.append(
            {
                "device": device.get("device", "?"),
                "state": state,
                "reason": reason,
                "level": level,
                "kind": device_kind(device),
            }
        )
    return out


def terminals(
    bo: Backoffice, config: ConsoleConfig, *, group: str = "", status: str = "", offset: int = 0
) -> dict[str, Any]:
    """One page of the fleet (newest heartbeat first), the totals per status and the groups."""
    now = bo.clock()
    stmt = select(Terminal).where(Terminal.status == "active")
    if group:
        stmt = stmt.where(Terminal.group == group)
    counts = {}
    with bo.sessions() as session:
        for name in STATUSES:
            counted = _status_filter(
                select(func.count()).select_from(Terminal).where(Terminal.status == "active"),
                name,
                config,
                now,
            )
            if group:
                counted = counted.where(Terminal.group == group)
            counts[name] = session.scalar(counted) or 0
        groups = sorted(g for g in session.scalars(select(Terminal.group).distinct()) if g)
        rows = session.scalars(
            _status_filter(stmt, status, config, now)
            .order_by(Terminal.last_heartbeat_at.desc().nulls_last(), Terminal.id)
            .limit(PAGE)
            .offset(offset)
        ).all()
        ids = [r.id for r in rows]
        last_cases: dict[str, tuple[str, float]] = {}
        if ids:
            newest = (
                select(Case.terminal_id, func.max(Case.id).label("id"))
                .where(Case.terminal_id.in_(ids))
                .group_by(Case.terminal_id)
                .subquery()
            )
            for tid, case_no, at in session.execute(
                select(Case.terminal_id, Case.case_no, Case.received_at).join(newest, Case.id == newest.c.id)
            ):
                last_cases[tid] = (case_no, at)
    items = []
    for row in rows:
        hb = row.heartbeat or {}
        items.append(
            {
                "id": row.id,
                "group": row.group,
                "status": config.status(row.last_heartbeat_at, now),
                "last_heartbeat_at": row.last_heartbeat_at,
                "devices": device_summary(hb),
                "queue_depth": hb.get("queue_depth"),
                "bundle_version": hb.get("bundle_version"),
                "software_version": hb.get("software_version", ""),
                "clock_offset": hb.get("clock_offset"),
                "last_case": last_cases.get(row.id),
            }
        )
    shown = counts.get(status, 0) if status in STATUSES else sum(counts.values())
    return {
        "items": items,
        "counts": counts,
        "groups": groups,
        "total": sum(counts.values()),
        "shown": shown,
        "pages": max(1, -(-shown // PAGE)),
    }


def terminal(bo: Backoffice, config: ConsoleConfig, terminal_id: str) -> dict[str, Any] | None:
    """One terminal with its recent device events, heartbeat timeline and cases (newest first)."""
    now = bo.clock()
    with bo.sessions() as session:
        row = session.get(Terminal, terminal_id)
        if row is None:
            return None
        events = session.scalars(
            select(DeviceEvent)
            .where(DeviceEvent.terminal_id == terminal_id)
            .order_by(DeviceEvent.received_at.desc())
            .limit(100)
        ).all()
        beats = session.execute(
            select(HeartbeatHistory.at, HeartbeatHistory.data)
            .where(HeartbeatHistory.terminal_id == terminal_id)
            .order_by(HeartbeatHistory.at.desc())
            .limit(200)
        ).all()
        cases = session.scalars(
            select(Case).where(Case.terminal_id == terminal_id).order_by(Case.id.desc()).limit(50)
        ).all()
    hb = row.heartbeat or {}
    return {
        "id": row.id,
        "group": row.group,
        "state": row.status,
        "status": config.status(row.last_heartbeat_at, now),
        "enrolled_at": row.enrolled_at,
        "last_heartbeat_at": row.last_heartbeat_at,
        "devices": device_summary(hb),
        "queue_depth": hb.get("queue_depth"),
        "bundle_version": hb.get("bundle_version"),
        "software_version": hb.get("software_version", ""),
        "clock_offset": hb.get("clock_offset"),
        "events": [
            {"at": e.received_at, "device": e.device, "state": e.state, "reason": e.reason} for e in events
        ],
        "beats": [
            {
                "at": at,
                "queue_depth": (data or {}).get("queue_depth", 0),
                "gap": (beats[i - 1][0] - at) if i else None,
            }
            for i, (at, data) in enumerate(beats)
        ],
        "cases": [
            {
                "case_no": c.case_no,
                "item_code": c.item_code,
                "service_id": c.service_id,
                "outcome": c.outcome,
                "at": c.finished_at or c.received_at,
            }
            for c in cases
        ],
    }
