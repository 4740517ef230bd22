"""The console's remote commands: a queue per terminal in the database, handed out in heartbeat answers.

Life of a command (``RemoteCommand.state``)::

    pending --(in a heartbeat answer)--> sent --(command_ack event)--> done | refused | failed
       \\____________________ not acknowledged by expires_at ____________________/--> expired

Every state lives in the database and every change is a conditional ``UPDATE`` (``WHERE state IN
ACTIVE``), so several server processes share one queue and a late or repeated acknowledgement never
overwrites a final state. A sent command without an acknowledgement goes out again every
``Limits.command_resend_seconds`` (the terminal runs each id once, ``wire.commands``); after
``Limits.command_seconds`` it expires — shown as expired, never as done, even if an acknowledgement
arrives later (that one is kept in ``detail``). A group's command is one row per active terminal of the
group, sharing ``batch``. One of a kind retired since it was queued (``wire.commands.RETIRED``: announcements
and settings are standing values now, ``backoffice.standing``) is expired with the reason, never handed out.

A maintenance PIN is stored encrypted under the server key (the command id as associated data), decrypted
only into the heartbeat answer for its terminal, dropped once the command is final, and never listed nor
written to the audit trail.
"""

from __future__ import annotations

import secrets
import struct
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from backoffice import audit, command_hint
from backoffice.errors import ApiError
from backoffice.models import RemoteCommand, Screenshot, Terminal
from backoffice.state import Backoffice
from wire import commands as c
from wire.limits import MAX_SCREENSHOT_BYTES

ACTIVE = command_hint.ACTIVE  # pending, sent: one definition for the queue and the hint
EXPIRED = "expired"
STATES = (*ACTIVE, c.ACK_DONE, c.ACK_REFUSED, c.ACK_FAILED, EXPIRED)
OPERATORS = ("publisher",)  # roles that may issue commands (admin always); a new PIN is admin's alone
LISTED = 50  # commands shown per terminal or group
SCREENSHOT_SIDE_MAX = 10_000  # pixels: a PNG claiming more is not a screenshot


def public_args(kind: str, args: dict[str, Any]) -> dict[str, Any]:
    """What may be shown or audited of a command's arguments: never a PIN."""
    return {} if kind == c.MAINTENANCE_PIN else dict(args)


def enqueue(
    bo: Backoffice,
    actor: str,
    kind: str,
    args: dict[str, Any],
    *,
    terminal_id: str | None = None,
    group: str | None = None,
) -> list[str]:
    """Queue one command for a terminal, or for every active terminal of a group; the new ids. ApiError
    422 for arguments a terminal would refuse, 404 for an unknown terminal or an empty group."""
    problem = c.args_problem(kind, args)
    if problem is not None:
        raise ApiError(422, "command.invalid", problem)
    now = bo.clock()
    with bo.sessions.begin() as session:
        if terminal_id is not None:
            row = session.get(Terminal, terminal_id)
            if row is None or row.status != "active":
                raise ApiError(404, "terminal.unknown", "unknown or revoked terminal")
            targets, batch = [terminal_id], ""
        else:
            targets = list(
                session.scalars(
                    select(Terminal.id)
                    .where(Terminal.group == group, Terminal.status == "active")
                    .order_by(Terminal.id)
                )
            )
            if not targets:
                raise ApiError(404, "group.empty", "no active terminal in this group")
            batch = f"group:{group}"[:64]
        rows: list[dict[str, Any]] = []
        for target in targets:
            command_id = f"cmd-{secrets.token_hex(12)}"
            stored = dict(args)
            if kind == c.MAINTENANCE_PIN:
                stored = {"pin": bo.key.encrypt(args["pin"], command_id)}
            rows.append(
                {
                    "id": command_id,
                    "terminal_id": target,
                    "kind": kind,
                    "args": stored,
                    "state": "pending",
                    "batch": batch,
                    "created_at": now,
                    "created_by": actor[:64],
                    "expires_at": now + bo.limits.command_seconds,
                    "send_count": 0,
                    "detail": "",
                }
            )
        session.execute(insert(RemoteCommand), rows)
        command_hint.bump(session)  # every process looks for this terminal's commands within half a second
        audit.record(
            session,
            now,
            actor_kind="operator",
            actor=actor,
            action="remote.command",
            service=kind,
            outcome="queued",
            detail={
                "kind": kind,
                "args": public_args(kind, args),
                "group": group or "",
                "terminals": targets[:50],
                "count": len(targets),
                "commands": [str(r["id"]) for r in rows[:50]],
            },
        )
    bo.waiting_commands.note(targets)
    return [str(r["id"]) for r in rows]


