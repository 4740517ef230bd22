"""The terminal's SQLite store: cases, their steps and ratings, the outbox, device events, print jobs.

Durability first: WAL with ``synchronous=FULL`` (kiosks lose power), versioned
migrations, and the transactional outbox: every business record and the event
that reports it to the back office are written in one transaction, so a power
cut leaves either both or neither.

The store is used from one worker thread at a time (the UI's database executor);
a lock guards it anyway so a CLI or a test can share it safely.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from offline_cache.migrations import MIGRATIONS

# Keys of a case's ``data`` that say nothing about the person; everything else (a handwritten signature,
# form answers) is purged with the subject once the back office has the case.
NON_PERSONAL_CASE_DATA = frozenset({"last_step", "pages", "flow_version", "printed", "documents"})


class StoreFull(Exception):
    """The database reached its size bound: new cases are refused, nothing queued is dropped."""

    key = "error.store.full"


@dataclass(frozen=True)
class CaseRecord:
    case_no: str
    service_id: str
    item_code: str
    outcome: str | None
    steps: list[dict[str, Any]]
    rating: dict[str, Any] | None


def _now() -> float:
    return time.time()


class Store:
    def __init__(self, path: Path | str, *, terminal_id: str = "T-0000", max_bytes: int = 512 * 1024 * 1024):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.terminal_id = terminal_id
        self.max_bytes = max_bytes
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self.db = sqlite_utils.Database(self._conn)
        self._migrate()

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _migrate(self) -> None:
        with self._lock:
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                with self.transaction():
                    for statement in script:
                        self._conn.execute(statement)
                    self._conn.execute(f"PRAGMA user_version={number}")

    @property
    def schema_version(self) -> int:
        return self._conn.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def integrity_check(self) -> str:
        with self._lock:
            return self._conn.execute("PRAGMA integrity_check").fetchone()[0]

    def size_bytes(self) -> int:
        with self._lock:
            pages = self._conn.execute("PRAGMA page_count").fetchone()[0]
            size = self._conn.execute("PRAGMA page_size").fetchone()[0]
        wal = self.path.with_name(self.path.name + "-wal")
        return pages * size + (wal.stat().st_size if wal.exists() else 0)

    def used_bytes(self) -> int:
        """Bytes in live pages: what the size bound compares (free pages are reused, so the file stops growing)."""
        with self._lock:
            pages = self._conn.execute("PRAGMA page_count").fetchone()[0]
            free = self._conn.execute("PRAGMA freelist_count").fetchone()[0]
            size = self._conn.execute("PRAGMA page_size").fetchone()[0]
        return (pages - free) * size

    def is_full(self) -> bool:
        return self.used_bytes() > self.max_bytes

    # -- the outbox ------------------------------------------------------------------------------
    def _enqueue(self, conn: sqlite3.Connection, kind: str, payload: dict[str, Any]) -> str:
        key = str(uuid.uuid4())
        conn.execute("INSERT INTO outbox(idem_key, kind, payload, created_at) VALUES (?,?,?,?)",
                     (key, kind, json.dumps(payload, ensure_ascii=False), _now()))
        return key

    def pending_events(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, idem_key, kind, payload, attempts FROM outbox WHERE delivered_at IS NULL "
                "ORDER BY id LIMIT ?", (limit,)).fetchall()
        return [{"id": r[0], "idem_key": r[1], "kind": r[2], "payload": json.loads(r[3]), "attempts": r[4]}
                for r in rows]

    def mark_delivered(self, idem_keys: list[str]) -> None:
        """The back office acknowledged these events: mark them and purge the personal data they carried.

        The case's subject (who it was for) and its personal data (a signature, form answers) go in the
        same transaction as the acknowledgement: once the back office holds the case, the terminal has no
        reason to keep them.
        """
        if not idem_keys:
            return
        now = _now()
        with self.transaction() as conn:
            conn.executemany("UPDATE outbox SET delivered_at=? WHERE idem_key=? AND delivered_at IS NULL",
                             [(now, key) for key in idem_keys])
            self._purge(conn, idem_keys, now)

    def _purge(self, conn: sqlite3.Connection, idem_keys: list[str], now: float) -> None:
        for start in range(0, len(idem_keys), 500):
            chunk = idem_keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(f"SELECT id, payload FROM outbox WHERE kind='submission' AND purged_at IS NULL "
                                f"AND delivered_at IS NOT NULL AND idem_key IN ({marks})", chunk).fetchall()
            for row_id, payload_text in rows:
                payload = json.loads(payload_text)
                payload["params"] = None
                conn.execute("UPDATE outbox SET payload=?, purged_at=? WHERE id=?",
                             (json.dumps(payload, ensure_ascii=False), now, row_id))
            rows = conn.execute(f"SELECT id, payload FROM outbox WHERE kind='case' AND purged_at IS NULL "
                                f"AND delivered_at IS NOT NULL AND idem_key IN ({marks})", chunk).fetchall()
            for row_id, payload_text in rows:
                payload = json.loads(payload_text)
                data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
                kept = {k: v for k, v in data.items() if k in NON_PERSONAL_CASE_DATA}
                if payload.get("subject") is not None or kept != data:
                    payload["subject"], payload["data"] = None, kept
                    conn.execute("UPDATE outbox SET payload=? WHERE id=?",
                                 (json.dumps(payload, ensure_ascii=False), row_id))
                case_no = payload.get("case_no")
                conn.execute("DELETE FROM case_subjects WHERE case_no=?", (case_no,))
                conn.execute("UPDATE cases SET data=? WHERE case_no=?",
                             (json.dumps(kept, ensure_ascii=False), case_no))
                conn.execute("UPDATE outbox SET purged_at=? WHERE id=?", (now, row_id))

    def mark_failed(self, idem_keys: list[str], error: str) -> None:
        """Count a failed attempt (for the technician's view); the events stay queued."""
        if not idem_keys:
            return
        with self.transaction() as conn:
            conn.executemany("UPDATE outbox SET attempts=attempts+1, last_error=? WHERE idem_key=?",
                             [(error[:200], key) for key in idem_keys])

    def oldest_pending_age(self) -> float | None:
        with self._lock:
            row = self._conn.execute("SELECT min(created_at) FROM outbox WHERE delivered_at IS NULL").fetchone()
        return None if row[0] is None else max(0.0, _now() - row[0])

    def prune_delivered(self, older_than: float = 7 * 86400) -> int:
        """Forget delivered events (and the local device log) older than ``older_than`` seconds.

        Undelivered events are never touched: that is what the size bound protects.
        """
        cutoff = _now() - older_than
        with self.transaction() as conn:
            deleted = conn.execute("DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?",
                                   (cutoff,)).rowcount
            conn.execute("DELETE FROM device_events WHERE at < ?", (cutoff,))
        with self._lock:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted

    def queue_depth(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NULL").fetchone()[0]

    # -- cases -----------------------------------------------------------------------------------
    def _next_case_no(self, conn: sqlite3.Connection) -> str:
        """办件编号: date, the terminal's 4-digit number, a 6-digit daily sequence; digits only so a
        citizen can type it on a keypad to rate the case later."""
        day = datetime.now().strftime("%Y%m%d")
        conn.execute("INSERT INTO counters(name, value) VALUES (?, 0) ON CONFLICT(name) DO NOTHING", (day,))
        conn.execute("UPDATE counters SET value = value + 1 WHERE name=?", (day,))
        seq = conn.execute("SELECT value FROM counters WHERE name=?", (day,)).fetchone()[0]
        digits = "".join(ch for ch in self.terminal_id if ch.isdigit())[-4:].rjust(4, "0")
        return f"{day}{digits}{seq:06d}"

    def open_case(self, service_id: str, item_code: str, flow_version: int | str = 1) -> str:
        """Start a case; refused with :class:`StoreFull` when the database is at its bound.

        Only new cases are refused: steps, closes and ratings of cases already open still go in, and
        nothing queued is ever dropped to make room.
        """
        if self.is_full():
            self.prune_delivered(older_than=0)
            used = self.used_bytes()
            if used > self.max_bytes:
                raise StoreFull(f"database holds {used} bytes, bound {self.max_bytes}")
        with self.transaction() as conn:
            case_no = self._next_case_no(conn)
            conn.execute(
                "INSERT INTO cases(case_no, terminal_id, service_id, item_code, flow_version, started_at) "
                "VALUES (?,?,?,?,?,?)", (case_no, self.terminal_id, service_id, item_code, str(flow_version), _now()))
        return case_no

    def record_step(self, case_no: str, step_id: str, step_type: str, outcome: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT INTO case_steps(case_no, step_id, step_type, outcome, at) VALUES (?,?,?,?,?)",
                         (case_no, step_id, step_type, outcome, _now()))

    def set_subject(self, case_no: str, id_number: str, name: str, card_type: str) -> None:
        """Who the case is for: kept only until the back office has the case (see purge_delivered)."""
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO case_subjects(case_no, id_number, name, card_type) "
                         "VALUES (?,?,?,?)", (case_no, id_number, name, card_type))

    def close_case(self, case_no: str, outcome: str, data: dict[str, Any] | None = None) -> None:
        """Finish a case and queue it for the back office in the same transaction."""
        with self.transaction() as conn:
            changed = conn.execute(
                "UPDATE cases SET outcome=?, finished_at=?, data=? WHERE case_no=? AND outcome IS NULL",
                (outcome, _now(), json.dumps(data or {}, ensure_ascii=False), case_no)).rowcount
            if changed:  # closing twice must not report the case twice
                self._enqueue(conn, "case", self._case_payload(conn, case_no))

    def close_abandoned(self, outcome: str = "interrupted") -> list[str]:
        """Close every case still open (the process died or restarted mid-case) and queue it.

        Called at start-up, so every case the terminal opened reaches the back office once.
        """
        with self._lock:
            open_cases = [r[0] for r in self._conn.execute(
                "SELECT case_no FROM cases WHERE outcome IS NULL ORDER BY started_at").fetchall()]
        for case_no in open_cases:
            self.close_case(case_no, outcome)
        return open_cases

    def _case_payload(self, conn: sqlite3.Connection, case_no: str) -> dict[str, Any]:
        row = conn.execute("SELECT case_no, terminal_id, service_id, item_code, flow_version, started_at, "
                           "finished_at, outcome, data FROM cases WHERE case_no=?", (case_no,)).fetchone()
        steps = conn.execute("SELECT step_id, step_type, outcome, at FROM case_steps WHERE case_no=? ORDER BY id",
                             (case_no,)).fetchall()
        subject = conn.execute("SELECT id_number, name, card_type FROM case_subjects WHERE case_no=?",
                               (case_no,)).fetchone()
        return {
            "case_no": row[0], "terminal_id": row[1], "service_id": row[2], "item_code": row[3],
            "flow_version": row[4], "started_at": row[5], "finished_at": row[6], "outcome": row[7],
            "data": json.loads(row[8] or "{}"),
            "steps": [{"step": s[0], "type": s[1], "outcome": s[2], "at": s[3]} for s in steps],
            "subject": {"id_number": subject[0], "name": subject[1], "card_type": subject[2]} if subject else None,
        }

    def record_rating(self, case_no: str, item_code: str, level: int, indicators: list[str],
                      comment: str = "", channel: str = "self_service_terminal") -> None:
        """好差评: one rating per case (一事一评), queued for the back office like any transaction."""
        if not 1 <= level <= 5:
            raise ValueError("rating level is 1 (非常不满意) to 5 (非常满意)")
        with self.transaction() as conn:
            conn.execute("INSERT INTO ratings(case_no, item_code, level, indicators, comment, channel, at) "
                         "VALUES (?,?,?,?,?,?,?)",
                         (case_no, item_code, level, json.dumps(indicators, ensure_ascii=False), comment, channel,
                          _now()))
            self._enqueue(conn, "rating", {"case_no": case_no, "item_code": item_code, "level": level,
                                           "indicators": indicators, "comment": comment, "channel": channel,
                                           "terminal_id": self.terminal_id})

    def get_case(self, case_no: str) -> CaseRecord | None:
        with self._lock:
            row = self._conn.execute("SELECT case_no, service_id, item_code, outcome FROM cases WHERE case_no=?",
                                     (case_no,)).fetchone()
            if row is None:
                return None
            steps = self._conn.execute("SELECT step_id, step_type, outcome FROM case_steps WHERE case_no=? "
                                       "ORDER BY id", (case_no,)).fetchall()
            rating = self._conn.execute("SELECT level, indicators, comment FROM ratings WHERE case_no=?",
                                        (case_no,)).fetchone()
        return CaseRecord(
            case_no=row[0], service_id=row[1], item_code=row[2], outcome=row[3],
            steps=[{"step": s[0], "type": s[1], "outcome": s[2]} for s in steps],
            rating={"level": rating[0], "indicators": json.loads(rating[1]), "comment": rating[2]} if rating else None)

    def queue_submission(self, case_no: str, service: str, params: dict[str, Any]) -> str:
        """Queue an application for a service that accepts it offline (the flow tells the citizen it will
        be submitted); the back office runs it once when the event arrives. Returns the idempotency key.

        The parameters are personal; they are purged once the back office has acknowledged them.
        """
        with self.transaction() as conn:
            return self._enqueue(conn, "submission", {"case_no": case_no, "service": service, "params": params,
                                                      "terminal_id": self.terminal_id})

    def submission_result(self, idem_key: str) -> dict[str, Any] | None:
        """The back office's answer to a queued submission, once delivered (None before)."""
        return self.get_state(f"submission:{idem_key}")

    # -- devices ---------------------------------------------------------------------------------
    def record_device_event(self, device: str, state: str, reason: str = "", detail: str = "") -> None:
        with self.transaction() as conn:
            conn.execute("INSERT INTO device_events(device, state, reason, detail, at) VALUES (?,?,?,?,?)",
                         (device, state, reason, detail, _now()))
            self._enqueue(conn, "device_event", {"terminal_id": self.terminal_id, "device": device, "state": state,
                                                 "reason": reason, "detail": detail})

    # -- cached reference data, sync state, bundles ------------------------------------------------
    def put_reference(self, name: str, value: Any) -> None:
        """Cache back-office data (catalog, announcements, config, lookups a flow may use offline)."""
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO reference_data(name, value, updated_at) VALUES (?,?,?)",
                         (name, json.dumps(value, ensure_ascii=False), _now()))

    def get_reference(self, name: str, default: Any = None) -> Any:
        with self._lock:
            row = self._conn.execute("SELECT value FROM reference_data WHERE name=?", (name,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_state(self, name: str, value: Any) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO sync_state(name, value, updated_at) VALUES (?,?,?)",
                         (name, json.dumps(value), _now()))

    def get_state(self, name: str, default: Any = None) -> Any:
        with self._lock:
            row = self._conn.execute("SELECT value FROM sync_state WHERE name=?", (name,)).fetchone()
        return default if row is None else json.loads(row[0])

    def record_bundle(self, version: int, path: str, state: str = "received", detail: str = "") -> None:
        """A flow bundle fetched from the back office; verification and activation belong to the flows."""
        with self.transaction() as conn:
            conn.execute("INSERT INTO flow_bundles(version, path, state, received_at, detail) VALUES (?,?,?,?,?) "
                         "ON CONFLICT(version) DO NOTHING", (version, path, state, _now(), detail))

    def bundle_versions(self) -> dict[str, int | None]:
        """Highest received and highest active bundle version (for the heartbeat)."""
        with self._lock:
            received = self._conn.execute("SELECT max(version) FROM flow_bundles").fetchone()[0]
            active = self._conn.execute("SELECT max(version) FROM flow_bundles WHERE state='active'").fetchone()[0]
        return {"received": received, "active": active}
