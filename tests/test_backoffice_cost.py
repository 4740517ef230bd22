"""What a request costs the database, held where issue 11's throughput depends on it.

Before: a heartbeat was twelve statements on PostgreSQL (a pre-ping and BEGIN/ROLLBACK around the terminal's row,
the nonce in a transaction of its own, then SET LOCAL, a SELECT, the UPDATE and a history row, each transaction
with BEGIN and COMMIT), and a batch of 500 events went through the ORM's unit of work. Now a heartbeat of a
terminal this process has seen is two statements (the nonce, the state), and a batch is a handful whatever its
size. Counted on the server's own engines, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import event, func, select

from backoffice.models import Case, HeartbeatHistory, Rating
from kiosk.sync.transport import Signer, Transport

BEAT = {"devices": [{"device": "printer", "state": "online"}], "software_version": "1.0", "queue_depth": 0}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def any_backoffice(request):
    return request.getfixturevalue("backoffice" if request.param == "sqlite" else "postgres_backoffice")


@contextlib.contextmanager
def statements(bo) -> Iterator[list[str]]:
    """The SQL the server's engines send meanwhile (BEGIN and COMMIT are not cursor executions: counted
    apart by psycopg as transactions, and absent in autocommit)."""
    seen: list[str] = []
    engines = [bo.engine] + ([bo.ephemeral] if bo.ephemeral.pool is not bo.engine.pool else [])

    def listen(_conn, _cursor, sql, *_args) -> None:
        seen.append(" ".join(sql.split())[:60])

    for engine in engines:
        event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", listen)


def test_a_heartbeat_is_two_statements_once_the_terminal_is_known(any_backoffice):
    live = any_backoffice
    transport = Transport(live.url, Signer(live.enrol()))
    transport.call("POST", "/api/v1/heartbeat", BEAT)  # first contact: the terminal's row, a history row
    time.sleep(0.6)  # and the terminals' revision read again: the steady state is a cached terminal
    transport.call("POST", "/api/v1/heartbeat", BEAT)
    with statements(live.state) as seen:
        transport.call("POST", "/api/v1/heartbeat", {**BEAT, "queue_depth": 1})
    postgres = live.state.engine.dialect.name == "postgresql"
    assert len(seen) == (2 if postgres else 3), seen  # nonce + state (SQLite: its state read apart)
    assert seen[0].startswith("INSERT INTO nonces")
    with live.state.sessions() as session:  # nothing changed but the queue: no second history row
        assert session.scalar(select(func.count()).select_from(HeartbeatHistory)) == 1
    [view] = live.op("GET", "/api/v1/operator/terminals").json()
    assert view["heartbeat"]["queue_depth"] == 1


def test_a_batch_is_a_handful_of_statements_whatever_its_size(any_backoffice):
    live = any_backoffice
    creds = live.enrol()
    transport = Transport(live.url, Signer(creds))
    events = []
    for n in range(250):
        case_no = f"{creds.terminal_id}-{n:04d}"
        events.append(
            {"idem_key": f"c{n}", "kind": "case", "payload": {"case_no": case_no, "outcome": "done"}}
        )
        events.append({"idem_key": f"r{n}", "kind": "rating", "payload": {"case_no": case_no, "level": 5}})
    with statements(live.state) as seen:
        answer = transport.call("POST", "/api/v1/events", {"events": events})
    assert [r["status"] for r in answer["results"]] == ["accepted"] * 500
    # the nonce, the keys stored, the case numbers' owners, their ratings, the events, their ids, the cases,
    # the ratings (and, for a terminal this process has not seen lately, its row and the terminals' revision)
    batch = [sql for sql in seen if not sql.startswith(("SELECT rate_counters", "SELECT terminals"))]
    assert len(batch) == 8, batch
    with live.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 250
        assert session.scalar(select(func.count()).select_from(Rating)) == 250
    again = transport.call("POST", "/api/v1/events", {"events": events})  # a retry: answered from storage
    assert all(r["duplicate"] for r in again["results"])
    assert [r["answer"] for r in again["results"]] == [r["answer"] for r in answer["results"]]
