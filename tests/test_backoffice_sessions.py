"""A citizen's data only inside that citizen's session, against the real server on 127.0.0.1.

Before: any terminal's credentials read anyone's records by ID number alone, one thread enumerated
26,614 ID numbers unthrottled, and a withdrawal marked "signed" without a signature was accepted.
"""

from __future__ import annotations

import json
import time

import pytest
import requests

from backoffice.demo.data import persons
from backoffice.state import Limits
from kiosk.sync import HttpQueryService
from kiosk.sync.transport import Refused, Signer, Transport
from tests.fixtures.backoffice import start_backoffice
from wire import services, signing

SIGNATURE = '<svg><path d="M10 10L20 20L30 12"/></svg>'


def _session(transport, id_number, **extra):
    answer = transport.call(
        "POST", "/api/v1/sessions", {"id_number": id_number, "card_type": "resident", **extra}
    )
    return {signing.H_SESSION: answer["session"]}


def _refused(call) -> Refused:
    with pytest.raises(Refused) as info:
        call()
    return info.value


@pytest.fixture
def small_backoffice(tmp_path):
    live = start_backoffice(
        f"sqlite:///{tmp_path / 'bo.sqlite3'}", limits=Limits(session_subjects=3, session_queries=4)
    )
    yield live
    live.server.stop()
    live.state.engine.dispose()


@pytest.mark.parametrize("service", sorted(services.PERSONAL_SERVICES))
def test_personal_services_refused_without_a_session(backoffice, service):
    transport = Transport(backoffice.url, Signer(backoffice.enrol()))
    person = persons()[0]
    error = _refused(
        lambda: transport.call("POST", f"/api/v1/query/{service}", {"id_number": person.id_number})
    )
    assert (error.status, error.code) == (403, services.E_SESSION)
    bogus = {signing.H_SESSION: "not-a-session"}
    error = _refused(
        lambda: transport.call(
            "POST", f"/api/v1/query/{service}", {"id_number": person.id_number}, headers=bogus
        )
    )
    assert error.code == services.E_SESSION


def test_a_session_is_bound_to_its_subject_and_terminal(backoffice):
    me, other = persons()[0], persons()[1]
    transport = Transport(backoffice.url, Signer(backoffice.enrol()))
    session = _session(transport, me.id_number)
    answer = transport.call(
        "POST", "/api/v1/query/property.records", {"id_number": me.id_number}, headers=session
    )
    assert answer["name"] == me.name
    # the same token for another person, or from another terminal, answers nothing
    error = _refused(
        lambda: transport.call(
            "POST", "/api/v1/query/property.records", {"id_number": other.id_number}, headers=session
        )
    )
    assert error.code == services.E_SESSION
    thief = Transport(backoffice.url, Signer(backoffice.enrol()))
    error = _refused(
        lambda: thief.call(
            "POST", "/api/v1/query/property.records", {"id_number": me.id_number}, headers=session
        )
    )
    assert error.code == services.E_SESSION
    # closing ends it at once; a new citizen's session ends the previous one
    transport.call("POST", "/api/v1/sessions/close", {"session": session[signing.H_SESSION]})
    error = _refused(
        lambda: transport.call(
            "POST", "/api/v1/query/property.records", {"id_number": me.id_number}, headers=session
        )
    )
    assert error.code == services.E_SESSION
    first = _session(transport, me.id_number)
    _session(transport, other.id_number)
    error = _refused(
        lambda: transport.call(
            "POST", "/api/v1/query/property.records", {"id_number": me.id_number}, headers=first
        )
    )
    assert error.code == services.E_SESSION


def test_sessions_expire_and_allow_a_bounded_number_of_queries(small_backoffice):
    live = small_backoffice
    person = persons()[0]
    transport = Transport(live.url, Signer(live.enrol()))
    session = _session(transport, person.id_number)
    for _ in range(4):
        transport.call(
            "POST", "/api/v1/query/medical.certificate", {"id_number": person.id_number}, headers=session
        )
    error = _refused(
        lambda: transport.call(
            "POST", "/api/v1/query/medical.certificate", {"id_number": person.id_number}, headers=session
        )
    )
    assert error.code == services.E_SESSION
    session = _session(transport, person.id_number)
    live.state.clock = lambda: (
        time.time() + 901
    )  # past the session's life (900 s), within the signature window
    error = _refused(
        lambda: transport.call(
            "POST", "/api/v1/query/medical.certificate", {"id_number": person.id_number}, headers=session
        )
    )
    assert error.code in (services.E_SESSION, signing.E_CLOCK)


