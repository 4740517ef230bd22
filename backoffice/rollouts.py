"""Staged rollouts: a published bundle reaches canary terminals first, then waves by percentage.

A rollout is kept as the setting ``rollout:GROUP`` (one at a time per group)::

    {"group", "version", "previous", "canary": [terminal ids], "waves": [10, 50, 100], "wave": 0,
     "state": "running" | "paused" | "halted" | "done" | "withdrawn", "started_at", "wave_started_at",
     "baseline": failed-case share before the rollout, "max_failed_rise", "min_cases", "soak_seconds", "halt_reason"}

Stage 0 admits the canary terminals; stage i admits them plus the first ``waves[i-1]`` percent of the
group in a fixed order (a hash of version and terminal id, so each rollout draws its own waves). A
terminal not admitted is told the previous version is the latest. The next stage starts when every
admitted terminal reports the new version active (heartbeat), none refused it or rolled it back, and
there is evidence: ``min_cases`` cases served by the stage since it opened, or ``soak_seconds`` passed;
one refusal or rollback, or a failed-case share above the baseline by more than ``max_failed_rise``
(over at least ``min_cases`` cases) halts the rollout by itself. Evaluated on the group's heartbeats.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from typing import Any

from sqlalchemy import select

from backoffice.errors import ApiError
from backoffice.models import Case, DeviceEvent, Terminal

FAILED_OUTCOMES = ("error", "interrupted")
BASELINE_WINDOW = 7 * 86400.0  # seconds of cases before the rollout that make its baseline
ACTIVE_STATES = ("running", "paused", "halted")


def key(group: str) -> str:
    return f"rollout:{group}"


def _failed_share(
    bo: Any, terminal_ids: list[str] | None, group: str, since: float, until: float
) -> tuple[int, int]:
    """(cases, failed cases) received in [since, until) from these terminals (None: the whole group)."""
    with bo.sessions() as session:
        base = select(Case.outcome).where(Case.received_at >= since, Case.received_at < until)
        if terminal_ids is None:
            base = base.where(Case.terminal_id.in_(select(Terminal.id).where(Terminal.group == group)))
        else:
            base = base.where(Case.terminal_id.in_(terminal_ids))
        outcomes = list(session.scalars(base))
    return len(outcomes), sum(1 for o in outcomes if o in FAILED_OUTCOMES)


def start(bo: Any, group: str, version: int, previous: int | None, plan: dict[str, Any]) -> dict[str, Any]:
    """Start the plan's rollout. ApiError 422 for a canary id that is not an active terminal of the group: the
    canary stage would admit nobody, test nothing, and open the first wave as if it had passed."""
    group_terminals = [t.id for t in _group_terminals(bo, group)]
    unknown = sorted(set(plan.get("canary", [])) - set(group_terminals))
    if unknown:
        raise ApiError(
            422,
            "rollout.unknown_canary",
            f"canary {', '.join(unknown[:5])}{' ...' if len(unknown) > 5 else ''}: "
            f"not an active terminal of group {group}",
        )
    now = bo.clock()
    cases, failed = _failed_share(bo, None, group, now - BASELINE_WINDOW, now)
    rollout = {
        "group": group,
        "version": version,
        "previous": previous,
        "canary": list(plan.get("canary", [])),
        "waves": [int(w) for w in plan.get("waves", [100])],
        "wave": 0,
        "state": "running",
        "started_at": now,
        "wave_started_at": now,
        "baseline": failed / cases if cases else 0.0,
        "max_failed_rise": float(plan.get("max_failed_rise", 0.2)),
        "min_cases": int(plan.get("min_cases", 3)),
        "soak_seconds": float(plan.get("soak_seconds", 3600)),
        "halt_reason": "",
    }
    rollout["admitted"] = sorted(admitted(rollout, group_terminals))
    bo.put_setting(key(group), rollout)
    return rollout


def current(bo: Any, group: str) -> dict[str, Any] | None:
    rollout = bo.settings().get(key(group))
    return rollout if isinstance(rollout, dict) else None


def _order(version: int, terminal_id: str) -> str:
    return hashlib.sha256(f"{version}:{terminal_id}".encode()).hexdigest()


def admitted(rollout: dict[str, Any], group_terminals: list[str]) -> set[str]:
    chosen = set(rollout["canary"]) & set(group_terminals) if rollout["canary"] else set()
    stage = int(rollout["wave"])
    if stage >= 1 or not rollout["canary"]:
        percent = rollout["waves"][max(stage - 1, 0)]
        ordered = sorted(group_terminals, key=lambda t: _order(rollout["version"], t))
        chosen |= set(ordered[: math.ceil(len(ordered) * percent / 100)])
    return chosen


def _group_terminals(bo: Any, group: str) -> list[Terminal]:
    with bo.sessions() as session:
        return list(
            session.scalars(
                select(Terminal)
                .where(Terminal.group == group, Terminal.status == "active")
                .order_by(Terminal.id)
            )
        )


def latest_for(bo: Any, group: str, terminal_id: str) -> int | None:
    """The version this terminal should run: the group's latest, unless a rollout has not reached it yet."""
    latest = bo.latest_bundle(group)
    rollout = current(bo, group)
    if rollout is None or rollout["state"] not in ACTIVE_STATES or latest != rollout["version"]:
        return latest
    return latest if terminal_id in rollout.get("admitted", ()) else rollout["previous"]