def for_heartbeat(bo: Backoffice, terminal_id: str) -> list[dict[str, Any]]:
    """The commands to hand this terminal now (at most ``COMMANDS_PER_HEARTBEAT_MAX``, oldest first):
    pending ones, and sent ones not acknowledged within the resend interval. Marks them sent; expires the
    overdue. No statement at all when no command waits for the terminal (the common heartbeat: see
    ``backoffice.command_hint``), no write when nothing is due."""
    if not bo.waiting_commands.may_have(terminal_id):
        return []
    now = bo.clock()
    resend_before = now - bo.limits.command_resend_seconds
    with bo.sessions.begin() as session:
        rows = session.execute(
            select(
                RemoteCommand.id,
                RemoteCommand.kind,
                RemoteCommand.args,
                RemoteCommand.state,
                RemoteCommand.sent_at,
                RemoteCommand.expires_at,
            )
            .where(RemoteCommand.terminal_id == terminal_id, RemoteCommand.state.in_(ACTIVE))
            .order_by(RemoteCommand.created_at, RemoteCommand.id)
            .limit(4 * c.COMMANDS_PER_HEARTBEAT_MAX)
        ).all()
        if not rows:
            return []
        if any(r.expires_at <= now for r in rows):
            _expire(session, now, terminal_id)
        for r in rows:
            if r.kind in c.RETIRED:  # queued before it became a standing value: never handed out
                session.execute(
                    update(RemoteCommand)
                    .where(RemoteCommand.id == r.id, RemoteCommand.state.in_(ACTIVE))
                    .values(state=EXPIRED, detail=c.RETIRED[r.kind])
                )
        due = [
            r
            for r in rows
            if r.expires_at > now
            and r.kind not in c.RETIRED
            and (r.state == "pending" or (r.sent_at or 0.0) <= resend_before)
        ][: c.COMMANDS_PER_HEARTBEAT_MAX]
        if not due:
            return []
        session.execute(
            update(RemoteCommand)
            .where(RemoteCommand.id.in_([r.id for r in due]), RemoteCommand.state.in_(ACTIVE))
            .values(state="sent", sent_at=now, send_count=RemoteCommand.send_count + 1)
        )
    out = []
    for r in due:
        args = dict(r.args or {})
        if r.kind == c.MAINTENANCE_PIN and "pin" in args:
            args = {"pin": bo.key.decrypt(args["pin"], r.id)}
        out.append({"id": r.id, "kind": r.kind, "args": args})
    return out


def _expire(session: Session, now: float, terminal_id: str | None = None) -> None:
    """Active commands past their time become expired; an expired PIN command forgets its PIN."""
    stmt = update(RemoteCommand).where(RemoteCommand.state.in_(ACTIVE), RemoteCommand.expires_at <= now)
    if terminal_id is not None:
        stmt = stmt.where(RemoteCommand.terminal_id == terminal_id)
    values = {"state": EXPIRED, "detail": "not acknowledged in time"}
    session.execute(stmt.where(RemoteCommand.kind == c.MAINTENANCE_PIN).values(**values, args={}))
    session.execute(stmt.values(**values))


def on_ack(session: Session, terminal_id: str, payload: dict[str, Any], now: float) -> None:
    """A ``command_ack`` event (in the ingest's transaction). Only the command's own terminal may
    acknowledge it; a final state is never overwritten; one past its time stays expired."""
    command_id, outcome = payload.get("command_id"), payload.get("outcome")
    if not isinstance(command_id, str) or not command_id:
        return
    detail = str(payload.get("detail") or "")[: c.ACK_DETAIL_MAX]
    if outcome not in (c.ACK_DONE, c.ACK_REFUSED, c.ACK_FAILED):
        outcome, detail = c.ACK_FAILED, f"acknowledged with an unknown outcome: {str(outcome)[:40]}"
    row = session.get(RemoteCommand, command_id[:64])
    if row is None or row.terminal_id != terminal_id:
        return  # not this terminal's command: ignored (the event itself is kept)
    if row.state in ACTIVE and now <= row.expires_at:
        row.state, row.detail = outcome, detail
    elif row.state in ACTIVE or row.state == EXPIRED:
        row.state, row.detail = EXPIRED, f"acknowledged late ({outcome}): {detail}"[: c.ACK_DETAIL_MAX]
    else:
        return  # already final: a repeated acknowledgement
    row.acked_at = now
    if row.kind == c.MAINTENANCE_PIN:
        row.args = {}
    audit.record(
        session,
        now,
        actor_kind="terminal",
        actor=terminal_id,
        action="remote.ack",
        service=row.kind,
        outcome=row.state,
        detail={"command": row.id, "detail": detail[:200]},
    )


