"""Forms, the on-screen keyboards and the signed commitment, by touch on the rendered screens."""

from __future__ import annotations


def start_flow(robot, flow_id: str, card: int | None = 0) -> None:
    robot.tap("startButton")
    robot.tap(f"service_{flow_id}")
    robot.tap("beginButton")
    if card is not None:
        robot.tap("demoPlaceCard")
        robot.tap("confirmButton", timeout=10)


def type_digits(robot, field: str, digits: str) -> None:
    robot.tap(f"input_{field}")
    robot.tap("key_clear")
    for digit in digits:
        robot.tap(f"key_{digit}")


def test_housing_fund_withdrawal_with_keypad_keyboard_and_signature(kiosk):
    app, robot = kiosk
    ctl = app.controller
    start_flow(robot, "hf_withdraw_rent")
    robot.wait_for("submitButton", timeout=10)
    case_no = ctl.session.case_no

    robot.tap("submitButton")  # nothing filled in: every required field says so
    assert set(ctl.view["errors"]) >= {"rent_monthly", "amount", "has_contract", "bank_card", "phone"}
    assert ctl.view["errors"]["phone"] == "此项必填"

    type_digits(robot, "rent_monthly", "2500")
    type_digits(robot, "amount", "7500")
    robot.tap("key_back")
    robot.tap("key_0")
    robot.tap("yes_has_contract")
    type_digits(robot, "bank_card", "6222021234567890123")
    type_digits(robot, "phone", "1380013800")  # one digit short
    robot.tap("submitButton")
    assert ctl.view["errors"] == {"contract_no": "此项必填", "phone": "请输入11位手机号码或固定电话"}
    robot.tap("key_0")

    # the lease number is Latin text: typed on Qt's virtual keyboard inside the window
    text_input = robot.wait_for("text_contract_no")
    robot.tap("text_contract_no")
    robot.wait_until(lambda: robot.find("inputPanel") is not None, what="on-screen keyboard shown")
    robot.tap_keyboard("zlbeian")
    # the last key reaches the field on a later turn of the event loop: wait for it, not a fixed 0.1 s
    robot.wait_until(lambda: text_input.property("text").lower() == "zlbeian", what="the typed text")
    assert text_input.property("text").lower() == "zlbeian"
    robot.tap("submitButton")
    robot.wait_for("commitButton")
    form = ctl.session.run.context["form"]
    assert form["amount"] == 7500 and form["rent_monthly"] == 2500 and form["has_contract"] is True
    assert form["contract_no"].lower() == "zlbeian" and form["phone"] == "13800138000"

    robot.tap("commitButton")  # no signature yet
    assert ctl.view["stepType"] == "commitment" and ctl.view["status"] == "请先签名"
    robot.draw("signaturePad", [(0.1, 0.5), (0.2, 0.3), (0.3, 0.7), (0.4, 0.4), (0.5, 0.6)])
    robot.tap("commitButton")
    robot.wait_for("rate_5", timeout=20)
    signature = ctl.session.run.context["commitment"]["signature"]
    assert signature.startswith("<svg") and signature.count("L") >= 3
    receipt = app.ctx.devices["receipt"].simulator.printed[-1].text()
    assert case_no in receipt
    robot.tap("rate_5")
    robot.tap("rateSubmit")
    robot.wait_for("doneHome")
    robot.wait_until(
        lambda: (c := app.ctx.store.get_case(case_no)) is not None and c.outcome == "completed",
        what="case closed",
    )
    # the signature is kept with the case: it reaches the back office with it
    app.ctx.link.wake()
    backoffice = app.ctx.link.embedded
    robot.wait_until(
        lambda: case_signature(backoffice, case_no) is not None, timeout=15, what="case delivered"
    )
    assert case_signature(backoffice, case_no) == signature
    # the citizen's back-office session opened at the card (with its type) and closed with the case
    robot.wait_until(
        lambda: "citizen_session.close" in session_actions(backoffice),
        timeout=15,
        what="citizen session closed",
    )
    actions = session_actions(backoffice)
    assert (
        actions.index("citizen_session.open")
        < actions.index("query")
        < actions.index("citizen_session.close")
    )


