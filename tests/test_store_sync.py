"""The store's side of sync: migrations, the outbox, purge after acknowledgement, the size bound."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from offline_cache.migrations import MIGRATIONS
from offline_cache.store import Store, StoreFull


def _case(store: Store, subject: bool = True) -> str:
    case_no = store.open_case("si.contributions", "11420000MB0000001")
    store.record_step(case_no, "read_id", "read_id", "ok")
    if subject:
        store.set_subject(case_no, "420102199001011234", "张三", "resident")
    store.close_case(case_no, "done", {"pages": 1, "signature": "data:image/png;base64,AAAA"})
    return case_no


def test_durability_pragmas_and_schema(tmp_path):
    store = Store(tmp_path / "k.sqlite3")
    assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.schema_version == len(MIGRATIONS)
    assert store.integrity_check() == "ok"


def test_upgrade_from_version_2(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:2], start=1):
        for statement in script:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version={number}")
    conn.execute("INSERT INTO outbox(idem_key, kind, payload, created_at) VALUES ('k', 'case', '{}', 1)")
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.schema_version == len(MIGRATIONS)
    assert [e["idem_key"] for e in store.pending_events()] == ["k"]


def test_close_twice_queues_once(tmp_path):
    store = Store(tmp_path / "k.sqlite3")
    case_no = _case(store)
    store.close_case(case_no, "done")
    assert [e["kind"] for e in store.pending_events()] == ["case"]


def test_personal_data_purged_after_acknowledgement(tmp_path):
    store = Store(tmp_path / "k.sqlite3")
    case_no = _case(store)
    event = store.pending_events()[0]
    assert event["payload"]["subject"]["name"] == "张三"
    store.mark_failed([event["idem_key"]], "HTTP 503")
    assert store._conn.execute("SELECT count(*) FROM case_subjects").fetchone()[0] == 1  # not yet
    store.mark_delivered([event["idem_key"]])
    assert store._conn.execute("SELECT count(*) FROM case_subjects").fetchone()[0] == 0
    payload = store._conn.execute("SELECT payload FROM outbox").fetchone()[0]
    assert "张三" not in payload and "420102199001011234" not in payload and "signature" not in payload
    assert json.loads(payload)["data"] == {"pages": 1}
    assert store._conn.execute("SELECT data FROM cases").fetchone()[0] == '{"pages": 1}'
    assert store.get_case(case_no).outcome == "done"
    assert store.queue_depth() == 0


def test_abandoned_cases_are_closed_and_queued(tmp_path):
    store = Store(tmp_path / "k.sqlite3")
    open_no = store.open_case("svc", "item")
    done_no = _case(store)
    assert store.close_abandoned() == [open_no]
    kinds = {e["payload"]["case_no"]: e["payload"]["outcome"] for e in store.pending_events()}
    assert kinds == {done_no: "done", open_no: "interrupted"}
    assert store.close_abandoned() == []


def test_size_bound_refuses_new_cases_and_keeps_the_queue(tmp_path):
    store = Store(tmp_path / "k.sqlite3", max_bytes=10**9)
    case_no = store.open_case("svc", "item")
    for _ in range(30):
        _case(store)
    store.max_bytes = store.used_bytes() - 1
    queued = store.queue_depth()
    with pytest.raises(StoreFull) as info:
        store.open_case("svc", "item")
    assert info.value.key == "error.store.full"
    # a case already open still finishes, is rated, and nothing queued was dropped
    store.record_step(case_no, "s", "t", "ok")
    store.close_case(case_no, "done")
    store.record_rating(case_no, "item", 5, ["overall"])
    assert store.queue_depth() == queued + 2
    # delivering and pruning makes room again
    store.mark_delivered([e["idem_key"] for e in store.pending_events(1000)])
    store.max_bytes = 10**9
    store.prune_delivered(older_than=0)
    store.max_bytes = store.used_bytes() + 8192
    store.open_case("svc", "item")
    assert store.integrity_check() == "ok"


def test_prune_keeps_undelivered(tmp_path):
    store = Store(tmp_path / "k.sqlite3")
    _case(store)
    second = _case(store)
    first_key = store.pending_events()[0]["idem_key"]
    store.mark_delivered([first_key])
    assert store.prune_delivered(older_than=0) == 1
    assert [e["payload"]["case_no"] for e in store.pending_events()] == [second]


def test_reference_data_state_and_bundles(tmp_path):
    store = Store(tmp_path / "k.sqlite3")
    store.put_reference("announcements", [{"id": "a", "text": {"zh_CN": "停电通知"}}])
    assert store.get_reference("announcements")[0]["text"]["zh_CN"] == "停电通知"
    assert store.get_reference("missing", 7) == 7
    store.set_state("clock_offset", 12.5)
    assert store.get_state("clock_offset") == 12.5
    store.record_bundle(3, "/x/bundle-3.bin")
    store.record_bundle(3, "/x/again.bin")
    assert store.bundle_versions() == {"received": 3, "active": None}


def test_bundle_records_waiting_and_their_outcome(tmp_path):
    """The kiosk takes up fetched bundles through the store (under its lock), not with its own SQL."""
    store = Store(tmp_path / "k.sqlite3")
    store.record_bundle(5, "/x/bundle-5.tar")
    store.record_bundle(4, "/x/bundle-4.tar")
    store.record_bundle(6, "/x/bundle-6.tar", "refused", "BadSignature")
    assert store.received_bundles() == [Path("/x/bundle-4.tar"), Path("/x/bundle-5.tar")]
    store.set_bundle_state(Path("/x/bundle-4.tar"), "installed")
    store.set_bundle_state("/x/bundle-5.tar", "refused", "too old")
    assert store.received_bundles() == []
    rows = store._conn.execute("SELECT version, state, detail FROM flow_bundles ORDER BY version").fetchall()
    assert rows == [(4, "installed", ""), (5, "refused", "too old"), (6, "refused", "BadSignature")]
    with pytest.raises(ValueError, match="unknown bundle state"):
        store.set_bundle_state("/x/bundle-4.tar", "instaled")
    assert store.bundle_versions() == {"received": 6, "active": None}
