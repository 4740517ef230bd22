"""The first flow walked by touch on the rendered screens, end to end, through the simulated devices."""

from __future__ import annotations

import logging

import pytest

from backoffice.demo.data import demo_cards
from tests.ocr import screen_text

FLOW = "si_contribution_print"


def walk_to(robot, ctl, target: str) -> None:
    """Touch through the flow until the named step is on screen."""
    robot.tap("startButton")
    robot.tap(f"service_{FLOW}")
    robot.tap("beginButton")
    if target == "identify":
        return
    robot.wait_until(
        lambda: robot.find("demoPlaceCard") or robot.find("confirmButton"), what="identify or confirm"
    )
    if ctl.view.get("stepType") == "identify":  # a card left on the reader is offered to the next service
        robot.tap("demoPlaceCard")
    robot.wait_for("confirmButton", timeout=10)
    if target == "confirm":
        return
    robot.tap("confirmButton")
    robot.wait_for("submitButton")
    if target == "period":
        return
    robot.tap("submitButton")
    robot.wait_for("printButton", timeout=10)


@pytest.mark.slow  # four Tesseract OCR runs on the screenshots (~10 s); the other UI tests walk the same screens
def test_citizen_prints_contribution_record_by_touch(kiosk, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    app, robot = kiosk
    ctl = app.controller
    card = demo_cards()[0]
    shots = tmp_path / "shots"

    robot.screenshot(shots / "attract.png")
    walk_to(robot, ctl, "confirm")
    robot.screenshot(shots / "confirm.png")
    case_no = ctl.session.case_no
    assert case_no and len(case_no) == 18 and case_no.isdigit()
    robot.tap("confirmButton")
    robot.wait_for("submitButton")
    robot.tap("submitButton")
    robot.wait_for("printButton", timeout=10)
    robot.screenshot(shots / "preview.png")
    robot.tap("printButton")
    robot.wait_for("rate_5", timeout=20)
    robot.tap("rate_2")
    robot.tap("score_efficiency_1")  # an indicator of the standard's set, on its three points
    robot.tap("reason_slow")  # 差评 reasons (levels 1-2 only)
    robot.tap("reason_hard_to_use")
    robot.tap("rateSubmit")
    robot.wait_for("doneHome")
    assert case_no in robot.text_of("caseNumber")
    robot.screenshot(shots / "done.png")
    robot.tap("doneHome")
    robot.wait_until(lambda: ctl.screen == "attract", what="attract")

    # the receipt, decoded from the bytes the simulated printer received
    receipt = app.ctx.devices["receipt"].simulator.printed[-1]
    text = receipt.text()
    assert "社会保险参保缴费记录" in text
    assert f"办件编号：{case_no}" in text
    assert f"证件号码：{card['id_number'][:4]}**********{card['id_number'][-4:]}" in text
    assert card["id_number"] not in text  # the receipt shows the ID number masked
    assert sum(1 for line in text.splitlines() if line[:4].isdigit() and line[4] == "-") == 12
    assert "个人缴费合计" in text

    # the stored case, its steps and its rating
    robot.wait_until(
        lambda: (
            (app.ctx.store.get_case(case_no) or None) is not None
            and app.ctx.store.get_case(case_no).outcome == "completed"
        ),
        what="case closed",
    )
    case = app.ctx.store.get_case(case_no)
    assert case.service_id == FLOW
    assert [s["step"] for s in case.steps] == [
        "identify",
        "confirm",
        "period",
        "query",
        "preview",
        "print",
        "rate",
    ]
    assert all(s["outcome"] == "ok" for s in case.steps)
    assert case.rating == {
        "level": 2,
        "indicators": {"efficiency": 1},
        "reasons": ["slow", "hard_to_use"],
        "comment": "",
    }

    # the screenshots show real Chinese text
    assert "请选择您要办理的服务" not in screen_text(shots / "attract.png")
    assert "欢迎使用政务服务自助终端" in screen_text(shots / "attract.png")
    confirm = screen_text(shots / "confirm.png")
    assert "请核对您的身份信息" in confirm and "居民身份证" in confirm
    assert card["name"][-2:] in confirm
    preview = screen_text(shots / "preview.png")
    assert "参保缴费记录" in preview and "已缴" in preview
    assert "办理完成" in screen_text(shots / "done.png")

    # nothing personal reached a log line
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert card["id_number"] not in logged and card["name"] not in logged


def test_english_on_every_screen(kiosk):
    app, robot = kiosk
    ctl = app.controller
    robot.tap("langButton")
    assert robot.text_of("startButton") == "Tap to start"
    robot.tap("startButton")
    robot.tap(f"service_{FLOW}")
    robot.wait_for("beginButton")
    assert robot.text_of("beginButton") == "I understand, start"
    robot.tap("beginButton")
    robot.tap("demoPlaceCard")
    robot.wait_for("confirmButton", timeout=10)
    assert robot.text_of("confirmButton") == "That's me, continue"
    assert robot.text_of("stepTitle") == "Please confirm who you are"
    robot.tap("langButton")
    assert robot.text_of("stepTitle") == "请核对您的身份信息"
    assert ctl.lang == "zh_CN"


def test_back_returns_to_the_previous_step_with_its_state(kiosk):
    app, robot = kiosk
    walk_to(robot, app.controller, "period")
    robot.tap("choice_period_custom")
    robot.wait_for("month_from_minus")
    robot.tap("month_from_plus")  # from: 11 months ago
    robot.tap("submitButton")
    robot.wait_for("printButton", timeout=10)
    assert len(app.controller.view["table"]["rows"]) == 11
    robot.tap("backButton")
    robot.wait_for("submitButton")
    assert app.controller.view["stepId"] == "period"
    assert robot.find("month_from_minus") is not None  # the custom choice is still there


def test_custom_period_must_not_end_before_it_starts(kiosk):
    app, robot = kiosk
    walk_to(robot, app.controller, "period")
    robot.tap("choice_period_custom")
    for _ in range(13):
        robot.tap("month_from_plus")  # past the end month, capped at last month
    robot.tap("month_to_minus")
    robot.tap("submitButton")
    assert app.controller.view["stepId"] == "period"
    assert "起始月份不能晚于截止月份" in app.controller.view["errors"].values()


def test_a_service_taking_either_card_works_with_the_id_card_reader_alone(kiosk):
    app, robot = kiosk
    ctl = app.controller
    entry = next(item for item in ctl.catalog if item["id"] == "si_rights_record")
    assert entry["available"]  # the social-security card reader is absent in the demo; the ID card suffices
    robot.tap("startButton")
    robot.tap("service_si_rights_record")
    robot.tap("beginButton")
    assert "社会保障卡" in robot.text_of("identifyPrompt")
    robot.tap("demoPlaceCard")
    robot.tap("confirmButton", timeout=10)
    robot.tap("printButton", timeout=10)
    robot.tap("rate_5", timeout=20)
    receipt = app.ctx.devices["receipt"].simulator.printed[-1].text()
    assert ctl.session.case_no in receipt


def test_a_slow_press_still_counts(kiosk):
    """Elderly citizens often press and hold: a long press on a button acts like a tap."""
    app, robot = kiosk
    robot.tap_at(
        robot.wait_for("startButton")
        .mapToScene(robot.wait_for("startButton").boundingRect().center())
        .toPoint(),
        settle=1.5,
    )
    robot.wait_until(lambda: app.controller.screen == "catalog", what="the catalog after a slow press")


@pytest.mark.slow  # soak-like: citizens one after another
def test_the_demo_card_button_serves_one_citizen_after_another(kiosk):
    """In the demo nobody lifts the card: the button takes the last citizen's card off before placing it."""
    app, robot = kiosk
    ctl = app.controller
    for _ in range(2):
        walk_to(robot, ctl, "confirm")
        robot.tap("homeButton")
        robot.wait_until(lambda: ctl.screen == "attract", what="home")
        robot.pump(0.3)


def test_a_card_the_service_does_not_take_is_refused_with_a_clear_message(kiosk):
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
    robot.tap("startButton")
    robot.tap(f"service_{FLOW}")
    robot.tap("beginButton")
    app.ctx.devices["idcard"].simulator.place(permit)
    robot.wait_until(
        lambda: ctl.view.get("status") == "该证件不能办理本业务，请使用居民身份证",
        timeout=10,
        what="the refusal shown",
    )
    assert robot.text_of("identifyStatus") == "该证件不能办理本业务，请使用居民身份证"
    assert ctl.view["stepType"] == "identify" and "identity" not in ctl.session.run.context


def test_an_unauthenticated_social_security_card_is_refused_where_personal_data_is_shown(kiosk):
    """Issue 11: a programmable card with a victim's number, read where no PSAM can authenticate it."""
    from drivers.events import CardPresented
    from drivers.sscard.card import SsCard
    from drivers.sscard.emulator import card_from_identity

    app, robot = kiosk
    ctl = app.controller
    clone = SsCard(card_from_identity(demo_cards()[0], genuine=False).process).read_identity()  # no PSAM
    robot.tap("startButton")
    robot.tap("service_si_rights_record")
    robot.tap("beginButton")
    ctl.on_device_event(CardPresented("sscard", clone))
    message = "本事项涉及个人信息,本机无法核验该社保卡,请使用身份证"
    robot.wait_until(lambda: ctl.view.get("status") == message, timeout=10, what="the refusal shown")
    assert ctl.view["stepType"] == "identify" and "identity" not in ctl.session.run.context
    robot.tap("demoPlaceCard")  # the ID card is taken
    robot.tap("confirmButton", timeout=10)
    assert ctl.session.run.context["identity"]["source"] == "idcard"
