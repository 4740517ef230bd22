"""A terminal's state at a glance, read from its configuration and data directory (Qt-free).

``kiosk status`` prints it and the maintenance screen shows it: terminal and enrolment, back office
and last contact, device states (the last state each device reported to the store), queue depth,
flow bundles (active, staged, refused), the last case and disk use. Reading never changes anything:
the database is opened read-only and a missing data directory is reported, not created, so it is
safe beside a running kiosk. No personal data: cases are shown by number and outcome only.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from kiosk.config import Config
from kiosk.sync.credentials import CREDENTIALS_FILE, Credentials
from kiosk.sync.revocation import STATE_KEY as REVOKED_STATE
from kiosk.sync.revocation import applies as revocation_applies
from kiosk.sync.revocation import describe as describe_revocation

BUNDLE_EVENTS = "flows"  # the bundle manager's events share the device-event table (flows.bundles.store_sink)

DATABASE_FILE = "kiosk.db"
MISSED_HEARTBEATS = 3  # three heartbeat intervals without an answer and the link counts as down
MIN_ONLINE_WINDOW_S = 10.0  # but never less: a heartbeat takes a moment, and so does reading the store


def online_window(heartbeat_s: float | None) -> float:
    """How old the last contact may be for the link to count as up: three heartbeat intervals (the kiosk's
    own, recorded at each heartbeat, else the configuration's), at least ``MIN_ONLINE_WINDOW_S``."""
    interval = float(heartbeat_s) if heartbeat_s else Config.heartbeat_s
    return max(MIN_ONLINE_WINDOW_S, MISSED_HEARTBEATS * interval)


def gather(
    config: Config | None, data_dir: Path | None = None, *, now: float | None = None
) -> dict[str, Any]:
    """Every fact as plain data (JSON-ready); ``problems`` lists what a technician should look at."""
    now = time.time() if now is None else now
    data_dir = Path(data_dir or (config.data_dir if config else "."))
    problems: list[str] = []
    enrolment = _enrolment(data_dir, config, problems)
    credentials = _credentials(data_dir) if enrolment.get("enrolled") else None
    facts: dict[str, Any] = {
        "terminal": {
            "id": config.terminal_id if config else enrolment.get("terminal_id"),
            "name": config.terminal_name if config else None,
            "group": config.group if config else enrolment.get("group"),
            "config": config.source if config else None,
            "data_dir": str(data_dir),
        },
        "enrolment": enrolment,
    }
    url = (config.backoffice_url if config else "") or enrolment.get("base_url") or None
    database = data_dir / DATABASE_FILE
    if not database.is_file():
        problems.append(f"no database at {database}: the kiosk has not run with this data directory")
        facts.update(
            backoffice={"url": url, "link": "unknown", "last_contact": None},
            devices=_devices(config, {}),
            queue=None,
            bundles=_bundles(data_dir, []),
            last_case=None,
            paper={},
        )
    else:
        try:
            with closing(
                sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
            ) as conn:
                facts.update(_from_database(conn, config, url, data_dir, now, problems, credentials))
        except sqlite3.Error as exc:  # e.g. run as a user who may not read the kiosk's 0600 database
            problems.append(f"cannot read {database}: {exc} (run as the kiosk's user)")
            facts.update(
                backoffice={"url": url, "link": "unknown", "last_contact": None},
                devices=_devices(config, {}),
                queue=None,
                bundles=_bundles(data_dir, []),
                last_case=None,
                paper={},
            )
    facts["disk"] = _disk(data_dir, database)
    if facts["disk"].get("free_bytes") is not None and facts["disk"]["free_bytes"] < 512 * 1024 * 1024:
        problems.append(
            f"less than 512 MB free on the data directory's disk ({facts['disk']['free_bytes']} bytes)"
        )
    revoked = facts.pop("revoked", None)
    if revoked:  # the back office refuses this enrolment: nothing else on the terminal matters as much
        enrolment["revoked"] = {"terminal_id": revoked.get("terminal_id"), "at": revoked.get("at")}
        problems.insert(0, describe_revocation(revoked))
    facts["problems"] = problems
    return facts


def _credentials(data_dir: Path) -> Credentials | None:
    try:
        return Credentials.load(data_dir)
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _enrolment(data_dir: Path, config: Config | None, problems: list[str]) -> dict[str, Any]:
    if config is not None and config.backoffice_url == "embedded":
        return {"enrolled": None, "embedded": True}
    path = data_dir / CREDENTIALS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"not enrolled (no {path}): run `kiosk provision`")
        return {"enrolled": False}
    except (OSError, ValueError) as exc:
        problems.append(f"cannot read {path}: {type(exc).__name__}")
        return {"enrolled": False}
    info = {
        "enrolled": True,
        "terminal_id": data.get("terminal_id"),
        "group": data.get("group"),
        "base_url": data.get("base_url"),
        "pinned_certificate": data.get("server_cert"),
    }
    if config is not None and info["terminal_id"] != config.terminal_id:
        problems.append(
            f"the configuration says {config.terminal_id} but the enrolment is {info['terminal_id']}"
        )
    return info


