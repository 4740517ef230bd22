"""The back office over real HTTP: enrolment, signatures and replay, idempotent ingest, queries, operators."""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests

from backoffice.demo.data import persons
from kiosk.sync.transport import Refused, Revoked, Signer, Transport
from wire import signing


def _signed(backoffice, credentials, method, path, payload=None, *, now=None, nonce=None):
    body = b"" if payload is None else json.dumps(payload).encode()
    headers = signing.signed_headers(
        credentials.terminal_id,
        credentials.secret,
        method,
        path,
        body,
        now if now is not None else time.time(),
    )
    if nonce is not None:
        headers[signing.H_NONCE] = nonce
        headers[signing.H_SIGNATURE] = signing.sign(
            credentials.secret, method, path, headers[signing.H_TIMESTAMP], nonce, body
        )
    return requests.request(
        method,
        backoffice.url + path,
        data=body or None,
        timeout=10,
        headers=headers | {"Content-Type": "application/json"},
    )


def test_enrolment_tokens_are_one_time(backoffice):
    token = backoffice.token(group="wuhan", terminal_id="T-0042")
    first = requests.post(backoffice.url + "/api/v1/enrol", json={"token": token}, timeout=10)
    assert first.status_code == 200
    assert first.json()["terminal_id"] == "T-0042" and first.json()["group"] == "wuhan"
    again = requests.post(backoffice.url + "/api/v1/enrol", json={"token": token}, timeout=10)
    assert (again.status_code, again.json()["error"]) == (410, "enrol.token_used")
    wrong = requests.post(backoffice.url + "/api/v1/enrol", json={"token": "nope"}, timeout=10)
    assert (wrong.status_code, wrong.json()["error"]) == (401, "enrol.token_unknown")


def test_expired_token_and_group_mismatch(backoffice):
    expired = backoffice.token(ttl_seconds=1)
    backoffice.state.clock = lambda: time.time() + 10
    answer = requests.post(backoffice.url + "/api/v1/enrol", json={"token": expired}, timeout=10)
    assert (answer.status_code, answer.json()["error"]) == (410, "enrol.token_expired")
    token = backoffice.token(group="a")
    answer = requests.post(backoffice.url + "/api/v1/enrol", json={"token": token, "group": "b"}, timeout=10)
    assert answer.json()["error"] == "enrol.group_mismatch"
    assert backoffice.op("GET", "/api/v1/operator/terminals").json() == []


def test_terminal_ids_are_assigned(backoffice):
    assert backoffice.enrol().terminal_id == "T-0001"
    assert backoffice.enrol().terminal_id == "T-0002"


def test_signatures_replay_clock_and_revocation(backoffice):
    creds = backoffice.enrol()
    assert _signed(backoffice, creds, "GET", "/api/v1/config").status_code == 200
    assert _signed(backoffice, creds, "GET", "/api/v1/config", nonce="abc").status_code == 200
    replay = _signed(backoffice, creds, "GET", "/api/v1/config", nonce="abc")
    assert (replay.status_code, replay.json()["error"]) == (401, signing.E_REPLAY)
    skew = _signed(backoffice, creds, "GET", "/api/v1/config", now=time.time() - 3600)
    assert skew.json()["error"] == signing.E_CLOCK and abs(skew.json()["server_time"] - time.time()) < 5
    forged = creds.__class__(terminal_id=creds.terminal_id, secret="0" * 64)
    assert _signed(backoffice, forged, "GET", "/api/v1/config").json()["error"] == signing.E_SIGNATURE
    unsigned = requests.get(backoffice.url + "/api/v1/config", timeout=10)
    assert (unsigned.status_code, unsigned.json()["error"]) == (401, signing.E_MISSING)
    # a body changed in transit no longer matches the signature
    body = json.dumps({"events": []}).encode()
    headers = signing.signed_headers(
        creds.terminal_id, creds.secret, "POST", "/api/v1/events", body, time.time()
    )
    tampered = requests.post(
        backoffice.url + "/api/v1/events", data=b'{"events": [ ]}', headers=headers, timeout=10
    )
    assert tampered.json()["error"] == signing.E_SIGNATURE
    assert backoffice.op("POST", f"/api/v1/operator/terminals/{creds.terminal_id}/revoke").status_code == 200
    revoked = _signed(backoffice, creds, "GET", "/api/v1/config")
    assert (revoked.status_code, revoked.json()["error"]) == (403, signing.E_REVOKED)
    with pytest.raises(Revoked):
        Transport(backoffice.url, Signer(creds)).call("GET", "/api/v1/config")