def evaluate(bo: Any, group: str, *, every: float = 0.0) -> dict[str, Any] | None:
    """Halt on trouble, or open the next wave once the admitted terminals run the version healthily.
    ``every``: at most once per that many seconds per group (heartbeats call it; operators force it)."""
    rollout = current(bo, group)
    if rollout is None or rollout["state"] != "running":
        return rollout
    now = time.monotonic()
    if every and now - bo.rollout_checked.get(group, -every) < every:
        return rollout
    bo.rollout_checked[group] = now
    terminals = _group_terminals(bo, group)
    chosen = set(rollout.get("admitted", ()))
    version = rollout["version"]
    with bo.sessions() as session:
        events = session.scalars(
            select(DeviceEvent).where(
                DeviceEvent.terminal_id.in_(chosen),
                DeviceEvent.device == "flows",
                DeviceEvent.state.in_(("bundle_refused", "bundle_rolled_back")),
                DeviceEvent.received_at >= rollout["started_at"],
            )
        ).all()
    for event in events:
        try:
            detail = json.loads(event.detail or "{}")
        except ValueError:
            detail = {}
        if detail.get("version") == version:
            return _halt(bo, rollout, f"{event.terminal_id}: {event.state} ({event.reason})")
    cases, failed = _failed_share(bo, sorted(chosen), group, rollout["started_at"], bo.clock() + 1)
    if cases >= rollout["min_cases"] and failed / cases > rollout["baseline"] + rollout["max_failed_rise"]:
        return _halt(
            bo, rollout, f"failed cases {failed}/{cases} over the baseline {rollout['baseline']:.0%}"
        )
    running = {t.id: (t.heartbeat or {}).get("bundle_version") for t in terminals}
    served, _ = _failed_share(bo, sorted(chosen), group, rollout["wave_started_at"], bo.clock() + 1)
    soaked = (
        served >= rollout["min_cases"] or bo.clock() - rollout["wave_started_at"] >= rollout["soak_seconds"]
    )
    if chosen and soaked and all(running.get(t) == version for t in chosen):
        if rollout["wave"] < len(rollout["waves"]) and len(chosen) < len(terminals):
            rollout = {**rollout, "wave": rollout["wave"] + 1, "wave_started_at": bo.clock()}
            rollout["admitted"] = sorted(admitted(rollout, [t.id for t in terminals]))
        else:
            rollout = {**rollout, "state": "done"}
        bo.put_setting(key(group), rollout)
    return rollout


def _halt(bo: Any, rollout: dict[str, Any], reason: str) -> dict[str, Any]:
    rollout = {**rollout, "state": "halted", "halt_reason": reason[:300]}
    bo.put_setting(key(rollout["group"]), rollout)
    return rollout


def set_state(bo: Any, group: str, state: str) -> dict[str, Any] | None:
    rollout = current(bo, group)
    if rollout is None:
        return None
    if state == "running" and rollout["state"] == "halted":  # the operator looked: count trouble from now on
        rollout = {**rollout, "started_at": bo.clock(), "halt_reason": ""}
    rollout = {**rollout, "state": state}
    bo.put_setting(key(group), rollout)
    return rollout


def change(bo: Any, group: str, action: str) -> dict[str, Any]:
    """An operator pauses a running rollout or resumes a paused or halted one (the REST route and the
    console both call this). ApiError 404 without a rollout, 409 when it is not in a state for this."""
    rollout = current(bo, group)
    if rollout is None:
        raise ApiError(404, "rollout.none", "no rollout for this group")
    allowed = {"pause": ("running",), "resume": ("paused", "halted")}.get(action)
    if allowed is None:
        raise ApiError(404, "rollout.action", "the action is pause or resume")
    if rollout["state"] not in allowed:
        raise ApiError(409, "rollout.state", f"the rollout is {rollout['state']}")
    changed = set_state(bo, group, "paused" if action == "pause" else "running")
    assert changed is not None
    return changed


def all_rollouts(bo: Any) -> list[dict[str, Any]]:
    return [v for k, v in sorted(bo.settings().items()) if k.startswith("rollout:") and isinstance(v, dict)]
