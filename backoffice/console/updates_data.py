"""What the Updates pages show: the published bundles, the rollouts and their waves, and each terminal's
bundle status as its last heartbeat told it — active, staged, refused (``BundleStatus`` in
``backoffice.schemas``) — beside whether the rollout admits it yet.

Read-only: every change goes through ``backoffice.publishing`` and ``backoffice.rollouts``, the functions
the REST API calls. A terminal's version is what it *reports*, never what it was offered.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from backoffice import publishing, rollouts
from backoffice.console.config import ConsoleConfig
from backoffice.models import Terminal
from backoffice.state import Backoffice

PAGE = 200  # terminals on one page of a group's rollout view
EVENTS_SHOWN = 50


def bundle_status(heartbeat: dict[str, Any] | None) -> dict[str, Any]:
    """Active, staged and refused versions from one heartbeat (an older terminal reports only
    ``bundle_version``: that is its active one)."""
    hb = heartbeat or {}
    status = hb.get("bundles") or {}
    refused = [
        {"version": n.get("version"), "kind": n.get("kind", ""), "reason": n.get("reason", "")}
        for n in status.get("refused") or []
        if isinstance(n, dict)
    ]
    active = status.get("active") if status else hb.get("bundle_version")
    return {"active": active, "staged": list(status.get("staged") or []), "refused": refused[-5:]}


def stages(rollout: dict[str, Any]) -> list[dict[str, Any]]:
    """The rollout's stages for the page: canary (if any), then each wave; which is done, current, to come."""
    names: list[dict[str, Any]] = []
    if rollout.get("canary"):
        names.append({"stage": 0, "label": "canary", "size": len(rollout["canary"])})
    for i, percent in enumerate(rollout.get("waves") or [], start=1):
        names.append({"stage": i, "label": "wave", "size": percent})
    current = int(rollout.get("wave", 0))
    state = rollout.get("state", "")
    for item in names:
        if state == "done" or item["stage"] < current:
            item["at"] = "done"
        elif item["stage"] == current:
            item["at"] = "current"
        else:
            item["at"] = "next"
    return names


def overview(bo: Backoffice) -> dict[str, Any]:
    """Every group's bundles (newest first), the rollouts, and the newest bundle events fleet-wide."""
    by_group: dict[str, list[Any]] = {}
    for meta in publishing.bundles(bo):
        by_group.setdefault(meta.group, []).append(meta)
    for metas in by_group.values():
        metas.reverse()
    return {
        "groups": {g: {"bundles": by_group[g], "latest": bo.latest_bundle(g)} for g in sorted(by_group)},
        "rollouts": {r["group"]: r for r in rollouts.all_rollouts(bo)},
        "events": [_event(e) for e in publishing.bundle_events(bo, limit=EVENTS_SHOWN)],
    }


def _event(event: Any) -> dict[str, Any]:
    try:
        detail = json.loads(event.detail or "{}")
    except ValueError:
        detail = {}
    version = detail.get("version") if isinstance(detail, dict) else None
    return {
        "terminal_id": event.terminal_id,
        "kind": event.kind,
        "reason": event.reason,
        "version": version,
        "at": event.received_at,
    }


def group_view(bo: Backoffice, config: ConsoleConfig, group: str, page: int = 0) -> dict[str, Any]:
    """One group: its rollout and stages, its bundles, one page of its terminals with their bundle status,
    totals over the whole group (admitted, running the rollout's version, refused it), its bundle events."""
    now = bo.clock()
    rollout = rollouts.current(bo, group)
    admitted = set(rollout.get("admitted", ())) if rollout else set()
    version = rollout["version"] if rollout else None
    with bo.sessions() as session:
        rows = session.execute(
            select(Terminal.id, Terminal.heartbeat, Terminal.last_heartbeat_at)
            .where(Terminal.group == group, Terminal.status == "active")
            .order_by(Terminal.id)
        ).all()
    totals = {"terminals": len(rows), "admitted": 0, "running": 0, "refused": 0}
    items = []
    for index, (terminal_id, heartbeat, last) in enumerate(rows):
        status = bundle_status(heartbeat)
        refused = any(r["version"] == version for r in status["refused"]) if version else False
        totals["admitted"] += terminal_id in admitted
        totals["running"] += version is not None and status["active"] == version
        totals["refused"] += refused
        if page * PAGE <= index < (page + 1) * PAGE:
            items.append(
                {
                    "id": terminal_id,
                    "status": config.status(last, now),
                    "last_heartbeat_at": last,
                    "admitted": terminal_id in admitted,
                    "refused_this": refused,
                    **status,
                }
            )
    events = publishing.bundle_events(bo, limit=EVENTS_SHOWN, group=group)
    return {
        "group": group,
        "rollout": rollout,
        "stages": stages(rollout) if rollout else [],
        "bundles": list(reversed(publishing.bundles(bo, group))),
        "latest": bo.latest_bundle(group),
        "withdrawn": bo.withdrawn_bundles(group),
        "items": items,
        "totals": totals,
        "pages": max(1, -(-len(rows) // PAGE)),
        "events": [_event(e) for e in events],
    }