def listing(
    bo: Backoffice, *, terminal_id: str | None = None, group: str | None = None, limit: int = LISTED
) -> list[dict[str, Any]]:
    """The newest commands of a terminal (or of a group's batches), for the console and the API."""
    now = bo.clock()
    with bo.sessions.begin() as session:
        _expire(session, now, terminal_id)
        stmt = select(RemoteCommand).order_by(RemoteCommand.created_at.desc(), RemoteCommand.id).limit(limit)
        if terminal_id is not None:
            stmt = stmt.where(RemoteCommand.terminal_id == terminal_id)
        if group is not None:
            stmt = stmt.where(RemoteCommand.batch == f"group:{group}"[:64])
        rows = session.scalars(stmt).all()
        shots = set(
            session.scalars(
                select(Screenshot.command_id).where(Screenshot.command_id.in_([r.id for r in rows]))
            )
        )
        return [
            {
                "id": r.id,
                "terminal_id": r.terminal_id,
                "kind": r.kind,
                "args": public_args(r.kind, r.args or {}),
                "state": r.state,
                "group": r.batch[6:] if r.batch.startswith("group:") else "",
                "created_at": r.created_at,
                "created_by": r.created_by,
                "expires_at": r.expires_at,
                "sent_at": r.sent_at,
                "send_count": r.send_count,
                "acked_at": r.acked_at,
                "detail": r.detail,
                "screenshot": r.id in shots,
            }
            for r in rows
        ]


def png_size(content: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG from its signature and header chunk, or None when it is not one."""
    if len(content) < 33 or not content.startswith(c.PNG_MAGIC) or content[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", content[16:24])
    if not (0 < width <= SCREENSHOT_SIDE_MAX and 0 < height <= SCREENSHOT_SIDE_MAX):
        return None
    return width, height


def save_screenshot(bo: Backoffice, terminal_id: str, command_id: str, content: bytes) -> dict[str, Any]:
    """A terminal's upload for its own screenshot command; a repeat (lost answer) replaces the first."""
    if len(content) > MAX_SCREENSHOT_BYTES:
        raise ApiError(413, "request.too_large", "screenshot too large")
    size = png_size(content)
    if size is None:
        raise ApiError(422, "screenshot.not_png", "the body is not a PNG image")
    now = bo.clock()
    with bo.sessions.begin() as session:
        row = session.get(RemoteCommand, command_id)
        if row is None or row.terminal_id != terminal_id or row.kind != c.SCREENSHOT:
            raise ApiError(404, "command.unknown", "no screenshot command of this terminal by this id")
        if row.state in (c.ACK_REFUSED, c.ACK_FAILED):
            raise ApiError(409, "command.state", "this screenshot was refused or failed")
        shot = session.get(Screenshot, command_id)
        if shot is None:
            shot = Screenshot(command_id=command_id, terminal_id=terminal_id)
            session.add(shot)
        shot.content, shot.length, (shot.width, shot.height), shot.received_at = (
            content,
            len(content),
            size,
            now,
        )
        audit.record(
            session,
            now,
            actor_kind="terminal",
            actor=terminal_id,
            action="remote.screenshot",
            service=c.SCREENSHOT,
            outcome="stored",
            detail={"command": command_id, "bytes": len(content), "size": f"{size[0]}x{size[1]}"},
        )
    return {"command_id": command_id, "bytes": len(content), "width": size[0], "height": size[1]}


def screenshot_png(bo: Backoffice, command_id: str) -> tuple[bytes, str] | None:
    """A stored screenshot's bytes and its terminal, or None."""
    with bo.sessions() as session:
        shot = session.get(Screenshot, command_id)
        return None if shot is None else (shot.content, shot.terminal_id)
