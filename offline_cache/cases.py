"""Cases (办件): opening, steps, the subject, closing, ratings and queued submissions.

Each write that the back office must hear about enqueues its event in the same transaction
(:func:`offline_cache.outbox.enqueue`); the size bound that refuses *new* cases is the store's, not
this module's, because it weighs the whole database and may prune the outbox first.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from offline_cache.database import Database, now
from offline_cache.outbox import enqueue
from wire.events import CHANNEL_TERMINAL, terminal_digits


class RatingExists(Exception):
    """一事一评: this case already has a rating here (rated moments ago, not yet at the back office)."""

    key = "rate.already_rated"


@dataclass(frozen=True)
class CaseRecord:
    case_no: str
    service_id: str
    item_code: str
    outcome: str | None
    steps: list[dict[str, Any]]
    rating: dict[str, Any] | None
    reason: str = ""  # why a failed case failed: printer, service, network, terminal (docs/outcomes.md)


class Cases:
    def __init__(self, db: Database, terminal_id: str) -> None:
        self._db = db
        self.terminal_id = terminal_id

    def _next_case_no(self, conn: sqlite3.Connection) -> str:
        """办件编号: date, the terminal's 4-digit number, a 6-digit daily sequence; digits only so a
        citizen can type it on a keypad to rate the case later."""
        day = datetime.now().strftime("%Y%m%d")
        conn.execute("INSERT INTO counters(name, value) VALUES (?, 0) ON CONFLICT(name) DO NOTHING", (day,))
        conn.execute("UPDATE counters SET value = value + 1 WHERE name=?", (day,))
        seq = conn.execute("SELECT value FROM counters WHERE name=?", (day,)).fetchone()[0]
        digits = terminal_digits(self.terminal_id)
        return f"{day}{digits}{seq:06d}"

    def open_case(self, service_id: str, item_code: str, flow_version: int | str = 1) -> str:
        with self._db.transaction() as conn:
            case_no = self._next_case_no(conn)
            conn.execute(
                "INSERT INTO cases(case_no, terminal_id, service_id, item_code, flow_version, started_at) "
                "VALUES (?,?,?,?,?,?)",
                (case_no, self.terminal_id, service_id, item_code, str(flow_version), now()),
            )
        return case_no

    def record_step(self, case_no: str, step_id: str, step_type: str, outcome: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO case_steps(case_no, step_id, step_type, outcome, at) VALUES (?,?,?,?,?)",
                (case_no, step_id, step_type, outcome, now()),
            )

    def set_subject(self, case_no: str, id_number: str, name: str, card_type: str) -> None:
        """Who the case is for: kept only until the back office has the case (see the outbox's purge)."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO case_subjects(case_no, id_number, name, card_type) VALUES (?,?,?,?)",
                (case_no, id_number, name, card_type),
            )

    def close_case(self, case_no: str, outcome: str, data: dict[str, Any] | None = None) -> None:
        """Finish a case and queue it for the back office in the same transaction."""
        with self._db.transaction() as conn:
            changed = conn.execute(
                "UPDATE cases SET outcome=?, finished_at=?, data=? WHERE case_no=? AND outcome IS NULL",
                (outcome, now(), json.dumps(data or {}, ensure_ascii=False), case_no),
            ).rowcount
            if changed:  # closing twice must not report the case twice
                enqueue(conn, "case", _case_payload(conn, case_no))

    def close_abandoned(self, outcome: str = "interrupted") -> list[str]:
        """Close every case still open (the process died or restarted mid-case) and queue it.

        Called at start-up, so every case the terminal opened reaches the back office once.
        """
        open_cases = [
            r[0]
            for r in self._db.fetchall("SELECT case_no FROM cases WHERE outcome IS NULL ORDER BY started_at")
        ]
        for case_no in open_cases:
            self.close_case(case_no, outcome)
        return open_cases

    def record_rating(
        self,
        case_no: str,
        item_code: str,
        level: int,
        indicators: dict[str, int],
        comment: str = "",
        channel: str = CHANNEL_TERMINAL,
        *,
        reasons: list[str] | None = None,
        set_version: int = 2,
    ) -> None:
        """好差评: one rating per case (一事一评), queued for the back office like any transaction.
        ``indicators``: indicator id -> score; ``reasons``: 差评 reason ids (flows/ratings.yaml checks both)."""
        if not 1 <= level <= 5:
            raise ValueError("rating level is 1 (非常不满意) to 5 (非常满意)")
        reasons = list(reasons or [])
        with self._db.transaction() as conn:
            if conn.execute("SELECT 1 FROM ratings WHERE case_no=?", (case_no,)).fetchone():
                raise RatingExists(case_no)
            conn.execute(
                "INSERT INTO ratings(case_no, item_code, level, indicators, comment, channel, at, reasons, "
                "set_version) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    case_no,
                    item_code,
                    level,
                    json.dumps(indicators, ensure_ascii=False),
                    comment,
                    channel,
                    now(),
                    json.dumps(reasons, ensure_ascii=False),
                    set_version,
                ),
            )
            enqueue(
                conn,
                "rating",
                {
                    "case_no": case_no,
                    "item_code": item_code,
                    "level": level,
                    "set_version": set_version,
                    "indicators": indicators,
                    "reasons": reasons,
                    "comment": comment,
                    "channel": channel,
                    "terminal_id": self.terminal_id,
                },
            )

    def get_case(self, case_no: str) -> CaseRecord | None:
        with self._db.lock:
            conn = self._db.conn
            row = conn.execute(
                "SELECT case_no, service_id, item_code, outcome, data FROM cases WHERE case_no=?", (case_no,)
            ).fetchone()
            if row is None:
                return None
            steps = conn.execute(
                "SELECT step_id, step_type, outcome FROM case_steps WHERE case_no=? ORDER BY id", (case_no,)
            ).fetchall()
            rating = conn.execute(
                "SELECT level, indicators, comment, reasons FROM ratings WHERE case_no=?", (case_no,)
            ).fetchone()
        return CaseRecord(
            case_no=row[0],
            service_id=row[1],
            item_code=row[2],
            outcome=row[3],
            steps=[{"step": s[0], "type": s[1], "outcome": s[2]} for s in steps],
            rating={
                "level": rating[0],
                "indicators": json.loads(rating[1]),
                "reasons": json.loads(rating[3]),
                "comment": rating[2],
            }
            if rating
            else None,
            reason=str(json.loads(row[4] or "{}").get("reason", "")),
        )

    def queue_submission(
        self, case_no: str, service: str, params: dict[str, Any], session: str | None = None
    ) -> str:
        """Queue an application for a service that accepts it offline (the flow tells the citizen it will
        be submitted); the back office runs it once when the event arrives. Returns the idempotency key.

        ``session``: the back office's citizen session it was made in (a personal application is refused
        without one). The parameters are personal; they are purged once the back office acknowledged them.
        """
        with self._db.transaction() as conn:
            return enqueue(
                conn,
                "submission",
                {
                    "case_no": case_no,
                    "service": service,
                    "params": params,
                    "terminal_id": self.terminal_id,
                    **({"session": session} if session else {}),
                },
            )