def _from_database(
    conn: sqlite3.Connection,
    config: Config | None,
    url: str | None,
    data_dir: Path,
    now: float,
    problems: list[str],
    credentials: Credentials | None = None,
) -> dict[str, Any]:
    state = {name: json.loads(value) for name, value in conn.execute("SELECT name, value FROM sync_state")}
    last_contact = state.get("last_contact")
    age = None if last_contact is None else max(0.0, now - float(last_contact))
    window = online_window(state.get("heartbeat_s") or (config.heartbeat_s if config else None))
    revoked = revocation_applies(state.get(REVOKED_STATE), credentials)
    link = "revoked" if revoked else "never" if age is None else "online" if age <= window else "offline"
    if url and link in ("never", "offline"):
        problems.append(
            "the back office has not answered a heartbeat " + ("yet" if age is None else f"for {int(age)} s")
        )
    depth, oldest = conn.execute(
        "SELECT count(*), min(created_at) FROM outbox WHERE delivered_at IS NULL"
    ).fetchone()
    failing = conn.execute(
        "SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND attempts > 0"
    ).fetchone()[0]
    latest: dict[str, dict[str, Any]] = {}
    for device, dev_state, reason, detail, at in conn.execute(
        "SELECT device, state, reason, detail, at FROM device_events WHERE device != ? ORDER BY id",
        (BUNDLE_EVENTS,),
    ):
        latest[device] = {"state": dev_state, "reason": reason, "detail": detail, "since": at}
    devices = _devices(config, latest)
    for device, reason, detail, at in conn.execute(
        "SELECT device, reason, detail, at FROM device_events WHERE state NOT IN ('online', 'busy') "
        "AND reason NOT IN ('', 'state.closed') ORDER BY id"
    ):
        if device in devices:
            devices[device]["last_error"] = {"reason": reason, "detail": detail, "at": at}
    for printer, kind, count in conn.execute(
        "SELECT printer, state, count(*) FROM print_jobs GROUP BY printer, state"
    ):
        if printer in devices:
            devices[printer].setdefault("jobs", {})[kind] = count
    for name, info in devices.items():
        if info["state"] not in ("online", "busy"):
            problems.append(f"{name} is {info['state']}{': ' + info['reason'] if info.get('reason') else ''}")
    case = conn.execute(
        "SELECT case_no, service_id, started_at, finished_at, outcome FROM cases "
        "ORDER BY started_at DESC LIMIT 1"
    ).fetchone()
    records = conn.execute("SELECT version, state, detail FROM flow_bundles ORDER BY version").fetchall()
    from kiosk.consumables import CAPACITY, estimate_from

    paper = {
        name: estimate_from(state[f"paper:{name}"], name, now)
        for name in CAPACITY
        if isinstance(state.get(f"paper:{name}"), dict)
    }
    for name, facts in paper.items():
        if facts["days_left"] is not None and facts["days_left"] < 1:
            problems.append(f"{name} paper runs out within a day ({facts['left']:g} {facts['unit']} left)")
    if state.get("standing_problem"):  # the back office's settings could not be applied (kiosk.ui.standing)
        problems.append(str(state["standing_problem"]))
    return {
        "revoked": revoked,
        "paper": paper,
        "remote": state.get("remote_state") or {},  # what the console's commands set (kiosk.ui.remote.SAVED)
        "standing": _standing(conn, state),
        "backoffice": {
            "url": url,
            "link": link,
            "last_contact": last_contact,
            "last_contact_age_s": None if age is None else round(age, 1),
            "online_window_s": window,
            "clock_offset_s": state.get("clock_offset"),
        },
        "devices": devices,
        "queue": {
            "depth": depth,
            "failing": failing,
            "oldest_pending_age_s": None if oldest is None else round(max(0.0, now - oldest), 1),
        },
        "bundles": _bundles(data_dir, records),
        "last_case": None
        if case is None
        else {
            "case_no": case[0],
            "service": case[1],
            "started_at": case[2],
            "finished_at": case[3],
            "outcome": case[4],
        },
    }