def session_actions(backoffice) -> list[str]:
    """The terminal's audited actions in the back office, oldest first."""
    from sqlalchemy import select

    from backoffice.models import AuditEntry

    with backoffice.app.state.backoffice.sessions() as session:
        return list(
            session.scalars(
                select(AuditEntry.action).where(AuditEntry.actor_kind == "terminal").order_by(AuditEntry.id)
            )
        )


def case_signature(backoffice, case_no: str):
    """The signature the back office holds with the case (read from its database)."""
    from sqlalchemy import select

    from backoffice.models import Case

    with backoffice.app.state.backoffice.sessions() as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no)).first()
    return ((case.payload.get("data") or {}).get("signature")) if case else None


def test_declining_the_commitment_submits_nothing(kiosk):
    app, robot = kiosk
    ctl = app.controller
    start_flow(robot, "hf_withdraw_rent")
    robot.wait_for("submitButton", timeout=10)
    type_digits(robot, "rent_monthly", "2000")
    type_digits(robot, "amount", "6000")
    robot.tap("no_has_contract")
    assert robot.find("text_contract_no") is None  # shown only with a registered lease
    type_digits(robot, "bank_card", "6222021234567890")
    type_digits(robot, "phone", "13800138000")
    robot.tap("submitButton")
    robot.tap("continueButton")  # the notice for renters without a registered lease
    robot.tap("declineButton")
    robot.wait_for(
        "doneBody"
    )  # issue 10: the end screen of a declined case (was a notice, then "All done ✓")
    assert "未提交" in robot.text_of("doneBody")
    assert "application" not in ctl.session.run.context
    assert robot.find("doneTick") is None and robot.text_of("caseNumber")
    case_no = ctl.session.case_no
    robot.wait_until(
        lambda: (c := app.ctx.store.get_case(case_no)) is not None and c.outcome == "declined",
        what="case closed as declined",
    )


def test_rating_an_earlier_case_by_its_number(kiosk):
    app, robot = kiosk
    ctl = app.controller
    earlier = app.ctx.store.open_case("si_contribution_print", "11420100MB1957412X4420117003")
    app.ctx.store.close_case(earlier, "completed")
    robot.tap("startButton")
    robot.tap("service_rate_case")
    robot.tap("beginButton")
    robot.wait_for("input_case_no", timeout=10)
    type_digits(robot, "case_no", earlier)
    robot.tap("submitButton")
    robot.wait_for("rate_1", timeout=10)
    robot.tap("rate_1")
    robot.tap("reason_guide_unclear")
    robot.tap("rateSubmit")
    robot.wait_for("doneHome")
    robot.wait_until(lambda: app.ctx.store.get_case(earlier).rating is not None, what="rating stored")
    assert app.ctx.store.get_case(earlier).rating == {
        "level": 1,
        "indicators": {},
        "reasons": ["guide_unclear"],
        "comment": "",
    }
    assert ctl.session is None or ctl.session.run.context.get("identity") is None  # no identity was needed


def test_chinese_comment_typed_in_pinyin_is_kept_with_the_rating(kiosk):
    app, robot = kiosk
    ctl = app.controller
    robot.tap("startButton")
    robot.tap("service_si_contribution_print")
    robot.tap("beginButton")
    robot.tap("demoPlaceCard")
    robot.tap("confirmButton", timeout=10)
    robot.tap("submitButton")
    robot.tap("printButton", timeout=10)
    robot.tap("rate_4", timeout=20)
    case_no = ctl.session.case_no
    robot.tap("rateComment")
    robot.tap_keyboard("nihao")
    robot.tap_candidate("你好")
    comment = robot.wait_for("rateComment")
    robot.wait_until(lambda: comment.property("text") == "你好", what="the chosen words")  # not a fixed 0.1 s
    assert comment.property("text") == "你好"
    robot.tap("rateSubmit")
    robot.wait_for("doneHome")
    robot.wait_until(lambda: app.ctx.store.get_case(case_no).rating is not None, what="rating stored")
    assert app.ctx.store.get_case(case_no).rating["comment"] == "你好"
