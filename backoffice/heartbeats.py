"""A heartbeat's writes: the latest state on the terminal's row, and a bounded history.

Every terminal sends one a minute, so this is the back office's hottest path (20,000 terminals a minute
with four workers: issue 11). It costs one statement in the steady state:

* PostgreSQL: ``UPDATE terminals SET heartbeat, last_heartbeat_at FROM (SELECT … FOR UPDATE) AS old …
  RETURNING old.*`` — the new state written and the previous one read in one round trip, the row locked
  so two heartbeats of one terminal on two workers each see the other's (a SELECT then an UPDATE, as
  before, was four round trips with BEGIN and COMMIT);
* SQLite (one process): a SELECT and an UPDATE.

Both through the ephemeral engine: autocommit, ``synchronous_commit`` off (``database.make_ephemeral_engine``).
A history row is added when something changed (devices, software, bundle) or ``HISTORY_EVERY`` seconds
after the last one (``terminals.history_at``) — about one heartbeat in fifteen in the steady state — and is
kept ``Limits.heartbeat_history_days`` (``backoffice.retention``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from backoffice.models import HeartbeatHistory, Terminal
from backoffice.state import Backoffice

HISTORY_EVERY = 900.0  # seconds between heartbeat history rows of an unchanged terminal
CHANGES = ("devices", "software_version", "bundle_version")  # a change in one of these is kept at once


# Built once: constructing an UPDATE .. FROM (SELECT .. FOR UPDATE) costs more CPU than running it.
_OLD = (
    select(Terminal.id, Terminal.heartbeat, Terminal.last_heartbeat_at, Terminal.history_at)
    .where(Terminal.id == bindparam("tid"))
    .with_for_update()
    .subquery("old")
)
_SWAP_RETURNING = (
    update(Terminal)
    .where(Terminal.id == _OLD.c.id)
    .values(heartbeat=bindparam("data", type_=Terminal.heartbeat.type), last_heartbeat_at=bindparam("now"))
    .returning(_OLD.c.heartbeat, _OLD.c.last_heartbeat_at, _OLD.c.history_at)
)
_READ = select(Terminal.heartbeat, Terminal.last_heartbeat_at, Terminal.history_at).where(
    Terminal.id == bindparam("tid")
)
_WRITE = (
    update(Terminal)
    .where(Terminal.id == bindparam("tid"))
    .values(heartbeat=bindparam("data", type_=Terminal.heartbeat.type), last_heartbeat_at=bindparam("now"))
)


def record(
    bo: Backoffice, terminal_id: str, data: dict[str, Any], now: float
) -> tuple[dict[str, Any] | None, float | None]:
    """Store the heartbeat; the previous one and when it came (for the console's alerts)."""
    with bo.ephemeral.connect() as conn:
        previous, previous_at, history_at = _swap(conn, terminal_id, data, now)
        changed = any((previous or {}).get(k) != data.get(k) for k in CHANGES)
        if changed or history_at is None or now - history_at >= HISTORY_EVERY:
            conn.execute(insert(HeartbeatHistory).values(terminal_id=terminal_id, at=now, data=data))
            conn.execute(update(Terminal).where(Terminal.id == terminal_id).values(history_at=now))
    return previous, previous_at


def _swap(
    conn: Connection, terminal_id: str, data: dict[str, Any], now: float
) -> tuple[dict[str, Any] | None, float | None, float | None]:
    """Write the new state; (previous heartbeat, its time, the last history row's time)."""
    params = {"tid": terminal_id, "data": data, "now": now}
    if conn.dialect.name == "postgresql":
        row = conn.execute(_SWAP_RETURNING, params).first()
    else:
        row = conn.execute(_READ, params).first()
        conn.execute(_WRITE, params)
    if row is None:
        return None, None, None
    return row[0], row[1], row[2]
