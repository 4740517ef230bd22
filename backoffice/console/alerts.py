"""Alerts: raised once while their condition lasts, acknowledged, resolved — with who did what — and
sent to a webhook and by e-mail.

Conditions come from heartbeats (``on_heartbeat``: paper near end / out, printer offline or jammed,
reader gone, queue growing), from time (``sweep``: a terminal silent longer than ``silent_alert_minutes``)
and from events (``sweep``: a citizen's help call, a bundle refused or rolled back). An alert's ``open_key`` (kind + terminal + device) is unique while the alert is
unresolved, so a condition that lasts is one alert however many heartbeats report it and however many
server processes see them. When the condition clears the alert is resolved by ``system``. Alerts other
modules raise (the subject-rate alarm of ``backoffice.citizen_sessions``) are listed and handled the same.
Notifications go out on a background thread: a slow SMTP server never slows a heartbeat.
"""

from __future__ import annotations

import json
import logging
import smtplib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from typing import Any

import requests
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from backoffice import audit
from backoffice.console.config import ConsoleConfig
from backoffice.models import Alert, DeviceEvent, Event, Terminal
from backoffice.state import Backoffice, get_setting, rowcount

log = logging.getLogger(__name__)
READER_WORDS = ("idcard", "reader", "sscard")
HELP_CALL = (
    "help_call"  # the outbox event a terminal sends when a citizen calls for help (wire.events.EVENT_HELP)
)
HELP_MARK = "console:help_call_mark"
BUNDLE_STATES = (
    "bundle_refused",
    "bundle_rolled_back",
)  # the terminal's "flows" device events (fleet updates)
BUNDLE_MARK = "console:bundle_notice_mark"
SWEEP_EVERY = 10.0
_notifier = ThreadPoolExecutor(max_workers=1, thread_name_prefix="console-notify")
_sweep_lock = threading.Lock()
_last_sweep: dict[int, float] = {}


def device_kind(device: dict[str, Any]) -> str | None:
    """The alert kind one device's state in a heartbeat shows, if any."""
    name, state, reason = device.get("device", ""), device.get("state", ""), device.get("reason") or ""
    if "paper_out" in reason:
        return "paper_out"
    if "jam" in reason:
        return "printer_jammed"
    if "near_end" in reason:
        return "paper_near_end"
    broken = state in ("offline", "no_device", "hardware_error")
    if "printer" in name and broken:
        return "printer_offline"
    if any(w in name for w in READER_WORDS) and broken:
        return "reader_gone"
    return None


def conditions(heartbeat: dict[str, Any] | None, config: ConsoleConfig) -> dict[str, dict[str, Any]]:
    """The alert conditions a heartbeat shows, by open key: {key: {kind, device, reason}}."""
    found: dict[str, dict[str, Any]] = {}
    for device in (heartbeat or {}).get("devices", []) or []:
        kind = device_kind(device)
        if kind:
            name = device.get("device", "")
            found[f"{kind}:{name}"] = {"kind": kind, "device": name, "reason": device.get("reason") or ""}
    depth = (heartbeat or {}).get("queue_depth") or 0
    if depth > config.queue_alert_depth:
        found["queue_growing:"] = {"kind": "queue_growing", "queue_depth": depth}
    return found


def on_heartbeat(
    bo: Backoffice,
    config: ConsoleConfig,
    terminal_id: str,
    data: dict[str, Any],
    previous: dict[str, Any] | None,
    previous_at: float | None,
) -> None:
    """Raise what this heartbeat shows and the previous did not; resolve what it no longer shows (and a
    silence it ends). Nothing is written while the conditions stay the same."""
    now = bo.clock()
    new, old = conditions(data, config), conditions(previous, config)
    silent = previous_at is not None and now - previous_at > 60 * config.silent_alert_minutes
    for key in new.keys() - old.keys():
        detail = dict(new[key])
        raise_alert(bo, config, detail.pop("kind"), terminal_id, key, detail)
    gone = [f"{key}@{terminal_id}" for key in old.keys() - new.keys()]
    gone += [f"terminal_silent:@{terminal_id}"] if silent else []
    if gone:
        with bo.sessions.begin() as session:
            session.execute(
                update(Alert)
                .where(Alert.open_key.in_(gone))
                .values(status="resolved", resolved_at=now, resolved_by="system", open_key=None)
            )