def test_ingest_is_idempotent(backoffice):
    creds = backoffice.enrol()
    transport = Transport(backoffice.url, Signer(creds))
    case = {
        "case_no": "202611220001000001",
        "service_id": "si",
        "item_code": "X",
        "outcome": "done",
        "subject": {"name": "张三"},
    }
    events = [
        {"idem_key": "k1", "kind": "case", "payload": case},
        {
            "idem_key": "k2",
            "kind": "rating",
            "payload": {"case_no": case["case_no"], "level": 2, "indicators": ["attitude"], "item_code": "X"},
        },
        {"idem_key": "k3", "kind": "device_event", "payload": {"device": "printer", "state": "offline"}},
        {"idem_key": "k4", "kind": "rating", "payload": {"case_no": 5, "level": 9}},
        {"idem_key": "k5", "kind": "future_kind", "payload": {}},
    ]
    first = transport.call("POST", "/api/v1/events", {"events": events})["results"]
    assert [r["status"] for r in first] == ["accepted", "accepted", "accepted", "rejected", "accepted"]
    assert not any(r["duplicate"] for r in first)
    again = transport.call("POST", "/api/v1/events", {"events": events + [events[0]]})["results"]
    assert all(r["duplicate"] for r in again)
    assert [r["answer"] for r in again[:5]] == [r["answer"] for r in first]
    assert len(backoffice.cases()) == 1 and len(backoffice.ratings()) == 1
    # the terminal id comes from the signature, never from the payload
    assert backoffice.cases()[0]["terminal_id"] == creds.terminal_id
    other = Transport(backoffice.url, Signer(backoffice.enrol()))
    assert not other.call("POST", "/api/v1/events", {"events": events[:1]})["results"][0]["duplicate"]


def open_session(transport, id_number, card_type="resident"):
    """The citizen's session a terminal opens when it reads the card; the header personal queries carry."""
    answer = transport.call("POST", "/api/v1/sessions", {"id_number": id_number, "card_type": card_type})
    return {signing.H_SESSION: answer["session"]}


def test_query_services(backoffice):
    transport = Transport(backoffice.url, Signer(backoffice.enrol()))
    person = persons()[0]
    session = open_session(transport, person.id_number)
    answer = transport.call(
        "POST",
        "/api/v1/query/si.contributions",
        {"id_number": person.id_number, "months": 3},
        headers=session,
    )
    assert len(answer["months"]) == 3
    with pytest.raises(Refused) as info:
        transport.call(
            "POST",
            "/api/v1/query/si.contributions",
            {"id_number": "110101190001010000"},
            headers=open_session(transport, "110101190001010000"),
        )
    assert info.value.code == "error.service.no_record"
    session = open_session(transport, person.id_number)
    with pytest.raises(Refused) as info:
        transport.call(
            "POST",
            "/api/v1/query/si.contributions",
            {"id_number": person.id_number, "months": "x"},
            headers=session,
        )
    assert info.value.status == 422
    with pytest.raises(Refused) as info:
        transport.call("POST", "/api/v1/query/no.such", {})
    assert (info.value.status, info.value.code) == (404, "error.service.unknown")


