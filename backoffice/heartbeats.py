"""A heartbeat's writes: the latest state on the terminal's row, and a bounded history.

Every terminal sends one a minute, so this is the back office's hottest path (20,000 terminals a minute
with four workers: issue 11). It costs one statement in the steady state:

* PostgreSQL: ``UPDATE terminals … FROM (SELECT … FOR UPDATE) AS old … RETURNING old.*`` — the new state
  written and the previous one read in one round trip, the row locked so two heartbeats of one terminal on
  two workers each see the other's. The new state keeps the previous ``history_at`` (merged in SQL), so
  the UPDATE needs nothing read before it. A SELECT then an UPDATE in a transaction, as before, was four
  round trips with BEGIN and COMMIT.
* SQLite (one process): a SELECT and an UPDATE.

Both through the ephemeral engine: autocommit, ``synchronous_commit`` off (``database.make_ephemeral_engine``).
A history row is added when something changed (devices, software, bundle) or ``HISTORY_EVERY`` seconds
after the last one (``history_at`` in the stored state) — about one heartbeat in fifteen in the steady
state, two statements more — and kept ``Limits.heartbeat_history_days`` (``backoffice.retention``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, bindparam, insert, select, text, update

from backoffice.models import HeartbeatHistory, Terminal
from backoffice.state import Backoffice

HISTORY_EVERY = 900.0  # seconds between heartbeat history rows of an unchanged terminal
CHANGES = ("devices", "software_version", "bundle_version")  # a change in one of these is kept at once

_SWAP_POSTGRES = text(
    """
    UPDATE terminals AS t
    SET heartbeat = (CAST(:data AS jsonb)
                     || jsonb_build_object('history_at', CAST(old.heartbeat AS jsonb) -> 'history_at'))::json,
        last_heartbeat_at = :now
    FROM (SELECT id, heartbeat, last_heartbeat_at FROM terminals WHERE id = :tid FOR UPDATE) AS old
    WHERE t.id = old.id
    RETURNING old.heartbeat, old.last_heartbeat_at
    """
).bindparams(bindparam("data", type_=JSON))
_READ = select(Terminal.heartbeat, Terminal.last_heartbeat_at).where(Terminal.id == bindparam("tid"))
_WRITE = (
    update(Terminal)
    .where(Terminal.id == bindparam("tid"))
    .values(heartbeat=bindparam("data", type_=JSON), last_heartbeat_at=bindparam("now"))
)


def record(
    bo: Backoffice, terminal_id: str, data: dict[str, Any], now: float
) -> tuple[dict[str, Any] | None, float | None]:
    """Store the heartbeat; the previous one and when it came (for the console's alerts)."""
    with bo.ephemeral.connect() as conn:
        if conn.dialect.name == "postgresql":
            row = conn.execute(_SWAP_POSTGRES, {"tid": terminal_id, "data": data, "now": now}).first()
            previous, previous_at = (row[0], row[1]) if row is not None else (None, None)
            history_at = (previous or {}).get("history_at")
        else:
            row = conn.execute(_READ, {"tid": terminal_id}).first()
            previous, previous_at = (row[0], row[1]) if row is not None else (None, None)
            history_at = (previous or {}).get("history_at")
            conn.execute(_WRITE, {"tid": terminal_id, "data": {**data, "history_at": history_at}, "now": now})
        changed = any((previous or {}).get(k) != data.get(k) for k in CHANGES)
        if changed or not isinstance(history_at, int | float) or now - history_at >= HISTORY_EVERY:
            kept = {**data, "history_at": now}
            conn.execute(insert(HeartbeatHistory).values(terminal_id=terminal_id, at=now, data=kept))
            conn.execute(_WRITE, {"tid": terminal_id, "data": kept, "now": now})
    return previous, previous_at
