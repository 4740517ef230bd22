"""Two back-office processes on one database agree: replays, revocations, one-time tokens, login limits.

Before: nonces and revocations were per process — a captured request replayed on the other process, a
revoked terminal kept answering there for 2 s, and 17 of 20 tokens enrolled twice.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from tests.fixtures import live
from wire import signing

pytestmark = pytest.mark.slow  # two server processes per test (about 22 s in all)

KEY = "two-process-key"


def _serve(database: str, tmp_path: Path) -> tuple[subprocess.Popen, str]:
    env = {
        "BACKOFFICE_OPERATOR_KEY": KEY,
        "BACKOFFICE_KEY_FILE": str(tmp_path / "server.key"),
        "BACKOFFICE_LIMITS": '{"session_subjects": 2}',
    }
    return live.serve(database, env=env, timeout=30)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def two_servers(request, tmp_path):
    if request.param == "sqlite":
        database = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    else:
        from sqlalchemy import create_engine, text

        from backoffice.database import normalise_url

        database = request.getfixturevalue("postgres_url")
        engine = create_engine(normalise_url(database))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    first = _serve(database, tmp_path)  # migrates
    second = _serve(database, tmp_path)
    yield first[1], second[1]
    for process, _ in (first, second):
        live.stop(process)  # terminate; killed if it has not ended in 15 s (a teardown error otherwise)


def _op(url, method, path, **kwargs):
    return requests.request(method, url + path, headers={"X-Operator-Key": KEY}, timeout=10, **kwargs)


def _enrol(url, **token):
    issued = _op(url, "POST", "/api/v1/operator/tokens", json=token).json()["tokens"][0]
    return requests.post(url + "/api/v1/enrol", json={"token": issued}, timeout=10).json()


def _signed_get(url, creds, path, headers=None):
    headers = headers or signing.signed_headers(
        creds["terminal_id"], creds["secret"], "GET", path, b"", time.time()
    )
    return requests.get(url + path, headers=headers, timeout=10), headers


def test_a_replay_on_the_other_process_is_refused(two_servers):
    a, b = two_servers
    creds = _enrol(a)
    first, headers = _signed_get(a, creds, "/api/v1/config")
    assert first.status_code == 200
    replay, _ = _signed_get(b, creds, "/api/v1/config", headers)
    assert (replay.status_code, replay.json()["error"]) == (401, signing.E_REPLAY)


def test_a_revocation_reaches_the_other_process_within_a_second(two_servers):
    a, b = two_servers
    creds = _enrol(a)
    assert _signed_get(b, creds, "/api/v1/config")[0].status_code == 200  # b has it cached now
    assert _op(a, "POST", f"/api/v1/operator/terminals/{creds['terminal_id']}/revoke").status_code == 200
    revoked_at = time.monotonic()
    while True:
        sent = time.monotonic()  # a request's own time on a loaded machine is not the revocation's delay
        answer, _ = _signed_get(b, creds, "/api/v1/config")
        if answer.status_code == 403:
            break
        assert sent - revoked_at < 1.0, "still answering a second after the revocation"
        time.sleep(0.05)
    assert answer.json()["error"] == signing.E_REVOKED


def test_each_token_enrols_once_across_processes(two_servers):
    a, b = two_servers
    tokens = _op(a, "POST", "/api/v1/operator/tokens", json={"count": 5}).json()["tokens"]
    tokens += _op(b, "POST", "/api/v1/operator/tokens", json={"count": 5}).json()["tokens"]
    results = []
    barrier = threading.Barrier(len(tokens) * 4)

    def enrol(url, token):
        barrier.wait()
        results.append(
            (token, requests.post(url + "/api/v1/enrol", json={"token": token}, timeout=30).status_code)
        )

    threads = [threading.Thread(target=enrol, args=(url, t)) for t in tokens for url in (a, b, a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(t for t, status in results if status == 200) == Counter({t: 1 for t in tokens})
    assert {status for _, status in results} <= {200, 410}


def test_login_lockout_holds_across_processes(two_servers):
    a, b = two_servers
    assert (
        _op(
            a,
            "POST",
            "/api/v1/operator/operators",
            json={"name": "carol", "role": "viewer", "password": "a long enough password"},
        ).status_code
        == 201
    )
    for n in range(5):
        wrong = requests.post(
            (a, b)[n % 2] + "/api/v1/operator/login", json={"name": "carol", "password": "x"}, timeout=10
        )
        assert wrong.status_code == 401
    right = requests.post(
        b + "/api/v1/operator/login", json={"name": "carol", "password": "a long enough password"}, timeout=10
    )
    assert (right.status_code, right.json()["error"]) == (401, "operator.unauthorised")  # as a wrong password
    audit = requests.get(a + "/api/v1/operator/audit", headers={"X-Operator-Key": KEY}, timeout=10).json()
    outcomes = [r["outcome"] for r in audit if r["action"] == "operator.login"]
    assert outcomes == ["refused.password"] * 5 + ["refused.locked"]
    assert json.dumps(audit).count("a long enough password") == 0


def test_the_session_rate_holds_across_processes(two_servers):
    """The distinct-citizen rate is counted in the database: a terminal cannot spread its sessions over
    processes to get more (the limit here is 2, from BACKOFFICE_LIMITS)."""
    from backoffice.demo.data import persons
    from kiosk.sync import Credentials
    from kiosk.sync.transport import Refused, Signer, Transport

    a, b = two_servers
    creds = Credentials.from_enrolment(_enrol(a))
    on_a, on_b = Transport(a, Signer(creds)), Transport(b, Signer(creds))
    people = persons()[:3]
    on_a.call("POST", "/api/v1/sessions", {"id_number": people[0].id_number})
    on_b.call("POST", "/api/v1/sessions", {"id_number": people[1].id_number})
    with pytest.raises(Refused) as info:
        on_a.call("POST", "/api/v1/sessions", {"id_number": people[2].id_number})
    assert info.value.code == "error.service.session_rate"
    alerts = requests.get(b + "/api/v1/operator/alerts", headers={"X-Operator-Key": KEY}, timeout=10).json()
    assert [a["terminal_id"] for a in alerts] == [creds.terminal_id]


def test_a_server_whose_port_was_taken_meanwhile_starts_on_another(tmp_path, monkeypatch):
    """Between choosing a free port and the server binding it, another process may take it (the other test
    worker's back office, answering /health too): the harness must not hand out that server's address."""
    from backoffice.app import create_app
    from backoffice.server import ThreadedServer

    other = ThreadedServer(
        create_app(f"sqlite:///{tmp_path / 'other.sqlite3'}", operator_key="other")
    ).start()
    ports = iter([other.port])
    monkeypatch.setattr(live, "free_port", lambda: next(ports, 0) or _real_free_port())
    try:
        process, url = _serve(f"sqlite:///{tmp_path / 'ours.sqlite3'}", tmp_path)
        try:
            assert url != other.url and live.listens_on(process.pid, int(url.rsplit(":", 1)[1]))
            assert _op(url, "GET", "/api/v1/operator/terminals").status_code == 200  # our key: ours
        finally:
            live.stop(process)
    finally:
        other.stop()


_real_free_port = live.free_port
