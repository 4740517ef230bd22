"""Rate later on a phone (issue 15): the code derived from the terminal's secret, the back office's page and API
refusing a wrong code, an unknown case, a case already rated and a case past the window, rate-limited, and a
phone rating recorded like a terminal's (channel phone, the case's terminal, one rating per case)."""

from __future__ import annotations

import itertools

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backoffice.rate_later import INVALID_PARTS, form_choice
from flows.ratings import load_rating_set
from kiosk.sync.transport import Signer, Transport
from wire.ratelater import code_matches, rate_code, rate_url


def _file_case(backoffice, creds, case_no: str, rating: dict | None = None) -> None:
    transport = Transport(backoffice.url, Signer(creds))
    events = [
        {
            "idem_key": f"case-{case_no}",
            "kind": "case",
            "payload": {
                "case_no": case_no,
                "service_id": "si",
                "item_code": "11420000MB0000001",
                "outcome": "completed",
            },
        }
    ]
    if rating is not None:
        events.append(
            {"idem_key": f"rating-{case_no}", "kind": "rating", "payload": {"case_no": case_no, **rating}}
        )
    results = transport.call("POST", "/api/v1/events", {"events": events})["results"]
    assert all(r["status"] == "accepted" for r in results), results


def test_the_code_is_eight_digits_bound_to_terminal_secret_and_case():
    code = rate_code("secret-a", "T-0001", "202611270001000001")
    assert len(code) == 8 and code.isdigit()
    assert code == rate_code("secret-a", "T-0001", "202611270001000001")
    assert code != rate_code("secret-b", "T-0001", "202611270001000001")
    assert code != rate_code("secret-a", "T-0002", "202611270001000001")
    assert code != rate_code("secret-a", "T-0001", "202611270001000002")
    assert code_matches("secret-a", "T-0001", "202611270001000001", f" {code} ")
    assert not code_matches("secret-a", "T-0001", "202611270001000001", "00000000")
    assert rate_url("https://bo.example/", "2026/1", code) == f"https://bo.example/rate/2026%2F1?v={code}"


def test_a_phone_rating_is_recorded_once_with_its_indicators_and_reasons(backoffice):
    creds = backoffice.enrol()
    case_no = "202611270001000101"
    _file_case(backoffice, creds, case_no)
    code = rate_code(creds.secret, creds.terminal_id, case_no)
    page = requests.get(f"{backoffice.url}/rate/{case_no}", params={"v": code}, timeout=10)
    assert page.status_code == 200 and "办事指南精确度" in page.text and "https://" not in page.text  # no CDN
    assert (
        "Accuracy of the service guide"
        in requests.get(f"{backoffice.url}/rate/{case_no}", params={"v": code, "lang": "en"}, timeout=10).text
    )
    body = {
        "v": code,
        "level": 2,
        "indicators": {"efficiency": 1, "operability": 2},
        "reasons": ["slow", "device_fault"],
        "comment": "打印机卡纸" + "长" * 500,
    }
    answer = requests.post(f"{backoffice.url}/api/v1/rate/{case_no}", json=body, timeout=10)
    assert answer.status_code == 200 and answer.json() == {"status": "recorded"}
    [rating] = backoffice.ratings()
    assert rating["channel"] == "phone" and rating["terminal_id"] == creds.terminal_id
    assert rating["level"] == 2 and rating["set_version"] == 2
    assert rating["indicators"] == {"efficiency": 1, "operability": 2}
    assert rating["reasons"] == ["slow", "device_fault"]
    assert (
        rating["comment"].startswith("打印机卡纸") and len(rating["comment"]) == load_rating_set().comment_max
    )
    again = requests.post(f"{backoffice.url}/api/v1/rate/{case_no}", json=body, timeout=10)
    assert again.status_code == 409 and again.json()["reason"] == "already_rated"
    # the terminal's own rating of the same case, arriving late, is refused too: one rating per case
    transport = Transport(backoffice.url, Signer(creds))
    late = {
        "idem_key": "late",
        "kind": "rating",
        "payload": {"case_no": case_no, "level": 5, "set_version": 2},
    }
    [result] = transport.call("POST", "/api/v1/events", {"events": [late]})["results"]
    assert result["status"] == "rejected" and result["answer"]["reason"] == "case already rated"
    assert len(backoffice.ratings()) == 1


def test_refusals_wrong_code_unknown_case_rated_case_and_closed_window(backoffice):
    creds = backoffice.enrol()
    other = backoffice.enrol()
    fresh, rated = "202611270001000201", "202611270001000202"
    _file_case(backoffice, creds, fresh)
    _file_case(
        backoffice, creds, rated, rating={"level": 5, "set_version": 2, "indicators": {"efficiency": 3}}
    )

    def post(case_no: str, code: str, level: int = 4) -> requests.Response:
        return requests.post(
            f"{backoffice.url}/api/v1/rate/{case_no}", json={"v": code, "level": level}, timeout=10
        )

    good = rate_code(creds.secret, creds.terminal_id, fresh)
    wrong = str((int(good) + 1) % 10**8).zfill(8)
    assert post(fresh, wrong).status_code == 403
    # another terminal's secret cannot vouch for this terminal's case
    assert post(fresh, rate_code(other.secret, other.terminal_id, fresh)).status_code == 403
    assert post(fresh, rate_code(other.secret, creds.terminal_id, fresh)).status_code == 403
    assert post("202611270001999999", good).status_code == 404
    assert post(rated, rate_code(creds.secret, creds.terminal_id, rated)).json()["reason"] == "already_rated"
    assert post(fresh, good, level=9).status_code == 422
    page = requests.get(f"{backoffice.url}/rate/{fresh}", params={"v": wrong}, timeout=10)
    assert page.status_code == 403 and "评价码不正确" in page.text and "rate-form" not in page.text
    # past the window: refused, and nothing is recorded in the citizen's name (no faked 基本满意)
    bo = backoffice.state
    real_clock = bo.clock
    bo.clock = lambda: real_clock() + bo.limits.rate_window_days * 86400 + 60
    try:
        closed = post(fresh, good)
    finally:
        bo.clock = real_clock
    assert closed.status_code == 410 and closed.json()["reason"] == "window_closed"
    assert [r["case_no"] for r in backoffice.ratings()] == [rated]
    assert post(fresh, good).status_code == 200  # inside the window it works


