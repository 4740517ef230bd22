"""The transactional outbox: events for the back office, their delivery, and the purge that follows.

An event is always enqueued on the connection of the transaction that writes the business record it
reports (:func:`enqueue` takes that connection), so a power cut leaves both or neither. Delivery and the
purge of personal data are here too because they are one transaction: once the back office holds a
case, the terminal forgets who it was for.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

from offline_cache.database import Database, now

# Keys of a case's ``data`` that say nothing about the person; everything else (a handwritten signature,
# form answers) is purged with the subject once the back office has the case.
NON_PERSONAL_CASE_DATA = frozenset({"last_step", "reason", "pages", "flow_version", "printed", "documents"})


def enqueue(conn: sqlite3.Connection, kind: str, payload: dict[str, Any]) -> str:
    """Queue an event inside the caller's transaction; returns its idempotency key."""
    key = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO outbox(idem_key, kind, payload, created_at) VALUES (?,?,?,?)",
        (key, kind, json.dumps(payload, ensure_ascii=False), now()),
    )
    return key


class Outbox:
    def __init__(self, db: Database, terminal_id: str) -> None:
        self._db = db
        self.terminal_id = terminal_id

    def pending_events(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self._db.fetchall(
            "SELECT id, idem_key, kind, payload, attempts FROM outbox WHERE delivered_at IS NULL "
            "ORDER BY id LIMIT ?",
            (limit,),
        )
        return [
            {"id": r[0], "idem_key": r[1], "kind": r[2], "payload": json.loads(r[3]), "attempts": r[4]}
            for r in rows
        ]

    def mark_delivered(self, idem_keys: list[str]) -> None:
        """The back office acknowledged these events: mark them and purge the personal data they carried.

        The case's subject (who it was for) and its personal data (a signature, form answers) go in the
        same transaction as the acknowledgement: once the back office holds the case, the terminal has no
        reason to keep them.
        """
        if not idem_keys:
            return
        at = now()
        with self._db.transaction() as conn:
            conn.executemany(
                "UPDATE outbox SET delivered_at=? WHERE idem_key=? AND delivered_at IS NULL",
                [(at, key) for key in idem_keys],
            )
            _purge(conn, idem_keys, at)
        # the purge rewrote the pages, but their old images (ID numbers, names, signatures) are still in the
        # WAL until it is checkpointed; a kiosk runs for months without a clean shutdown, so truncate it now
        self._db.checkpoint()

    def mark_failed(self, idem_keys: list[str], error: str) -> None:
        """Count a failed attempt (for the technician's view); the events stay queued."""
        if not idem_keys:
            return
        with self._db.transaction() as conn:
            conn.executemany(
                "UPDATE outbox SET attempts=attempts+1, last_error=? WHERE idem_key=?",
                [(error[:200], key) for key in idem_keys],
            )

    def oldest_pending_age(self) -> float | None:
        row = self._db.fetchone("SELECT min(created_at) FROM outbox WHERE delivered_at IS NULL")
        return None if row[0] is None else max(0.0, now() - row[0])

    def prune_delivered(self, older_than: float = 7 * 86400) -> int:
        """Forget delivered events (and the local device log) older than ``older_than`` seconds.

        Undelivered events are never touched: that is what the size bound protects.
        """
        cutoff = now() - older_than
        with self._db.transaction() as conn:
            deleted = conn.execute(
                "DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?", (cutoff,)
            ).rowcount
            conn.execute("DELETE FROM device_events WHERE at < ?", (cutoff,))
        self._db.checkpoint()
        return deleted

    def queue_depth(self) -> int:
        return self._db.fetchone("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")[0]

    def record_device_event(self, device: str, state: str, reason: str = "", detail: str = "") -> None:
        """A device changed state: kept in the local log and queued for the back office's fleet view."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO device_events(device, state, reason, detail, at) VALUES (?,?,?,?,?)",
                (device, state, reason, detail, now()),
            )
            enqueue(
                conn,
                "device_event",
                {
                    "terminal_id": self.terminal_id,
                    "device": device,
                    "state": state,
                    "reason": reason,
                    "detail": detail,
                },
            )

    def record_help_call(self, screen: str, service_id: str = "") -> None:
        """The citizen asked for staff: queued for the console's alerts (terminal, screen, service; nothing
        personal)."""
        with self._db.transaction() as conn:
            enqueue(
                conn,
                "help_call",
                {
                    "terminal_id": self.terminal_id,
                    "screen": screen[:32],
                    "service_id": service_id[:128],
                    "at": now(),
                },
            )

    def record_command_ack(self, command_id: str, kind: str, outcome: str, detail: str = "") -> None:
        """A remote command was run (or refused): remembered, so it is never run twice, and queued."""
        with self._db.transaction() as conn:
            done = conn.execute("SELECT value FROM sync_state WHERE name='commands_done'").fetchone()
            ids = json.loads(done[0]) if done else []
            ids = [*ids[-199:], command_id]
            conn.execute(
                "INSERT INTO sync_state(name, value, updated_at) VALUES ('commands_done', ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value=excluded.value, updated_at=excluded.updated_at",
                (json.dumps(ids), now()),
            )
            enqueue(
                conn,
                "command_ack",
                {
                    "terminal_id": self.terminal_id,
                    "command_id": command_id,
                    "kind": kind,
                    "outcome": outcome,
                    "detail": detail[:500],
                },
            )

    def command_done(self, command_id: str) -> bool:
        row = self._db.fetchone("SELECT value FROM sync_state WHERE name='commands_done'")
        return bool(row) and command_id in json.loads(row[0])


def _purge(conn: sqlite3.Connection, idem_keys: list[str], at: float) -> None:
    """Drop the personal data of delivered submissions and cases (inside the acknowledging transaction)."""
    for start in range(0, len(idem_keys), 500):
        chunk = idem_keys[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT id, payload FROM outbox WHERE kind='submission' AND purged_at IS NULL "
            f"AND delivered_at IS NOT NULL AND idem_key IN ({marks})",
            chunk,
        ).fetchall()
        for row_id, payload_text in rows:
            payload = json.loads(payload_text)
            payload["params"] = None
            conn.execute(
                "UPDATE outbox SET payload=?, purged_at=? WHERE id=?",
                (json.dumps(payload, ensure_ascii=False), at, row_id),
            )
        rows = conn.execute(
            f"SELECT id, payload FROM outbox WHERE kind='case' AND purged_at IS NULL "
            f"AND delivered_at IS NOT NULL AND idem_key IN ({marks})",
            chunk,
        ).fetchall()
        for row_id, payload_text in rows:
            payload = json.loads(payload_text)
            data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
            kept = {k: v for k, v in data.items() if k in NON_PERSONAL_CASE_DATA}
            if payload.get("subject") is not None or kept != data:
                payload["subject"], payload["data"] = None, kept
                conn.execute(
                    "UPDATE outbox SET payload=? WHERE id=?",
                    (json.dumps(payload, ensure_ascii=False), row_id),
                )
            case_no = payload.get("case_no")
            conn.execute("DELETE FROM case_subjects WHERE case_no=?", (case_no,))
            conn.execute(
                "UPDATE cases SET data=? WHERE case_no=?", (json.dumps(kept, ensure_ascii=False), case_no)
            )
            conn.execute("UPDATE outbox SET purged_at=? WHERE id=?", (at, row_id))
