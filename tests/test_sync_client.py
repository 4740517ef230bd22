"""The sync client against the real back office on 127.0.0.1, with faults injected by a proxy."""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path

import pytest

from backoffice.demo.data import persons
from flows.services import ServiceError, ServiceOffline
from kiosk.sync import SyncClient, SyncStatus, full_jitter
from offline_cache.store import Store


def _cases(store: Store, count: int) -> list[str]:
    numbers = []
    for _ in range(count):
        case_no = store.open_case("si.contributions", "11420000MB0000001")
        store.record_step(case_no, "read_id", "read_id", "ok")
        store.set_subject(case_no, "420102199001011234", "张三", "resident")
        store.close_case(case_no, "done")
        store.record_rating(case_no, "11420000MB0000001", 4, ["overall"])
        numbers.append(case_no)
    return numbers


def _client(tmp_path, backoffice, url=None, **kwargs) -> tuple[Store, SyncClient]:
    credentials = backoffice.enrol()
    store = Store(tmp_path / "kiosk.sqlite3", terminal_id=credentials.terminal_id)
    options = {
        "heartbeat_interval": 3600,
        "fetch_interval": 3600,
        "backoff_base": 0.5,
        "backoff_cap": 5,
        "timeout": (2, 2),
        "rng": random.Random(1),
    } | kwargs
    return store, SyncClient(store, url or backoffice.url, credentials, **options)


def _attempt(client: SyncClient) -> float:
    client._next_attempt = 0.0
    return client.run_once()


def _assert_exactly_once(backoffice, store: Store, numbers: list[str]) -> None:
    counts = Counter(c["case_no"] for c in backoffice.cases(store.terminal_id))
    assert counts == Counter(numbers), "every case exactly once"
    ratings = Counter(r["case_no"] for r in backoffice.ratings(store.terminal_id))
    assert ratings == Counter(numbers)
    assert store.queue_depth() == 0
    assert store._conn.execute("SELECT count(*) FROM case_subjects").fetchone()[0] == 0


def test_drains_in_batches_and_reports_online(tmp_path, backoffice):
    store, client = _client(tmp_path, backoffice, batch_size=7)
    seen: list[SyncStatus] = []
    client.events.subscribe(seen.append)
    numbers = _cases(store, 20)
    _attempt(client)
    assert client.online and seen[-1].online
    _assert_exactly_once(backoffice, store, numbers)
    assert client.query_service.online


def test_worker_thread_delivers_without_blocking(tmp_path, backoffice, fault_proxy):
    fault_proxy.mode = "slow"
    fault_proxy.slow_seconds = 0.3
    store, client = _client(tmp_path, backoffice, url=fault_proxy.url, heartbeat_interval=0.2, timeout=(2, 5))
    client.start()
    try:
        numbers = _cases(store, 3)
        started = time.monotonic()
        client.wake()
        assert time.monotonic() - started < 0.05
        deadline = time.monotonic() + 20
        while store.queue_depth() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        client.stop()
    _assert_exactly_once(backoffice, store, numbers)


def test_server_down_queues_then_delivers(tmp_path, backoffice, fault_proxy):
    store, client = _client(tmp_path, backoffice, url=fault_proxy.url)
    seen: list[bool] = []
    client.events.subscribe(lambda s: seen.append(s.online))
    fault_proxy.down()
    numbers = _cases(store, 5)
    delay = _attempt(client)
    assert not client.online and 0 <= delay <= 5
    assert store.queue_depth() == 10
    with pytest.raises(ServiceOffline):
        client.query_service.query("si.contributions", {"id_number": persons()[0].id_number})
    fault_proxy.up()
    _attempt(client)
    assert client.online and seen == [False, True]
    _assert_exactly_once(backoffice, store, numbers)
    person = persons()[0]
    assert client.query_service.query("hf.statement", {"id_number": person.id_number})["account"]


def test_5xx_backs_off_honouring_retry_after(tmp_path, backoffice, fault_proxy):
    store, client = _client(tmp_path, backoffice, url=fault_proxy.url)
    _attempt(client)  # heartbeat and fetches while healthy
    numbers = _cases(store, 3)
    fault_proxy.mode = "503"
    fault_proxy.retry_after = "30"
    assert _attempt(client) >= 30
    assert not client.online
    fault_proxy.mode = "500"
    delays = [_attempt(client) for _ in range(6)]
    assert all(0 <= d <= 5 for d in delays)
    fault_proxy.mode = "pass"
    _attempt(client)
    _assert_exactly_once(backoffice, store, numbers)
    attempts = store._conn.execute("SELECT max(attempts) FROM outbox").fetchone()[0]
    assert attempts == 7


