"""Card first, as citizens do it (issue 10): 刷身份证，确认个人信息，点选办理业务，打印回执单 — by touch."""

from __future__ import annotations

from backoffice.demo.data import demo_cards
from common.masking import mask_name
from tests.test_ui_flow import FLOW, walk_to


def test_a_card_on_the_attract_screen_is_read_confirmed_then_the_services_that_take_it(kiosk):
    app, robot = kiosk
    ctl = app.controller
    app.ctx.devices["idcard"].simulator.place(0)
    robot.wait_for("confirmButton", timeout=10)
    assert robot.text_of("stepTitle") == f"已读取：{mask_name(demo_cards()[0]['name'])}"
    assert "·" not in robot.text_of("stepProgress")  # no step of a service yet: no lone separator
    robot.tap("confirmButton")
    robot.wait_until(lambda: ctl.screen == "catalog", what="the catalog")
    robot.tap(f"service_{FLOW}")
    robot.wait_for("submitButton", timeout=10)  # the identify and confirm steps are skipped
    steps = [r.step_id for r in ctl.session.run.history]
    assert steps == ["identify", "confirm"] and ctl.view["stepId"] == "period"
    assert robot.text_of("stepProgress") == "第3步 / 共8步  ·  预计用时约2分钟"


def test_the_catalog_after_a_card_offers_only_the_services_that_take_it(kiosk):
    app, robot = kiosk
    ctl = app.controller
    permit = {
        **demo_cards()[1],
        "card_type": "hkmt",
        "id_number": "810000199001011230",
        "birth_date": "19900101",
        "gender": "1",
        "extra": {"pass_number": "H12345678", "issue_count": "01"},
    }
    app.ctx.devices["idcard"].simulator.place(permit)
    robot.tap("confirmButton", timeout=10)
    robot.wait_until(lambda: ctl.screen == "catalog", what="the catalog")
    offered = {item["id"] for item in ctl.catalog}
    assert FLOW not in offered and "service_guide" in offered
    assert robot.find(f"service_{FLOW}") is None


def test_a_card_left_on_the_reader_after_home_is_offered_to_the_next_service(kiosk):
    app, robot = kiosk
    ctl = app.controller
    walk_to(robot, ctl, "confirm")
    robot.tap("homeButton")
    robot.wait_until(lambda: ctl.screen == "attract", what="home")
    robot.tap("startButton")
    robot.tap(f"service_{FLOW}")
    robot.tap("beginButton")
    robot.wait_for("confirmButton")  # was: "请放置身份证" forever
    assert ctl.session.run.context["identity"]["masked_name"] == mask_name(demo_cards()[0]["name"])


def test_a_card_lifted_mid_flow_hides_personal_data_and_may_come_back(kiosk):
    app, robot = kiosk
    ctl = app.controller
    walk_to(robot, ctl, "confirm")
    simulator = app.ctx.devices["idcard"].simulator
    simulator.lift()
    robot.wait_until(lambda: ctl.view.get("identity") == [], what="personal data hidden")
    assert "身份证已取走" in ctl.view["status"]
    assert mask_name(demo_cards()[0]["name"]) not in robot.text_of("stepTitle")
    simulator.place(0)
    robot.wait_until(lambda: ctl.view.get("identity"), what="the same card back")
    robot.tap("confirmButton")
    robot.wait_for("submitButton")
    assert ctl.session is not None and ctl.view["stepId"] == "period"


def test_home_during_printing_records_what_the_printer_did_not_cancelled(kiosk):
    """Issue 10: Home while the paper is being produced; the outcome follows the paper (here: it never came)."""
    app, robot = kiosk
    ctl = app.controller
    walk_to(robot, ctl, "preview")
    case_no = ctl.session.case_no
    app.ctx.devices["receipt"].simulator.set_fault("silent")  # the job hangs, then fails
    robot.tap("printButton")
    robot.wait_until(lambda: ctl.view.get("stepType") == "print", what="printing")
    if robot.find("homeButton") is not None:  # Home may be locked while printing: then nothing to press
        robot.tap("homeButton")
        robot.wait_until(lambda: ctl.screen == "attract", what="home")
    robot.wait_until(
        lambda: (c := app.ctx.store.get_case(case_no)) is not None and c.outcome is not None,
        timeout=25,
        what="the case closed when the printer answered",
    )
    case = app.ctx.store.get_case(case_no)
    assert case.outcome == "failed" and case.reason == "printer"


def test_no_licence_ready_is_not_a_success(kiosk):
    """Issue 10: "没有待领取的执照" must not end on "办理完成 ✓" (it is nothing_to_deliver)."""
    app, robot = kiosk
    ctl = app.controller
    app.ctx.devices["idcard"].simulator.place(0)  # the first demo person has no company
    robot.tap("confirmButton", timeout=10)
    robot.tap("service_license_collect")
    robot.wait_for("doneHome", timeout=15)
    case_no = ctl.session.case_no
    assert robot.find("doneTick") is None and "办理完成" not in robot.text_of("stepTitle")
    assert case_no in robot.text_of("caseNumber")
    robot.tap("doneHome")
    robot.wait_until(
        lambda: (c := app.ctx.store.get_case(case_no)) is not None and c.outcome == "nothing_to_deliver",
        what="case closed as nothing_to_deliver",
    )
