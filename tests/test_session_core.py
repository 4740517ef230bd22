"""The session core's outcomes, without Qt: what the citizen got decides the case (docs/outcomes.md)."""

from __future__ import annotations

from kiosk.session import outcomes
from tests.fixtures.flows import Citizen, route_through
from tests.test_flows_catalog import CATALOG

TOP = CATALOG["si_contribution_print"]


def citizen_at(step_id: str) -> Citizen:
    citizen = Citizen(TOP)
    for edge in route_through(TOP, ("print", "next", 0, "rate")):
        if edge[0] == step_id:
            break
        citizen.take(edge)
    return citizen


def closed(citizen: Citizen, case_no: str) -> tuple[str | None, str]:
    citizen.lanes.drain()
    case = citizen.store.get_case(case_no)
    return case.outcome, case.reason


def test_home_on_the_rating_screen_after_the_paper_is_completed_and_unrated():
    citizen = citizen_at("rate")
    case_no = citizen.core.session.case_no
    citizen.core.tap_home()
    assert closed(citizen, case_no) == (outcomes.COMPLETED, "")
    assert citizen.store.get_case(case_no).rating is None


def test_home_while_printing_follows_the_paper():
    citizen = citizen_at("print")
    session = citizen.core.session
    assert session.printing and citizen.lanes.pending("receipt")  # the job is on its way
    citizen.core.tap_home()
    assert citizen.core.session is None and citizen.core.screen == "attract"
    assert citizen.store.get_case(session.case_no).outcome is None  # not cancelled: the paper decides
    assert closed(citizen, session.case_no) == (outcomes.COMPLETED, "")
    assert len(citizen.devices.receipts) == 1


def test_home_while_a_print_fails_is_a_printer_failure():
    citizen = citizen_at("print")
    session = citizen.core.session
    citizen.plan["print"] = ("error", 0)
    citizen.core.tap_home()
    assert closed(citizen, session.case_no) == (outcomes.FAILED, outcomes.PRINTER)


def test_timeout_before_the_paper_is_abandoned_and_not_me_is_declined():
    citizen = citizen_at("period")
    case_no = citizen.core.session.case_no
    citizen.core.end(outcomes.ABANDONED)
    assert closed(citizen, case_no) == (outcomes.ABANDONED, "")
    other = citizen_at("confirm")
    case_no = other.core.session.case_no
    other.core.tap_not_me()
    assert closed(other, case_no) == (outcomes.DECLINED, "")


def test_a_network_failure_ends_failed_with_the_network_reason():
    citizen = citizen_at("query")
    case_no = citizen.core.session.case_no
    citizen.take(("query", "offline", 0, "failed"))
    assert closed(citizen, case_no) == (outcomes.FAILED, outcomes.NETWORK)
    assert citizen.core.session.outcome == outcomes.FAILED


def test_reading_the_service_guide_is_not_a_case():
    """Issue 10: the guide opened a case on each visit, counted as a 办件 and reported to the back office."""
    guide = CATALOG["service_guide"]
    citizen = Citizen(guide)
    for edge in route_through(guide, ("show", "next", 0, "done")):
        citizen.take(edge)
    citizen.lanes.drain()
    session = citizen.core.session
    assert session.run.current_id == "done" and session.case_no is None
    citizen.core.tap_home()
    citizen.lanes.drain()
    with citizen.store.transaction() as conn:
        assert conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM case_steps").fetchone()[0] == 0
    assert citizen.store.queue_depth() == 0  # nothing for the back office


def test_a_service_still_opens_its_case():
    citizen = citizen_at("period")
    citizen.lanes.drain()
    assert citizen.core.session.case_no and citizen.store.get_case(citizen.core.session.case_no) is not None


