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
from kiosk.sync.credentials import CREDENTIALS_FILE

DATABASE_FILE = "kiosk.db"
ONLINE_WITHIN_S = 180.0  # three missed heartbeats (60 s apart) and the link counts as down


def gather(
    config: Config | None, data_dir: Path | None = None, *, now: float | None = None
) -> dict[str, Any]:
    """Every fact as plain data (JSON-ready); ``problems`` lists what a technician should look at."""
    now = time.time() if now is None else now
    data_dir = Path(data_dir or (config.data_dir if config else "."))
    problems: list[str] = []
    enrolment = _enrolment(data_dir, config, problems)
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
                facts.update(_from_database(conn, config, url, data_dir, now, problems))
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
    facts["problems"] = problems
    return facts


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
) -> dict[str, Any]:
    state = {name: json.loads(value) for name, value in conn.execute("SELECT name, value FROM sync_state")}
    last_contact = state.get("last_contact")
    age = None if last_contact is None else max(0.0, now - float(last_contact))
    link = "never" if age is None else "online" if age <= ONLINE_WITHIN_S else "offline"
    if url and link != "online":
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
        "SELECT device, state, reason, detail, at FROM device_events ORDER BY id"
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
        "paper": paper,
        "remote": state.get("remote_state") or {},  # what the console's commands set (kiosk.ui.remote.SAVED)
        "standing": _standing(conn, state),
        "backoffice": {
            "url": url,
            "link": link,
            "last_contact": last_contact,
            "last_contact_age_s": None if age is None else round(age, 1),
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
        "refused": [{"version": v, "reason": d} for v, s, d in records if s == "refused"]
        + _journal_refusals(root),
        "received": [v for v, s, _ in records if s == "received"],
    }


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


def render(facts: dict[str, Any]) -> list[str]:
    """The facts as lines for a terminal window (``kiosk status`` without ``--json``)."""
    terminal, enrolment, bo = facts["terminal"], facts["enrolment"], facts["backoffice"]
    enrolled = (
        "embedded back office"
        if enrolment.get("embedded")
        else f"enrolled as {enrolment['terminal_id']} (group {enrolment['group']})"
        if enrolment.get("enrolled")
        else "NOT ENROLLED"
    )
    lines = [
        f"terminal     {terminal['id']}  {terminal['name'] or ''}".rstrip(),
        f"config       {terminal['config'] or '(none)'}",
        f"data dir     {terminal['data_dir']}",
        f"enrolment    {enrolled}",
    ]
    age = bo.get("last_contact_age_s")
    lines.append(
        f"back office  {bo['url'] or '(none)'}  {bo['link']}"
        + (f", last contact {age:.0f} s ago" if age is not None else "")
        + (f", clock offset {bo['clock_offset_s']:+.1f} s" if bo.get("clock_offset_s") is not None else "")
    )
    for name, info in facts["devices"].items():
        lines.append(
            f"device       {name:<9} {info['state']:<15} {info.get('reason') or ''} {info['url'] or ''}".rstrip()
        )
    for name, paper in facts.get("paper", {}).items():
        days = paper["days_left"]
        lines.append(
            f"paper        {name:<9} {paper['left']:g} of {paper['capacity']:g} {paper['unit']} left"
            + (f", about {days:g} days" if days is not None else "")
            + f", {paper['paper_changes']} change(s)"
        )
    queue = facts["queue"]
    if queue is not None:
        oldest = queue["oldest_pending_age_s"]
        lines.append(
            f"queue        {queue['depth']} pending"
            + (f", oldest {oldest:.0f} s" if oldest else "")
            + (f", {queue['failing']} failing" if queue["failing"] else "")
        )
    bundles = facts["bundles"]
    refused = ", ".join(f"{r['version']} ({r['reason']})" for r in bundles["refused"]) or "none"
    lines.append(
        f"bundles      active {bundles['active'] or 'built-in'}, staged {bundles['staged'] or 'none'}, "
        f"refused {refused}"
    )
    case = facts["last_case"]
    lines.append(
        "last case    "
        + (f"{case['case_no']} {case['service']} {case['outcome'] or 'open'}" if case else "none")
    )
    disk = facts["disk"]
    if disk.get("free_bytes") is not None:
        lines.append(
            f"disk         {disk['free_bytes'] // 2**20} MB free of {disk['total_bytes'] // 2**20} MB, "
            f"database {disk['database_bytes'] // 1024} KB"
        )
    lines += [f"PROBLEM      {problem}" for problem in facts["problems"]] or ["problems     none"]
    return lines
