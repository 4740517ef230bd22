"""The same back office on SQLite and PostgreSQL: Alembic migrations, enrolment, idempotent ingest."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from backoffice.database import current_revision, make_engine
from kiosk.sync import SyncClient
from kiosk.sync.transport import Signer, Transport
from offline_cache.store import Store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])  # a PostgreSQL server
def any_backoffice(request):
    return request.getfixturevalue("backoffice" if request.param == "sqlite" else "postgres_backoffice")


def test_migrated_to_head(any_backoffice):
    engine = make_engine(any_backoffice.database_url)
    try:
        assert (
            current_revision(engine) == "0006"
        )  # 0005: remote commands; 0006: rating set 2 (scores, 差评 reasons)
    finally:
        engine.dispose()


def test_sync_and_idempotent_ingest(tmp_path, any_backoffice):
    credentials = any_backoffice.enrol(group="wuhan")
    store = Store(tmp_path / "k.sqlite3", terminal_id=credentials.terminal_id)
    numbers = []
    for _ in range(30):
        case_no = store.open_case("hf.statement", "X")
        store.set_subject(case_no, "420102199001011234", "李四", "resident")
        store.close_case(case_no, "done")
        store.record_rating(case_no, "X", 1, ["attitude"], comment="排队太久")
        numbers.append(case_no)
    store.record_device_event("printer", "hardware_error", "error.device.paper_out")
    events = store.pending_events(1000)
    client = SyncClient(store, any_backoffice.url, credentials, batch_size=16)
    client.run_once()
    assert store.queue_depth() == 0
    # the same events again, from several threads at once: still one record each
    body = {"events": [{k: e[k] for k in ("idem_key", "kind", "payload")} for e in events]}
    answers = []

    def resend() -> None:
        answers.append(
            Transport(any_backoffice.url, Signer(credentials)).call("POST", "/api/v1/events", body)
        )

    threads = [threading.Thread(target=resend) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 4 and all(r["duplicate"] for a in answers for r in a["results"])
    assert Counter(c["case_no"] for c in any_backoffice.cases()) == Counter(numbers)
    ratings = any_backoffice.ratings()
    assert len(ratings) == 30 and ratings[0]["comment"] == "排队太久"
    [terminal] = any_backoffice.op("GET", "/api/v1/operator/terminals", params={"group": "wuhan"}).json()
    assert terminal["heartbeat"]["queue_depth"] == 61


def test_concurrent_first_delivery(tmp_path, any_backoffice):
    """Two requests race with the same new keys (a retry overtaking the original): one record each."""
    credentials = any_backoffice.enrol()
    body = {
        "events": [
            {"idem_key": f"race-{i}", "kind": "case", "payload": {"case_no": f"C{i}"}} for i in range(50)
        ]
    }
    results = []

    def send() -> None:
        results.append(
            Transport(any_backoffice.url, Signer(credentials)).call("POST", "/api/v1/events", body)
        )

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6
    assert Counter(c["case_no"] for c in any_backoffice.cases()) == Counter(f"C{i}" for i in range(50))


def test_rating_set_2_scores_reasons_and_phone_ratings(tmp_path, any_backoffice):
    """Indicator scores in their own table (the console's per-indicator GROUP BY), reasons on the rating, and a
    rating that comes by no terminal event (rated later on a phone) — on both databases."""
    import requests

    from backoffice.console import stats
    from wire.ratelater import rate_code

    credentials = any_backoffice.enrol()
    store = Store(tmp_path / "k.sqlite3", terminal_id=credentials.terminal_id)
    numbers = []
    for n in range(3):
        case_no = store.open_case("hf.statement", "X")
        store.close_case(case_no, "completed")
        numbers.append(case_no)
        if n < 2:
            store.record_rating(
                case_no, "X", 2 - n, {"efficiency": 1, "convenience": 3 - n}, reasons=["slow"]
            )
    SyncClient(store, any_backoffice.url, credentials).run_once()
    assert store.queue_depth() == 0
    phone = requests.post(
        f"{any_backoffice.url}/api/v1/rate/{numbers[2]}",
        json={
            "v": rate_code(credentials.secret, credentials.terminal_id, numbers[2]),
            "level": 5,
            "indicators": {"efficiency": 3},
        },
        timeout=10,
    )
    assert phone.status_code == 200, phone.text
    ratings = {r["case_no"]: r for r in any_backoffice.ratings()}
    assert (
        ratings[numbers[0]]["reasons"] == ["slow"] and ratings[numbers[0]]["indicators"]["convenience"] == 3
    )
    assert ratings[numbers[2]]["channel"] == "phone"
    bo = any_backoffice.state
    with bo.sessions() as session:
        scores = stats.indicator_scores(session, 0, bo.clock() + 1)
    assert scores == {"efficiency": {1: 2, 3: 1}, "convenience": {3: 1, 2: 1}}