def test_the_rating_holds_only_what_the_standard_set_allows():
    """Rating set 2 (flows/ratings.yaml): indicator scores toggle, reasons only for 差评 and dropped when the
    level becomes good, the comment bounded; the stored rating and its outbox event carry all of it."""
    citizen = citizen_at("rate")
    core, case_no = citizen.core, citizen.core.session.case_no
    core.tap_rate_reason("slow")  # no level yet: nothing to give reasons for
    assert core.session.rating_reasons == []
    core.tap_rate_level(1)
    core.tap_rate_indicator({"id": "efficiency", "value": 1})
    core.tap_rate_indicator({"id": "operability", "value": 2})
    core.tap_rate_indicator({"id": "operability", "value": 2})  # the same score again clears it
    core.tap_rate_reason("slow")
    core.tap_rate_reason("device_fault")
    core.tap_rate_reason("device_fault")
    assert core.session.rating_scores == {"efficiency": 1} and core.session.rating_reasons == ["slow"]
    core.tap_rate_level(4)  # a better level: reasons go, scores stay
    assert core.session.rating_reasons == [] and core.session.rating_scores == {"efficiency": 1}
    core.tap_rate_level(2)
    core.tap_rate_reason("guide_unclear")
    core.tap_rate_comment("  " + "慢" * 500)
    assert len(core.session.rating_comment) == 200
    core.tap_rate_submit()
    citizen.lanes.drain()
    rating = citizen.store.get_case(case_no).rating
    assert rating == {
        "level": 2,
        "indicators": {"efficiency": 1},
        "reasons": ["guide_unclear"],
        "comment": "慢" * 200,
    }
    [event] = [e for e in citizen.store.pending_events(100) if e["kind"] == "rating"]
    assert event["payload"]["set_version"] == 2 and event["payload"]["reasons"] == ["guide_unclear"]


def test_thanks_for_rating_only_once_the_rating_is_stored():
    """A rating the store refused (here a real SQLite trigger, as a full disk would) keeps the citizen on the
    rating screen with a message saying so; 提交评价 again stores it once and only then moves on."""
    citizen = citizen_at("rate")
    core, case_no = citizen.core, citizen.core.session.case_no
    citizen.lanes.drain()  # the case is open
    citizen.store._conn.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON ratings BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    core.tap_rate_level(5)
    core.tap_rate_submit()
    assert core.session.status == "rate.saving" and core.session.run.current_id == "rate"
    core.tap_rate_submit()  # a second tap while it is being stored
    core.tap_rate_skip()  # and 暂不评价 cannot cut in: the rating is on its way
    citizen.lanes.drain()
    assert core.session.run.current_id == "rate" and core.session.status == "rate.not_saved"
    assert not core.session.rated and citizen.store.get_case(case_no).rating is None
    citizen.store._conn.execute("DROP TRIGGER refuse")
    core.tap_rate_submit()
    core.tap_rate_submit()
    citizen.lanes.drain()
    assert core.session.run.current_id != "rate" and core.session.rated and core.session.status == ""
    assert citizen.store.get_case(case_no).rating["level"] == 5
    assert len([e for e in citizen.store.pending_events(100) if e["kind"] == "rating"]) == 1


def test_skipping_the_rating_of_an_earlier_case_is_not_thanked_for():
    """办件评价: 暂不评价 used to end on "感谢您的评价" with the case completed. Now it ends on its own screen,
    declined, and the earlier case stays unrated."""
    flow = CATALOG["rate_case"]
    citizen = Citizen(flow)
    route = route_through(flow, ("rate", "skip", 0, "not_rated"))
    for edge in route[:-1]:
        citizen.take(edge)
    subject_case = citizen.core.session.run.context["found"]["case_no"]
    case_no = citizen.core.session.case_no
    citizen.take(route[-1])
    assert citizen.core.session.run.current_id == "not_rated"
    title = str(citizen.core.session.run.current.title)
    assert "未提交评价" in title and "感谢" not in title
    citizen.core.tap_home()
    assert closed(citizen, case_no)[0] == outcomes.DECLINED
    assert citizen.store.get_case(subject_case) is None or citizen.store.get_case(subject_case).rating is None


def test_a_case_already_rated_here_says_so_and_keeps_the_first_rating():
    """一事一评: the store holds a rating for this case (rated moments ago, not yet at the back office, so
    the back office's lookup said unrated). Submitting says it was already rated — not "try again", which
    could never succeed — and the first rating stays; 暂不评价 still leaves."""
    citizen = citizen_at("rate")
    core, case_no = citizen.core, citizen.core.session.case_no
    citizen.lanes.drain()
    citizen.store.record_rating(case_no, TOP.item_code, 2, {}, "")
    core.tap_rate_level(5)
    core.tap_rate_submit()
    citizen.lanes.drain()
    assert core.session.run.current_id == "rate" and core.session.status == "rate.already_rated"
    assert citizen.store.get_case(case_no).rating["level"] == 2
    core.tap_rate_skip()
    assert core.session.run.current_id != "rate"