def raise_alert(
    bo: Backoffice,
    config: ConsoleConfig,
    kind: str,
    terminal_id: str | None,
    key: str,
    detail: dict[str, Any],
) -> int | None:
    """A new alert unless one with this key is still unresolved; its id, or None if it existed."""
    now = bo.clock()
    try:
        with bo.sessions.begin() as session:
            alert = Alert(
                kind=kind,
                terminal_id=terminal_id,
                detail=detail,
                raised_at=now,
                open_key=f"{key}@{terminal_id or ''}",
                status="open",
                notified_at=now,
            )
            session.add(alert)
            session.flush()
            alert_id = alert.id
            audit.record(
                session,
                now,
                actor_kind="system",
                actor="console",
                action="alert.raise",
                outcome=kind,
                detail={"alert": alert_id, "terminal": terminal_id or ""},
            )
    except IntegrityError:
        return None
    notify(
        config, {"id": alert_id, "kind": kind, "terminal_id": terminal_id, "raised_at": now, "detail": detail}
    )
    return alert_id


def act(bo: Backoffice, alert_id: int, action: str, actor: str) -> bool:
    """Acknowledge or resolve; False if the alert is not in a state that allows it."""
    now = bo.clock()
    with bo.sessions.begin() as session:
        if action == "ack":
            changed = rowcount(
                session.execute(
                    update(Alert)
                    .where(Alert.id == alert_id, Alert.status == "open")
                    .values(status="acknowledged", acknowledged_at=now, acknowledged_by=actor)
                )
            )
        else:
            changed = rowcount(
                session.execute(
                    update(Alert)
                    .where(Alert.id == alert_id, Alert.status != "resolved")
                    .values(status="resolved", resolved_at=now, resolved_by=actor, open_key=None)
                )
            )
        audit.record(
            session,
            now,
            actor_kind="operator",
            actor=actor,
            action=f"alert.{action}",
            outcome="ok" if changed else "refused.state",
            detail={"alert": alert_id},
        )
    return bool(changed)


def sweep(bo: Backoffice, config: ConsoleConfig, force: bool = False) -> None:
    """Time-based conditions (terminals silent too long) and notifications of alerts raised elsewhere; at
    most every SWEEP_EVERY seconds (or heartbeat interval, if shorter)."""
    now = bo.clock()
    with _sweep_lock:
        if not force and now - _last_sweep.get(id(bo), 0.0) < min(SWEEP_EVERY, config.heartbeat_interval):
            return
        _last_sweep[id(bo)] = now
    limit = now - 60 * config.silent_alert_minutes
    with bo.sessions() as session:
        silent = session.execute(
            select(Terminal.id, Terminal.last_heartbeat_at).where(
                Terminal.status == "active",
                Terminal.last_heartbeat_at < limit,
                ~Terminal.id.in_(
                    select(Alert.terminal_id).where(
                        Alert.kind == "terminal_silent", Alert.open_key.is_not(None)
                    )
                ),
            )
        ).all()
    for terminal_id, last in silent:
        raise_alert(
            bo,
            config,
            "terminal_silent",
            terminal_id,
            "terminal_silent:",
            {"silent_seconds": round(now - (last or now))},
        )
    _help_calls(bo, config)
    _bundle_notices(bo, config)
    _notify_others(bo, config, now)


def _help_calls(bo: Backoffice, config: ConsoleConfig) -> None:
    """A citizen pressed 呼叫帮助: the terminal's ``help_call`` outbox event (the elderly-mode work) becomes an
    alert naming the screen and the service the citizen was on (so staff know what to help with before they
    walk over; names only, checked at ingest). A watermark on the event id (a setting) makes each call one alert, in any number of processes."""
    with bo.sessions() as session:
        mark = int((get_setting(session, HELP_MARK, {}) or {}).get("id", 0))
        calls = session.execute(
            select(Event.id, Event.terminal_id, Event.received_at, Event.answer)
            .where(Event.kind == HELP_CALL, Event.id > mark)
            .order_by(Event.id)
            .limit(200)
        ).all()
    if not calls:
        return
    bo.put_setting(HELP_MARK, {"id": calls[-1].id})
    for event_id, terminal_id, at, answer in calls:
        where = (answer or {}).get("help") or {}  # screen and service, checked at ingest (ingest.help_fields)
        detail = {"called_at": at, "screen": str(where.get("screen", ""))[:32]}
        detail["service_id"] = str(where.get("service_id", ""))[:128]
        raise_alert(bo, config, "help_call", terminal_id, f"help_call:{event_id}", detail)