def test_slow_answers_time_out_and_are_not_duplicated(tmp_path, backoffice, fault_proxy):
    store, client = _client(tmp_path, backoffice, url=fault_proxy.url, timeout=(1, 0.5))
    _attempt(client)
    numbers = _cases(store, 4)
    fault_proxy.mode = "slow"
    fault_proxy.slow_seconds = 1.5
    _attempt(client)  # the server handled the batch; the answer came too late
    assert not client.online and store.queue_depth() == 8
    fault_proxy.mode = "pass"
    _attempt(client)
    _assert_exactly_once(backoffice, store, numbers)


def test_garbage_bodies_are_not_acknowledgements(tmp_path, backoffice, fault_proxy):
    store, client = _client(tmp_path, backoffice, url=fault_proxy.url)
    _attempt(client)
    numbers = _cases(store, 2)
    fault_proxy.mode = "garbage"
    _attempt(client)
    assert not client.online and store.queue_depth() == 4
    with pytest.raises(ServiceOffline):
        client.query_service._last_failure = 0
        client.query_service.query("license.ready", {"id_number": persons()[1].id_number})
    fault_proxy.mode = "pass"
    _attempt(client)
    _assert_exactly_once(backoffice, store, numbers)


def test_connection_reset_in_the_middle_of_a_batch(tmp_path, backoffice, fault_proxy):
    store, client = _client(tmp_path, backoffice, url=fault_proxy.url, batch_size=10)
    _attempt(client)
    numbers = _cases(store, 25)  # 50 events: five batches
    fault_proxy.script.extend(["pass", "pass", "reset_after"])  # third batch committed, answer lost
    _attempt(client)
    assert store.queue_depth() == 30
    fault_proxy.script.extend(["reset"])  # and a reset before the server sees anything
    _attempt(client)
    _attempt(client)
    _assert_exactly_once(backoffice, store, numbers)


def test_clock_far_off_is_corrected(tmp_path, backoffice):
    far = time.time() + 3 * 86400
    store, client = _client(tmp_path, backoffice, clock=lambda: time.time() + 3 * 86400)
    numbers = _cases(store, 2)
    _attempt(client)
    assert client.online
    assert abs(client.signer.now() - time.time()) < 5 and far - time.time() > 86400
    _assert_exactly_once(backoffice, store, numbers)
    [view] = backoffice.op("GET", "/api/v1/operator/terminals").json()
    assert view["heartbeat"]["clock_offset"] < -86400  # operators see the terminal's clock is wrong
    # the learnt offset survives a restart
    assert abs(store.get_state("clock_offset") + 3 * 86400) < 5


def test_revoked_terminal_stops_and_says_so(tmp_path, backoffice):
    store, client = _client(tmp_path, backoffice)
    _attempt(client)
    backoffice.op("POST", f"/api/v1/operator/terminals/{store.terminal_id}/revoke")
    _cases(store, 1)
    _attempt(client)
    assert client.status.revoked and not client.online
    assert store.queue_depth() == 2  # kept, not dropped
    with pytest.raises(ServiceOffline):
        client.query_service.query("license.ready", {"id_number": persons()[0].id_number})


def test_query_refusal_carries_the_key(tmp_path, backoffice):
    _, client = _client(tmp_path, backoffice)
    with pytest.raises(ServiceError) as info:
        client.query_service.query("si.contributions", {"id_number": "110101190001010000"})
    assert info.value.key == "error.service.no_record" and not isinstance(info.value, ServiceOffline)


