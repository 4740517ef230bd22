"""One test per finding of the back-office review (issue 11), against the real server on 127.0.0.1."""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import threading
import time
from collections import Counter
from urllib.parse import urlparse

import pytest
import requests
from sqlalchemy import select

from backoffice.models import Terminal
from kiosk.sync.transport import Refused, Signer, Transport
from wire import services, signing


def _raw(url: str, request: bytes, *, send_body: bytes = b"", timeout: float = 10.0) -> bytes:
    """Send raw bytes; the answer's first bytes (whatever the server said before closing)."""
    parts = urlparse(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(request)
        if send_body:
            with contextlib.suppress(OSError):  # the server may close before all of it is sent
                sock.sendall(send_body)
        answer = sock.recv(65536)
        sock.settimeout(1.0)
        with contextlib.suppress(OSError):  # read until closed or quiet
            while chunk := sock.recv(65536):
                answer += chunk
        return answer


def test_body_limit_before_the_body_is_read(backoffice):
    """A 256 MiB body announced, none sent: answered 413 at once (before: read and parsed, 1.9 GB)."""
    for path in ("/api/v1/events", "/api/v1/enrol", "/api/v1/operator/bundles"):
        started = time.monotonic()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {256 * 1024 * 1024}\r\n\r\n"
        ).encode()
        answer = _raw(backoffice.url, head)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:80]
        assert time.monotonic() - started < 2


def test_chunked_body_counted_as_it_arrives(backoffice):
    """No Content-Length: the bytes are counted and the request refused once over the limit."""
    head = b"POST /api/v1/enrol HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"a" * (1024 * 1024)
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(12))
    answer = _raw(backoffice.url, head, send_body=body)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:80]


def test_signature_headers_checked_before_the_body(backoffice):
    """An unsigned terminal request is refused without its body being read or parsed."""
    head = (
        b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 4000000\r\n\r\n"
    )
    answer = _raw(backoffice.url, head)  # the body never comes: an answer means it was not waited for
    assert answer.startswith(b"HTTP/1.1 401") and signing.E_MISSING.encode() in answer


@pytest.mark.parametrize(
    "stamp", ["nan", "NaN", "inf", "-inf", "1e9", "1795803180.5", "+1795803180", "0x6afc6d2c"]
)
def test_timestamps_are_whole_ascii_seconds(backoffice, stamp):
    """Before: a request signed with 'nan' passed the ±300 s window and replayed after a year."""
    creds = backoffice.enrol()
    nonce = "n" * 32
    signature = signing.sign(creds.secret, "GET", "/api/v1/config", stamp, nonce, b"")
    answer = requests.get(
        backoffice.url + "/api/v1/config",
        timeout=10,
        headers={
            signing.H_TERMINAL: creds.terminal_id,
            signing.H_TIMESTAMP: stamp,
            signing.H_NONCE: nonce,
            signing.H_SIGNATURE: signature,
        },
    )
    assert answer.status_code == 401 and answer.json()["error"] in (signing.E_SIGNATURE, signing.E_CLOCK)


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2020-01", "to": "200000-12"},
        {"from": "2020-01", "to": "999999999-12"},
        {"from": "1900-01", "to": "2026-12"},
        {"months": 100000},
        {"months": "9" * 12},
        {"months": -3},
        {"from": "2020-13", "to": "2021-01"},
        {"from": ["2020-01"], "to": "2021-01"},
    ],
)
def test_periods_are_bounded(backoffice, params):
    """Before: hf.statement to 200000-12 returned 187 MB; to 999999999-12 burned a core."""
    from backoffice.demo.data import persons

    person = persons()[0]
    transport = Transport(backoffice.url, Signer(backoffice.enrol()))
    session = transport.call("POST", "/api/v1/sessions", {"id_number": person.id_number})["session"]
    for service in ("hf.statement", "si.contributions"):
        started = time.monotonic()
        with pytest.raises(Refused) as info:
            transport.call(
                "POST",
                f"/api/v1/query/{service}",
                {"id_number": person.id_number, **params},
                headers={signing.H_SESSION: session},
            )
        assert (info.value.status, info.value.code) == (422, services.E_BAD_PERIOD)
        assert time.monotonic() - started < 2
    ten_years = transport.call(
        "POST",
        "/api/v1/query/hf.statement",
        {"id_number": person.id_number, "from": "2016-01", "to": "2025-12"},
        headers={signing.H_SESSION: session},
    )
    assert len(ten_years["months"]) == 120