def test_enumeration_is_refused_after_the_rate_and_raises_an_alert(small_backoffice):
    """The issue's attack: a terminal's credentials walk through ID numbers. 0 answers leak without a
    session; with sessions, the 4th distinct citizen is refused and an alert is raised."""
    live = small_backoffice
    creds = live.enrol()
    transport = Transport(live.url, Signer(creds))
    people = persons()[:8]
    leaked = 0
    for person in people:  # without sessions: nothing
        try:
            transport.call("POST", "/api/v1/query/si.contributions", {"id_number": person.id_number})
            leaked += 1
        except Refused:
            pass
    assert leaked == 0
    answered, refused = 0, []
    for person in people:
        try:
            session = _session(transport, person.id_number)
        except Refused as exc:
            refused.append(exc)
            continue
        transport.call(
            "POST", "/api/v1/query/si.contributions", {"id_number": person.id_number}, headers=session
        )
        answered += 1
    assert answered == 3 and len(refused) == 5
    assert {(e.status, e.code) for e in refused} == {(403, services.E_SESSION_RATE)}
    alerts = live.op("GET", "/api/v1/operator/alerts").json()
    assert [a["kind"] for a in alerts] == ["citizen_session.rate"] and alerts[0][
        "terminal_id"
    ] == creds.terminal_id
    # the same citizen again (a second service) is not a new subject
    again = _session(transport, people[2].id_number)
    assert (
        transport.call(
            "POST", "/api/v1/query/si.contributions", {"id_number": people[2].id_number}, headers=again
        )["name"]
        == people[2].name
    )


def test_withdrawal_needs_its_signature(backoffice):
    person = persons()[0]
    transport = Transport(backoffice.url, Signer(backoffice.enrol()))
    session = _session(transport, person.id_number)
    params = {"id_number": person.id_number, "signed": "yes", "amount": 100}
    error = _refused(
        lambda: transport.call("POST", "/api/v1/query/hf.withdraw_apply", params, headers=session)
    )
    assert error.code == services.E_UNSIGNED
    error = _refused(
        lambda: transport.call(
            "POST", "/api/v1/query/hf.withdraw_apply", {**params, "signature": "<svg/>"}, headers=session
        )
    )
    assert error.code == services.E_UNSIGNED
    answer = transport.call(
        "POST", "/api/v1/query/hf.withdraw_apply", {**params, "signature": SIGNATURE}, headers=session
    )
    assert answer["status"] == "已受理"


def test_personal_access_is_audited_with_the_subject_masked(backoffice):
    person = persons()[0]
    creds = backoffice.enrol()
    transport = Transport(backoffice.url, Signer(creds))
    _refused(lambda: transport.call("POST", "/api/v1/query/hf.statement", {"id_number": person.id_number}))
    session = _session(transport, person.id_number)
    transport.call("POST", "/api/v1/query/hf.statement", {"id_number": person.id_number}, headers=session)
    rows = [
        r for r in backoffice.op("GET", "/api/v1/operator/audit").json() if r["actor"] == creds.terminal_id
    ]
    queries = [(r["action"], r["service"], r["outcome"]) for r in rows if r["action"] == "query"]
    assert queries == [("query", "hf.statement", "refused.session"), ("query", "hf.statement", "answered")]
    assert all(person.id_number not in json.dumps(r, ensure_ascii=False) for r in rows)
    assert {r["subject"] for r in rows if r["action"] == "query"} == {
        person.id_number[:4] + "*" * 10 + person.id_number[-4:]
    }


def test_the_terminal_query_service_opens_and_closes_the_session(backoffice):
    creds = backoffice.enrol()
    person = persons()[0]
    service = HttpQueryService(backoffice.url, Signer(creds))
    service.open_session(person.id_number, "resident", "202611270001000001")
    assert service.query("medical.certificate", {"id_number": person.id_number})["name"] == person.name
    token = service.session_token
    service.close_session()
    assert service.session_token is None
    raw = Transport(backoffice.url, Signer(creds))
    error = _refused(
        lambda: raw.call(
            "POST",
            "/api/v1/query/medical.certificate",
            {"id_number": person.id_number},
            headers={signing.H_SESSION: token},
        )
    )
    assert error.code == services.E_SESSION


def test_session_requests_are_checked(backoffice):
    transport = Transport(backoffice.url, Signer(backoffice.enrol()))
    for bad in ("12345", "４２０１０２１９９００１０１１２３４", "42010219900101123\u0000", "' OR 1=1 --"):
        error = _refused(lambda bad=bad: transport.call("POST", "/api/v1/sessions", {"id_number": bad}))
        assert error.status == 422
    assert (
        requests.post(
            backoffice.url + "/api/v1/sessions", json={"id_number": persons()[0].id_number}, timeout=10
        ).status_code
        == 401
    )