def _standing(conn: sqlite3.Connection, state: dict[str, Any]) -> dict[str, Any]:
    """The back office's standing values as last fetched (``kiosk.sync.standing``) and what the UI applied."""
    rows = conn.execute("SELECT name, value FROM reference_data WHERE name IN ('config', 'announcements')")
    fetched = {name: json.loads(value) for name, value in rows}
    return {
        "config": fetched.get("config"),
        "announcements": len(fetched.get("announcements") or []),
        "config_version": state.get("config_version"),
        "config_applied": state.get("config_applied"),
        "announcements_version": state.get("announcements_version"),
        "announcements_applied": state.get("announcements_applied"),
        "problem": state.get("standing_problem") or "",
    }


def _devices(config: Config | None, latest: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    configured = dict(config.devices) if config else {}
    names = list(configured) + [name for name in latest if name not in configured]
    return {
        name: {
            "url": configured.get(name),
            **latest.get(
                name, {"state": "unknown", "reason": "", "detail": "not reported yet", "since": None}
            ),
        }
        for name in names
    }


def _bundles(data_dir: Path, records: list[Any]) -> dict[str, Any]:
    root = data_dir / "bundles"
    active = _link(root, "active")
    installed = (
        sorted(int(p.name) for p in root.iterdir() if p.name.isdigit() and p.is_dir())
        if root.is_dir()
        else []
    )
    return {
        "active": active,
        "previous": _link(root, "previous"),
        "staged": [v for v in installed if v > (active or 0)],
        "refused": _distinct(
            [{"version": v, "reason": d} for v, s, d in records if s == "refused"] + _journal_refusals(root)
        ),
        "received": [v for v, s, _ in records if s == "received"],
    }


def _distinct(refusals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per version and reason: the store's record and the bundle journal often say the same."""
    seen: set[tuple[Any, Any]] = set()
    kept = []
    for refusal in refusals:
        key = (refusal.get("version"), refusal.get("reason"))
        if key not in seen:
            seen.add(key)
            kept.append(refusal)
    return kept


def _journal_refusals(root: Path) -> list[dict[str, Any]]:
    """Refusals and rollbacks the bundle manager journalled (``flows install`` by hand, corrupt archives, expiry)."""
    from flows.bundles.journal import read_journal

    entries = read_journal(root)
    kinds = ("bundle_refused", "bundle_rolled_back", "bundle_expired")
    return [
        {
            "version": e.get("version"),
            "reason": e.get("reason", ""),
            "detail": e.get("detail", ""),
            "kind": e.get("kind"),
        }
        for e in entries
        if isinstance(e, dict) and e.get("kind") in kinds
    ][-5:]


def _link(root: Path, name: str) -> int | None:
    link = root / name
    if not link.is_symlink():
        return None
    target = os.readlink(link)
    return int(target) if target.isdigit() else None


def _disk(data_dir: Path, database: Path) -> dict[str, Any]:
    try:
        usage = shutil.disk_usage(data_dir)
    except OSError:
        return {"free_bytes": None, "total_bytes": None, "database_bytes": None}
    size = sum(p.stat().st_size for p in database.parent.glob(database.name + "*") if p.is_file())
    return {"free_bytes": usage.free, "total_bytes": usage.total, "database_bytes": size}


from kiosk.status_text import render  # noqa: E402  (the text form; re-exported for callers)

__all__ = ["gather", "online_window", "render"]