def test_guessing_codes_is_rate_limited(backoffice):
    creds = backoffice.enrol()
    case_no = "202611270001000301"
    _file_case(backoffice, creds, case_no)
    backoffice.state.limits.rate_per_case = 5
    answers = [
        requests.post(
            f"{backoffice.url}/api/v1/rate/{case_no}", json={"v": f"{n:08d}", "level": 5}, timeout=10
        )
        for n in range(7)
    ]
    assert [a.status_code for a in answers][-2:] == [429, 429]
    good = rate_code(creds.secret, creds.terminal_id, case_no)
    limited = requests.post(
        f"{backoffice.url}/api/v1/rate/{case_no}", json={"v": good, "level": 5}, timeout=10
    )
    assert limited.status_code == 429 and backoffice.ratings() == []  # even the right code waits


def test_the_form_post_records_a_rating_and_thanks(backoffice):
    creds = backoffice.enrol()
    case_no = "202611270001000401"
    _file_case(backoffice, creds, case_no)
    code = rate_code(creds.secret, creds.terminal_id, case_no)
    form = {
        "v": code,
        "lang": "en",
        "level": "4",
        "score_convenience": "3",
        "reason": "slow",
        "comment": "ok",
    }
    answer = requests.post(f"{backoffice.url}/rate/{case_no}", data=form, timeout=10)
    assert answer.status_code == 200 and "Thank you" in answer.text
    [rating] = backoffice.ratings()
    assert rating["level"] == 4 and rating["indicators"] == {"convenience": 3}
    assert rating["reasons"] == []  # reasons belong to 差评 only: a level of 4 drops them


def test_odd_form_values_are_refused_as_what_they_are_never_a_500(backoffice):
    """Tryout finding 2: level=² (isdigit, int() refuses it) and 5,000 nines made the form answer 500, before
    even the code check; a wrong score or reason answered "choose a level" though one was chosen."""
    creds = backoffice.enrol()
    case_no = "202611280002000003"
    _file_case(backoffice, creds, case_no)
    backoffice.state.limits.rate_per_minute = backoffice.state.limits.rate_per_case = 100
    code = rate_code(creds.secret, creds.terminal_id, case_no)
    url = f"{backoffice.url}/rate/{case_no}"
    for level in ("²", "9" * 5000, "٣", "-1", " 4"):
        assert requests.post(url, data={"level": level, "v": "X"}, timeout=10).status_code == 403
        answer = requests.post(url, data={"level": level, "v": code}, timeout=10)
        assert answer.status_code == 422 and "请先选择满意程度" in answer.text, level
    bad_score = requests.post(url, data={"level": "4", "v": code, "score_efficiency": "²"}, timeout=10)
    assert bad_score.status_code == 422 and "分项评价的选项无效" in bad_score.text
    assert "请先选择满意程度" not in bad_score.text
    bad_reason = requests.post(
        url, data={"level": "1", "v": code, "reason": "nope", "lang": "en"}, timeout=10
    )
    assert bad_reason.status_code == 422 and "A reason is not one of the choices" in bad_reason.text
    api = requests.post(
        f"{backoffice.url}/api/v1/rate/{case_no}", json={"v": code, "level": 1, "reasons": 5}, timeout=10
    )
    assert api.status_code == 422 and api.json() == {
        "status": "refused",
        "reason": "invalid",
        "part": "reason",
    }
    assert backoffice.ratings() == []
    assert requests.post(url, data={"level": "4", "v": code}, timeout=10).status_code == 200


_FORM_TEXT = st.one_of(
    st.sampled_from(["", "1", "2", "3", "4", "5", "9" * 5000, "²", "slow", "device_fault"]),
    st.text(max_size=12),
)


def test_the_form_fuzzed_answers_recorded_or_a_refusal_naming_the_part(backoffice):
    """Any form a phone can post: recorded (200) or refused (422) with the part that was wrong, never a 500."""
    creds = backoffice.enrol()
    backoffice.state.limits.rate_per_minute = 10**6  # one address posts them all
    numbers = itertools.count(1)
    rating_set = load_rating_set()
    messages = {part: texts[0] for part, texts in INVALID_PARTS.items()}

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        level=_FORM_TEXT,
        score=_FORM_TEXT,
        reasons=st.lists(_FORM_TEXT, max_size=3),
        comment=st.text(max_size=300),
    )
    def post(level: str, score: str, reasons: list[str], comment: str) -> None:
        case_no = f"2026112800030{next(numbers):05d}"
        _file_case(backoffice, creds, case_no)
        form = {
            "v": rate_code(creds.secret, creds.terminal_id, case_no),
            "level": level,
            "score_efficiency": score,
            "reason": reasons,
            "comment": comment,
        }
        answer = requests.post(f"{backoffice.url}/rate/{case_no}", data=form, timeout=10)
        assert answer.status_code in (200, 422), (answer.status_code, form)
        if answer.status_code == 422:
            assert any(message in answer.text for message in messages.values()), form
        chosen = form_choice(level)
        if not isinstance(chosen, int) or chosen not in {lv["level"] for lv in rating_set.levels}:
            assert answer.status_code == 422 and messages["level"] in answer.text

    post()
