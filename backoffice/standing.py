"""Standing values (``wire.standing``): the settings and announcements operators set for a group or a terminal,
kept in the settings table and handed to every terminal they reach — the API and the console write them here,
one way, checked and audited.

* Settings: one record per scope, ``config:group:G`` and ``config:terminal:T``. A terminal's are those of the
  ``default`` group, overridden by its own group's, overridden by its own (``config_for``); a setting set
  nowhere keeps the terminal's configuration file's value. Writing ``{}`` clears a scope.
* Announcements: one list (``announcements``), each item reaching every terminal, or those of ``groups`` and
  ``terminals``. An ended one is no longer handed out; one that has not started yet is, so a terminal shows it
  on time by its own clock even offline.
* Whether a terminal applied them: its heartbeat reports the versions it applied (``config_applied``,
  ``announcements_applied``); ``status`` compares them with what it would be handed now.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from sqlalchemy.exc import IntegrityError

from backoffice import audit
from backoffice.errors import ApiError
from backoffice.models import Setting, Terminal
from backoffice.service_catalog import known_services
from backoffice.state import Backoffice, put_setting
from wire import standing as w

ANNOUNCEMENTS = "announcements"
APPLIED, PENDING, UNKNOWN = "applied", "pending", "unknown"


def config_key(scope: str, name: str) -> str:
    return f"config:{scope}:{name}"


def version_of(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def config_for(settings: dict[str, Any], term: Terminal) -> dict[str, Any]:
    """The settings a terminal is handed: the default group's, its group's, its own — the nearest wins."""
    config = dict(settings.get(config_key("group", w.DEFAULT_GROUP), {}))
    if term.group != w.DEFAULT_GROUP:
        config.update(settings.get(config_key("group", term.group), {}))
    config.update(settings.get(config_key("terminal", term.id), {}))
    return config


def reaches(item: dict[str, Any], term: Terminal) -> bool:
    """Whether an announcement is for this terminal (no groups and no terminals named: every terminal)."""
    groups, terminals = item.get("groups") or [], item.get("terminals") or []
    if not groups and not terminals:
        return True
    return term.group in groups or term.id in terminals


def announcements_for(settings: dict[str, Any], term: Terminal, now: float) -> list[dict[str, Any]]:
    """The announcements a terminal is handed: those for it that have not ended (the terminal shows each from its
    start, on its own clock)."""
    return [
        a
        for a in settings.get(ANNOUNCEMENTS, [])
        if reaches(a, term) and (a.get("ends") is None or now < a["ends"])
    ]


def put_config(bo: Backoffice, actor: str, scope: str, name: str, values: dict[str, Any]) -> None:
    """Set a scope's settings (the whole record: a key left out is no longer set there); ``{}`` clears it. 422
    for a setting a terminal could not apply — it is refused here, never dropped by the terminal later."""
    if scope not in w.SCOPES:
        raise ApiError(404, "config.scope", "the scope is group or terminal")
    problem = w.settings_problem(values)
    if problem is None and values.get("paused_services"):
        known = known_services(bo)
        unknown = [s for s in values["paused_services"] if s not in known]
        if unknown:
            problem = (
                f"paused_services: {', '.join(unknown[:5])} matches no flow id or 事项编码 (item code) "
                "of the catalog"
            )
    if problem is not None:
        raise ApiError(422, "config.invalid", problem)
    key, now = config_key(scope, name), bo.clock()
    with bo.sessions.begin() as session:
        row = session.get(Setting, key)
        if values:
            put_setting(session, key, dict(values), now)
        elif row is not None:
            session.delete(row)
        audit.record(
            session,
            now,
            actor_kind="operator",
            actor=actor,
            action="standing.config",
            service=scope,
            outcome="set" if values else "cleared",
            detail={"scope": scope, "name": name, "config": dict(values)},
        )
    bo.settings_changed()


def config_of(bo: Backoffice, scope: str, name: str) -> dict[str, Any]:
    """A scope's own settings, read now (not from the cache)."""
    value = bo.get_setting(config_key(scope, name), {})
    return dict(value) if isinstance(value, dict) else {}


def announcements(bo: Backoffice) -> list[dict[str, Any]]:
    """Every announcement held, read now."""
    value = bo.get_setting(ANNOUNCEMENTS, [])
    return [a for a in value if isinstance(a, dict)] if isinstance(value, list) else []


def new_announcement_id() -> str:
    return f"ann-{secrets.token_hex(6)}"


def put_announcements(bo: Backoffice, actor: str, items: list[dict[str, Any]]) -> None:
    """Replace the whole list (the API's ``PUT /announcements``); ids must be unique."""
    ids = [a["id"] for a in items]
    if len(set(ids)) != len(ids):
        raise ApiError(422, "announcement.invalid", "announcement ids must be unique")
    _change(bo, actor, lambda _old: list(items), "replaced", {"ids": ids[:50], "count": len(ids)})


def put_announcement(bo: Backoffice, actor: str, item: dict[str, Any]) -> None:
    """Add one announcement, or replace the one with its id."""

    def change(old: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept = [a for a in old if a.get("id") != item["id"]]
        if len(kept) >= w.ANNOUNCEMENTS_MAX:
            raise ApiError(422, "announcement.too_many", f"at most {w.ANNOUNCEMENTS_MAX} announcements")
        replaced = len(kept) < len(old)
        return [item if a.get("id") == item["id"] else a for a in old] if replaced else [*old, item]

    _change(bo, actor, change, "set", item)


def withdraw_announcement(bo: Backoffice, actor: str, announcement_id: str) -> None:
    """Remove one announcement: terminals take it off their screen at their next heartbeat. 404 if absent."""

    def change(old: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept = [a for a in old if a.get("id") != announcement_id]
        if len(kept) == len(old):
            raise ApiError(404, "announcement.unknown", "no announcement by this id")
        return kept

    _change(bo, actor, change, "withdrawn", {"id": announcement_id})


def _change(bo: Backoffice, actor: str, change: Any, outcome: str, detail: dict[str, Any]) -> None:
    """Read, change and write the list in one transaction (the row locked on PostgreSQL, so two operators'
    changes never overwrite each other), with its audit row."""
    for attempt in range(2):
        try:
            with bo.sessions.begin() as session:
                row = session.get(Setting, ANNOUNCEMENTS, with_for_update=True)
                old = row.value if row is not None and isinstance(row.value, list) else []
                now = bo.clock()
                put_setting(session, ANNOUNCEMENTS, change([a for a in old if isinstance(a, dict)]), now)
                audit.record(
                    session,
                    now,
                    actor_kind="operator",
                    actor=actor,
                    action="standing.announcement",
                    outcome=outcome,
                    detail=detail,
                )
            break
        except IntegrityError:  # the first list was created at the same moment by another process
            if attempt:
                raise
    bo.settings_changed()


def status(settings: dict[str, Any], term: Terminal, now: float) -> dict[str, Any]:
    """Whether a terminal applied what it would be handed now: ``applied`` only once its heartbeat said so."""
    beat = term.heartbeat or {}
    if term.last_heartbeat_at is None:
        return {"config": UNKNOWN, "announcements": UNKNOWN, "problem": ""}
    config = version_of(config_for(settings, term))
    items = version_of(announcements_for(settings, term, now))
    return {
        "config": APPLIED if beat.get("config_applied") == config else PENDING,
        "announcements": APPLIED if beat.get("announcements_applied") == items else PENDING,
        "problem": str(beat.get("standing_problem") or ""),
    }