def test_updates_are_fetched_and_cached(tmp_path, backoffice):
    import base64
    import hashlib

    store, client = _client(tmp_path, backoffice)
    content = b"signed bundle bytes"
    backoffice.op(
        "POST",
        "/api/v1/operator/bundles",
        json={"version": 4, "content_b64": base64.b64encode(content).decode()},
    )
    backoffice.op("PUT", "/api/v1/operator/config/group/default", json={"inactivity_s": 45})
    backoffice.op("PUT", "/api/v1/operator/announcements", json=[{"id": "n1", "text": {"zh_CN": "通知"}}])
    _attempt(client)
    assert store.get_reference("config") == {"inactivity_s": 45}
    assert store.get_reference("announcements")[0]["id"] == "n1"
    assert "si.contributions" in store.get_reference("catalog")
    assert store.bundle_versions()["received"] == 4
    path = store._conn.execute("SELECT path FROM flow_bundles WHERE version=4").fetchone()[0]
    assert hashlib.sha256(Path(path).read_bytes()).digest() == hashlib.sha256(content).digest()
    # a changed configuration is noticed at the next heartbeat
    backoffice.op("PUT", "/api/v1/operator/config/group/default", json={"inactivity_s": 30})
    client.heartbeat()
    _attempt(client)
    assert store.get_reference("config") == {"inactivity_s": 30}


def test_full_jitter_is_capped():
    rng = random.Random(3)
    samples = [full_jitter(n, 1.0, 60.0, rng) for n in range(40) for _ in range(20)]
    assert all(0 <= s <= 60 for s in samples)
    assert max(full_jitter(2, 1.0, 60.0, rng) for _ in range(200)) <= 4
    assert max(full_jitter(20, 1.0, 60.0, rng) for _ in range(200)) > 30


def test_application_queued_offline_is_run_once(tmp_path, backoffice, fault_proxy):
    store, client = _client(tmp_path, backoffice, url=fault_proxy.url)
    person = persons()[0]
    session = client.query_service.open_session(person.id_number, "resident")  # the citizen at the terminal
    fault_proxy.down()
    case_no = store.open_case("hf.withdraw", "X")
    signature = '<svg><path d="M10 10L20 20L30 12"/></svg>'
    key = store.queue_submission(
        case_no,
        "hf.withdraw_apply",
        {"id_number": person.id_number, "signed": True, "amount": 100, "signature": signature},
        session,
    )
    bad = store.queue_submission(
        case_no, "hf.withdraw_apply", {"id_number": person.id_number, "signed": False}, session
    )
    no_session = store.queue_submission(
        case_no,
        "hf.withdraw_apply",
        {"id_number": person.id_number, "signed": True, "amount": 100, "signature": signature},
    )
    _attempt(client)
    assert not client.online and store.submission_result(key) is None
    fault_proxy.up()
    fault_proxy.script.extend(["pass", "pass", "pass", "pass", "pass", "reset_after"])  # answer lost once
    _attempt(client)
    _attempt(client)
    answer = store.submission_result(key)
    assert answer["status"] == "accepted" and answer["result"]["status"] == "已受理"
    assert store.submission_result(bad)["reason"] == "error.service.unsigned"
    assert store.submission_result(no_session)["reason"] == "error.service.session"
    payloads = [r[0] for r in store._conn.execute("SELECT payload FROM outbox WHERE kind='submission'")]
    assert all(person.id_number not in p for p in payloads)  # purged after the acknowledgement


def test_cached_answers_only_for_non_personal_services(tmp_path, backoffice, fault_proxy, monkeypatch):
    import kiosk.sync.query as query

    monkeypatch.setattr(query, "CACHEABLE", frozenset({"medical.certificate"}))  # stand-in for the guide
    store, client = _client(tmp_path, backoffice, url=fault_proxy.url)
    person = persons()[3]
    params = {"id_number": person.id_number}
    live = client.query_service.query("medical.certificate", params, allow_cached=True)
    client.query_service.query("hf.statement", params, allow_cached=True)
    fault_proxy.down()
    client.query_service._last_failure = 0
    cached = client.query_service.query("medical.certificate", params, allow_cached=True)
    assert cached == {**live, "cached": True}
    with pytest.raises(ServiceOffline):
        client.query_service.query("medical.certificate", params)  # the flow did not allow cached data
    with pytest.raises(ServiceOffline):
        client.query_service.query("hf.statement", params, allow_cached=True)  # never cached
    names = [r[0] for r in store._conn.execute("SELECT name FROM reference_data")]
    assert any(n.startswith("query:medical.certificate:") for n in names)
    assert not any(n.startswith("query:hf.statement") for n in names)
