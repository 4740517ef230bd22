"""办件评价 rates only real cases (tryout findings 1 and 8), against the real server on 127.0.0.1.

Before: ``case.lookup`` answered found:true for any well-formed 18-digit number (the demo dataset's format
check stood in for the stored cases), so ratings of cases that exist nowhere were stored and counted; any
terminal could read any terminal's cases by sequential numbers, unaudited and unthrottled.
"""

from __future__ import annotations

import pytest

from backoffice.state import Limits
from flows.services import ServiceOffline
from kiosk.session.case_lookup import lookup_case
from kiosk.sync import HttpQueryService, SyncClient
from kiosk.sync.transport import Refused, Signer, Transport
from offline_cache.store import Store
from tests.fixtures.backoffice import start_backoffice
from wire import services

UNKNOWN = "209912310001000001"  # well formed, filed by no terminal


def _lookup(transport: Transport, case_no: str) -> dict:
    return transport.call("POST", "/api/v1/query/case.lookup", {"case_no": case_no})


def _rating(case_no: str, key: str) -> dict:
    payload = {"case_no": case_no, "item_code": "X", "level": 5, "set_version": 2, "indicators": {}}
    return {"idem_key": key, "kind": "rating", "created_at": 1.0, "payload": payload}


def _case(case_no: str, key: str) -> dict:
    payload = {"case_no": case_no, "service_id": "si.contributions", "item_code": "X", "outcome": "completed"}
    return {"idem_key": key, "kind": "case", "created_at": 1.0, "payload": payload}


def test_an_unknown_case_is_not_found_and_a_held_one_says_only_what_rating_needs(backoffice, tmp_path):
    creds = backoffice.enrol("T-0001")
    transport = Transport(backoffice.url, Signer(creds))
    assert _lookup(transport, UNKNOWN) == {"found": False, "case_no": UNKNOWN}
    store = Store(tmp_path / "kiosk.db", terminal_id="T-0001")
    case_no = store.open_case("si.contributions", "X1")
    store.close_case(case_no, "completed", {"reason": ""})
    SyncClient(store, backoffice.url, creds).run_once()
    other = Transport(backoffice.url, Signer(backoffice.enrol("T-0002")))  # a citizen may rate anywhere
    answer = _lookup(other, case_no)
    assert answer == {
        "found": True,
        "case_no": case_no,
        "title": "si.contributions",
        "service_id": "si.contributions",
        "item_code": "X1",
        "rated": False,
    }
    audit = [
        r for r in backoffice.op("GET", "/api/v1/operator/audit").json() if r["service"] == "case.lookup"
    ]
    assert [(r["actor"], r["outcome"], r["detail"]["case_no"]) for r in audit] == [
        ("T-0001", "not_found", UNKNOWN),
        ("T-0002", "answered", case_no),
    ]


def test_a_rating_of_a_case_held_nowhere_is_refused_but_a_terminals_own_case_may_come_after(backoffice):
    """The outbox sends a rate step's rating before its case closes: a terminal's own case number is accepted
    ahead of its case; another terminal's number must be a case the back office holds."""
    transport = Transport(backoffice.url, Signer(backoffice.enrol("T-0003")))
    own, foreign = "202611280003000001", "202611280009000001"
    results = transport.call(
        "POST", "/api/v1/events", {"events": [_rating(own, "r1"), _rating(foreign, "r2")]}
    )
    assert [(r["status"], r["answer"].get("reason")) for r in results["results"]] == [
        ("accepted", None),
        ("rejected", "case not held"),
    ]
    transport.call("POST", "/api/v1/events", {"events": [_case(own, "c1")]})
    assert [r["case_no"] for r in backoffice.ratings()] == [own]
    writer = Transport(backoffice.url, Signer(backoffice.enrol("T-0009")))
    writer.call("POST", "/api/v1/events", {"events": [_case(foreign, "c2")]})
    again = transport.call("POST", "/api/v1/events", {"events": [_rating(foreign, "r3")]})
    assert again["results"][0]["status"] == "accepted"  # held now: rated at another terminal
    assert _lookup(writer, foreign)["rated"] is True


def test_lookups_are_rate_limited_per_terminal(tmp_path):
    live = start_backoffice(f"sqlite:///{tmp_path / 'bo.sqlite3'}", limits=Limits(lookups_per_minute=3))
    try:
        first = Transport(live.url, Signer(live.enrol("T-0001")))
        for n in range(3):
            assert _lookup(first, f"20261128000100000{n}")["found"] is False
        with pytest.raises(Refused) as info:
            _lookup(first, "202611280001000009")
        assert (info.value.status, info.value.code) == (403, services.E_LOOKUP_RATE)
        second = Transport(live.url, Signer(live.enrol("T-0002")))
        assert _lookup(second, UNKNOWN)["found"] is False  # another terminal is not held back
        outcomes = [
            r["outcome"] for r in live.op("GET", "/api/v1/operator/audit").json() if r["actor"] == "T-0001"
        ]
        assert outcomes.count("refused.rate") == 1
    finally:
        live.server.stop()
        live.state.dispose()


def test_the_terminal_answers_its_own_undelivered_case_and_nothing_else(backoffice, tmp_path):
    creds = backoffice.enrol("T-0004")
    store = Store(tmp_path / "kiosk.db", terminal_id="T-0004")
    service = HttpQueryService(backoffice.url, Signer(creds))

    def ask(case_no: str) -> dict:
        return lookup_case(
            store, lambda: service.query("case.lookup", {"case_no": case_no}), {"case_no": case_no}
        )

    assert ask(UNKNOWN)["found"] is False
    open_case = store.open_case("rate_case", "X")  # still open: nothing to rate yet
    assert ask(open_case)["found"] is False
    done = store.open_case("si.contributions", "X2")
    store.close_case(done, "completed")  # in the outbox, not at the back office
    answer = ask(done)
    assert (answer["found"], answer["rated"], answer["item_code"]) == (True, False, "X2")
    store.record_rating(done, "X2", 5, {})
    assert ask(done)["rated"] is True
    offline = HttpQueryService("http://127.0.0.1:9", Signer(creds), timeout=(0.5, 0.5))
    later = store.open_case("si.contributions", "X3")
    store.close_case(later, "completed")
    assert lookup_case(store, lambda: offline.query("case.lookup", {"case_no": later}), {"case_no": later})[
        "found"
    ]
    with pytest.raises(ServiceOffline):
        lookup_case(store, lambda: offline.query("case.lookup", {"case_no": UNKNOWN}), {"case_no": UNKNOWN})
