"""The sync thread's half of standing values (``wire.standing``): fetch the terminal's settings and announcements
into the store, say so when they changed, and report in the heartbeat which versions the UI applied.

The store holds what was fetched (references ``config`` and ``announcements``, states ``config_version`` and
``announcements_version``: kept across restarts, so an offline terminal still applies them) and what the UI
applied (states ``config_applied``, ``announcements_applied``, ``standing_problem``: written by
``kiosk.ui.standing`` once it applied them, never here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from offline_cache.store import Store

KINDS = ("config", "announcements")
APPLIED_STATES = ("config_applied", "announcements_applied")
PROBLEM_STATE = "standing_problem"


@dataclass(frozen=True)
class StandingFetched:
    """Emitted by ``SyncClient.standing_changes`` when a fetch brought a new version of the settings or the
    announcements."""

    kinds: tuple[str, ...]


def fetch_standing(transport: Any, store: Store) -> StandingFetched | None:
    """``GET /api/v1/config`` and ``/announcements`` into the store; the change, if either version is new. The
    value is stored before its version, so a reader that sees the new version also sees its value."""
    changed = []
    for kind, field in (("config", "config"), ("announcements", "announcements")):
        answer = transport.call("GET", f"/api/v1/{kind}")
        value = answer.get(field) if isinstance(answer, dict) else None
        if not isinstance(value, dict if kind == "config" else list):
            continue
        version = answer.get("version")
        if version != store.get_state(f"{kind}_version") or store.get_reference(kind) is None:
            changed.append(kind)
        store.put_reference(kind, value)
        store.set_state(f"{kind}_version", version)
    return StandingFetched(tuple(changed)) if changed else None


def heartbeat_fields(store: Store) -> dict[str, Any]:
    """What the heartbeat says of standing values: the versions the UI applied, and why not if it could not."""
    fields: dict[str, Any] = {name: store.get_state(name) for name in APPLIED_STATES}
    fields[PROBLEM_STATE] = str(store.get_state(PROBLEM_STATE) or "")[:300]
    return fields