def _case_payload(conn: sqlite3.Connection, case_no: str) -> dict[str, Any]:
    """The case event's payload: the case, its steps and (until delivered) its subject."""
    row = conn.execute(
        "SELECT case_no, terminal_id, service_id, item_code, flow_version, started_at, "
        "finished_at, outcome, data FROM cases WHERE case_no=?",
        (case_no,),
    ).fetchone()
    steps = conn.execute(
        "SELECT step_id, step_type, outcome, at FROM case_steps WHERE case_no=? ORDER BY id", (case_no,)
    ).fetchall()
    subject = conn.execute(
        "SELECT id_number, name, card_type FROM case_subjects WHERE case_no=?", (case_no,)
    ).fetchone()
    return {
        "case_no": row[0],
        "terminal_id": row[1],
        "service_id": row[2],
        "item_code": row[3],
        "flow_version": row[4],
        "started_at": row[5],
        "finished_at": row[6],
        "outcome": row[7],
        "reason": json.loads(row[8] or "{}").get("reason", ""),
        "data": json.loads(row[8] or "{}"),
        "steps": [{"step": s[0], "type": s[1], "outcome": s[2], "at": s[3]} for s in steps],
        "subject": {"id_number": subject[0], "name": subject[1], "card_type": subject[2]}
        if subject
        else None,
    }