def test_revoked_id_reenrols_only_with_its_own_token(backoffice):
    creds = backoffice.enrol(terminal_id="T-0100")
    assert backoffice.op("POST", "/api/v1/operator/terminals/T-0100/revoke").status_code == 200
    generic = backoffice.token()
    answer = requests.post(
        backoffice.url + "/api/v1/enrol", json={"token": generic, "terminal_id": "T-0100"}, timeout=10
    )
    assert (answer.status_code, answer.json()["error"]) == (409, "enrol.terminal_exists")
    [view] = [
        t for t in backoffice.op("GET", "/api/v1/operator/terminals").json() if t["terminal_id"] == "T-0100"
    ]
    assert view["status"] == "revoked"
    # the generic token was not spent by the refusal
    assert (
        requests.post(backoffice.url + "/api/v1/enrol", json={"token": generic}, timeout=10).status_code
        == 200
    )
    again = backoffice.enrol(terminal_id="T-0100")  # a token issued for T-0100
    assert again.terminal_id == "T-0100" and again.secret != creds.secret


def test_one_rating_per_case_fleet_wide(backoffice):
    """Before: ratings of another terminal's case were accepted fifty times."""
    case_no = "202611270001000001"
    owner = Transport(backoffice.url, Signer(backoffice.enrol()))
    owner.call(
        "POST",
        "/api/v1/events",
        {
            "events": [
                {"idem_key": "c1", "kind": "case", "payload": {"case_no": case_no, "outcome": "completed"}}
            ]
        },
    )
    others = [Transport(backoffice.url, Signer(backoffice.enrol())) for _ in range(3)]
    statuses = []

    def rate(transport, n):
        events = [
            {"idem_key": f"r{n}-{i}", "kind": "rating", "payload": {"case_no": case_no, "level": 1}}
            for i in range(10)
        ]
        statuses.extend(
            r["status"] for r in transport.call("POST", "/api/v1/events", {"events": events})["results"]
        )

    threads = [threading.Thread(target=rate, args=(t, n)) for n, t in enumerate([owner, *others])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(statuses) == {"accepted": 1, "rejected": 39}
    assert len(backoffice.ratings()) == 1


def test_case_numbers_belong_to_their_terminal(backoffice):
    """Before: a terminal could file a case under another's case number."""
    case_no = "202611270001000002"
    first = Transport(backoffice.url, Signer(backoffice.enrol()))
    second = Transport(backoffice.url, Signer(backoffice.enrol()))
    event = {"idem_key": "k", "kind": "case", "payload": {"case_no": case_no, "outcome": "completed"}}
    assert first.call("POST", "/api/v1/events", {"events": [event]})["results"][0]["status"] == "accepted"
    [result] = second.call("POST", "/api/v1/events", {"events": [event]})["results"]
    assert result["status"] == "rejected" and result["answer"]["reason"] == "case_no of another terminal"
    [case] = backoffice.cases()
    assert case["terminal_id"] == first.signer.credentials.terminal_id


def test_a_poison_event_is_rejected_alone(backoffice):
    """Before: a lone surrogate in one event failed its whole batch with a 500."""
    creds = backoffice.enrol()
    good = [{"idem_key": f"g{i}", "kind": "case", "payload": {"case_no": f"C{i}"}} for i in range(3)]
    body = json.dumps(
        {
            "events": [
                good[0],
                {"idem_key": "bad", "kind": "case", "payload": {"case_no": "C9", "comment": "\ud800"}},
                *good[1:],
                {"idem_key": "\udfff", "kind": "case", "payload": {"case_no": "C8"}},
            ]
        }
    ).encode()
    headers = signing.signed_headers(
        creds.terminal_id, creds.secret, "POST", "/api/v1/events", body, time.time()
    )
    answer = requests.post(
        backoffice.url + "/api/v1/events",
        data=body,
        timeout=10,
        headers=headers | {"Content-Type": "application/json"},
    )
    assert answer.status_code == 200
    statuses = [r["status"] for r in answer.json()["results"]]
    assert statuses == ["accepted", "rejected", "accepted", "accepted", "rejected"]
    assert sorted(c["case_no"] for c in backoffice.cases()) == ["C0", "C1", "C2"]


def test_heartbeat_extras_schema_checked_and_bounded(backoffice):
    """Before: a 20 MB blob with a <script> reached the operator listing."""
    transport = Transport(backoffice.url, Signer(backoffice.enrol()))
    transport.call(
        "POST",
        "/api/v1/heartbeat",
        {
            "queue_depth": 1,
            "blob": "<script>x</script>" * 1000,
            "devices": [{"device": "printer", "state": "online", "x": "y"}],
        },
    )
    with pytest.raises(Refused) as info:
        transport.call("POST", "/api/v1/heartbeat", {"devices": [{"device": "p", "detail": "a" * 5000}]})
    assert info.value.status == 422
    with pytest.raises(Refused) as info:
        transport.call("POST", "/api/v1/heartbeat", {"software_version": "<script>" * 100})
    assert info.value.status == 422
    [view] = backoffice.op("GET", "/api/v1/operator/terminals").json()
    assert "blob" not in view["heartbeat"] and "x" not in view["heartbeat"]["devices"][0]
    assert len(json.dumps(view["heartbeat"])) < 2000


def test_terminal_secrets_encrypted_at_rest(backoffice, tmp_path):
    creds = backoffice.enrol()
    with backoffice.state.sessions() as session:
        stored = session.scalar(select(Terminal.secret).where(Terminal.id == creds.terminal_id))
    assert stored.startswith("v1:") and creds.secret not in stored
    raw = (tmp_path / "backoffice.sqlite3").read_bytes() + (tmp_path / "backoffice.sqlite3-wal").read_bytes()
    assert creds.secret.encode() not in raw
    key_file = tmp_path / "backoffice.sqlite3.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    # and the terminal still signs its requests with it
    assert Transport(backoffice.url, Signer(creds)).call("GET", "/api/v1/config")["config"] == {}


def _spend_concurrently(live, tokens, per_token=6):
    results: list[tuple[str, int]] = []
    barrier = threading.Barrier(len(tokens) * per_token)

    def enrol(token):
        barrier.wait()
        answer = requests.post(live.url + "/api/v1/enrol", json={"token": token}, timeout=30)
        results.append((token, answer.status_code))

    threads = [threading.Thread(target=enrol, args=(t,)) for t in tokens for _ in range(per_token)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_tokens_spent_once_under_concurrency_sqlite(backoffice):
    """Before: 6 concurrent enrolments per token, 30 tokens -> 105 terminals."""
    tokens = [backoffice.token() for _ in range(15)]
    results = _spend_concurrently(backoffice, tokens)
    ok = Counter(token for token, status in results if status == 200)
    assert ok == Counter({t: 1 for t in tokens})
    assert {status for _, status in results} <= {200, 410}
    assert len(backoffice.op("GET", "/api/v1/operator/terminals").json()) == 15


@pytest.mark.slow
def test_tokens_spent_once_under_concurrency_postgres(postgres_backoffice):
    tokens = [postgres_backoffice.token() for _ in range(15)]
    results = _spend_concurrently(postgres_backoffice, tokens)
    ok = Counter(token for token, status in results if status == 200)
    assert ok == Counter({t: 1 for t in tokens})
    assert {status for _, status in results} <= {200, 410}
    assert len(postgres_backoffice.op("GET", "/api/v1/operator/terminals").json()) == 15


def test_bundle_upload_within_its_own_limit(backoffice):
    content = b"x" * (9 * 1024 * 1024)  # above the general limit, within the bundle one
    publish = {"group": "default", "version": 1, "content_b64": base64.b64encode(content).decode()}
    assert backoffice.op("POST", "/api/v1/operator/bundles", json=publish).status_code == 201


def test_malformed_batches_are_refused_whole_and_odd_events_alone(backoffice):
    creds = backoffice.enrol()

    def post(body: bytes) -> requests.Response:
        headers = signing.signed_headers(
            creds.terminal_id, creds.secret, "POST", "/api/v1/events", body, time.time()
        )
        return requests.post(
            backoffice.url + "/api/v1/events",
            data=body,
            timeout=10,
            headers=headers | {"Content-Type": "application/json"},
        )

    assert post(b"{not json").status_code == 422
    assert post(b'{"events": {}}').status_code == 422
    too_many = {"events": [{"idem_key": f"k{i}", "kind": "x", "payload": {}} for i in range(1001)]}
    assert post(json.dumps(too_many).encode()).status_code == 422
    odd = post(
        json.dumps(
            {
                "events": [
                    7,
                    {"kind": "case"},
                    {"idem_key": "ok", "kind": "x", "payload": {}},
                    {"idem_key": "k" * 65, "kind": "x", "payload": {}},
                ]
            }
        ).encode()
    )
    assert odd.status_code == 200
    assert [r["status"] for r in odd.json()["results"]] == ["rejected", "rejected", "accepted", "rejected"]