def _bundle_notices(bo: Backoffice, config: ConsoleConfig) -> None:
    """A terminal refused a bundle or rolled one back: its ``flows`` device event (the fleet-updates work)
    becomes an alert, once per event (a watermark, as for help calls)."""
    with bo.sessions() as session:
        mark = int((get_setting(session, BUNDLE_MARK, {}) or {}).get("id", 0))
        notices = session.execute(
            select(
                DeviceEvent.id,
                DeviceEvent.terminal_id,
                DeviceEvent.state,
                DeviceEvent.reason,
                DeviceEvent.detail,
            )
            .where(DeviceEvent.id > mark, DeviceEvent.device == "flows", DeviceEvent.state.in_(BUNDLE_STATES))
            .order_by(DeviceEvent.id)
            .limit(200)
        ).all()
        last = session.scalar(select(func.max(DeviceEvent.id))) or 0
    if notices or last > mark:
        bo.put_setting(BUNDLE_MARK, {"id": max([last, *(n.id for n in notices)])})
    for event_id, terminal_id, state, reason, detail in notices:
        raise_alert(
            bo,
            config,
            state,
            terminal_id,
            f"{state}:{event_id}",
            {"reason": reason, "detail": (detail or "")[:500]},
        )


def _notify_others(bo: Backoffice, config: ConsoleConfig, now: float) -> None:
    """Alerts other modules raised (the subject-rate alarm) are sent too, once: whichever process marks
    one notified first sends it."""
    with bo.sessions() as session:
        waiting = session.scalars(
            select(Alert)
            .where(Alert.notified_at.is_(None), Alert.status != "resolved")
            .order_by(Alert.id)
            .limit(100)
        ).all()
    for alert in waiting:
        with bo.sessions.begin() as session:
            mine = rowcount(
                session.execute(
                    update(Alert)
                    .where(Alert.id == alert.id, Alert.notified_at.is_(None))
                    .values(notified_at=now)
                )
            )
        if mine:
            notify(
                config,
                {
                    "id": alert.id,
                    "kind": alert.kind,
                    "terminal_id": alert.terminal_id,
                    "raised_at": alert.raised_at,
                    "detail": alert.detail,
                },
            )


def listing(bo: Backoffice, status: str = "", limit: int = 200) -> list[Alert]:
    stmt = select(Alert).order_by(Alert.id.desc()).limit(limit)
    if status == "unresolved":
        stmt = stmt.where(Alert.status != "resolved")
    elif status:
        stmt = stmt.where(Alert.status == status)
    with bo.sessions() as session:
        return list(session.scalars(stmt).all())


def notify(config: ConsoleConfig, alert: dict[str, Any]) -> None:
    if config.webhook_url or (config.smtp_host and config.smtp_to):
        _notifier.submit(_deliver, config, alert)


def _deliver(config: ConsoleConfig, alert: dict[str, Any]) -> None:
    """Webhook then e-mail, each tried three times; failures are logged (alert id and kind only)."""
    for attempt in range(3):
        try:
            if config.webhook_url:
                requests.post(config.webhook_url, json={"alert": alert}, timeout=5).raise_for_status()
            break
        except requests.RequestException as exc:
            log.warning(
                "alert %s webhook failed (attempt %d): %s", alert["id"], attempt + 1, type(exc).__name__
            )
            time.sleep(1 + attempt)
    if not (config.smtp_host and config.smtp_to):
        return
    message = EmailMessage()
    message["Subject"] = f"[终端告警] {alert['kind']} {alert.get('terminal_id') or ''}".strip()
    message["From"] = config.smtp_from
    message["To"] = ", ".join(config.smtp_to)
    message.set_content(json.dumps(alert, ensure_ascii=False, indent=2))
    for attempt in range(3):
        try:
            with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=10) as smtp:
                smtp.send_message(message)
            return
        except (OSError, smtplib.SMTPException) as exc:
            log.warning(
                "alert %s e-mail failed (attempt %d): %s", alert["id"], attempt + 1, type(exc).__name__
            )
            time.sleep(1 + attempt)