def test_bundles_config_and_announcements_by_group(backoffice):
    wuhan = Transport(backoffice.url, Signer(backoffice.enrol(group="wuhan")))
    other = Transport(backoffice.url, Signer(backoffice.enrol(group="shiyan")))
    content = b"bundle v1"
    publish = {"group": "wuhan", "version": 1, "content_b64": base64.b64encode(content).decode()}
    assert backoffice.op("POST", "/api/v1/operator/bundles", json=publish).status_code == 201
    assert backoffice.op("POST", "/api/v1/operator/bundles", json=publish).status_code == 409
    assert wuhan.call("GET", "/api/v1/bundles/latest")["version"] == 1
    assert wuhan.call("GET", "/api/v1/bundles/1", raw=True) == content
    with pytest.raises(Refused):
        other.call("GET", "/api/v1/bundles/1", raw=True)
    backoffice.op("PUT", "/api/v1/operator/config/group/wuhan", json={"inactivity_s": 60, "countdown_s": 20})
    backoffice.op(
        "PUT",
        f"/api/v1/operator/config/terminal/{wuhan.signer.credentials.terminal_id}",
        json={"countdown_s": 30},
    )
    assert wuhan.call("GET", "/api/v1/config")["config"] == {"inactivity_s": 60, "countdown_s": 30}
    assert other.call("GET", "/api/v1/config")["config"] == {}
    backoffice.op(
        "PUT",
        "/api/v1/operator/announcements",
        json=[
            {"id": "a1", "text": {"zh_CN": "系统维护"}, "groups": ["shiyan"]},
            {"id": "a2", "text": {"zh_CN": "过期"}, "ends": 1.0},
        ],
    )
    assert [a["id"] for a in other.call("GET", "/api/v1/announcements")["announcements"]] == ["a1"]
    assert wuhan.call("GET", "/api/v1/announcements")["announcements"] == []


def test_root_keys_handed_out_at_enrolment(backoffice):
    bad = backoffice.op(
        "PUT", "/api/v1/operator/bundle-root-keys", json={"threshold": 2, "keys": ["ab" * 32]}
    )
    assert bad.status_code == 422
    assert (
        backoffice.op(
            "PUT", "/api/v1/operator/bundle-root-keys", json={"threshold": 1, "keys": ["AB" * 32]}
        ).status_code
        == 200
    )
    token = backoffice.token()
    answer = requests.post(backoffice.url + "/api/v1/enrol", json={"token": token}, timeout=10).json()
    assert answer["bundle_root_keys"] == ["ab" * 32] and answer["bundle_root_threshold"] == 1


def test_operator_api_needs_the_key(backoffice):
    assert requests.get(backoffice.url + "/api/v1/operator/terminals", timeout=10).status_code == 401
    wrong = requests.get(
        backoffice.url + "/api/v1/operator/terminals", headers={"X-Operator-Key": "x"}, timeout=10
    )
    assert wrong.status_code == 401


def test_heartbeat_recorded_for_operators(backoffice):
    creds = backoffice.enrol()
    transport = Transport(backoffice.url, Signer(creds))
    answer = transport.call(
        "POST",
        "/api/v1/heartbeat",
        {
            "devices": [{"device": "printer", "state": "online"}],
            "software_version": "1.2",
            "bundle_version": 3,
            "queue_depth": 7,
            "clock": time.time() - 100,
        },
    )
    assert 99 < answer["clock_offset"] < 102
    [view] = backoffice.op("GET", "/api/v1/operator/terminals").json()
    assert view["heartbeat"]["queue_depth"] == 7 and view["heartbeat"]["devices"][0]["state"] == "online"
    assert view["last_heartbeat_at"] is not None


def test_openapi_description(backoffice):
    spec = requests.get(backoffice.url + "/openapi.json", timeout=10).json()
    assert "/api/v1/events" in spec["paths"] and "/api/v1/operator/tokens" in spec["paths"]
