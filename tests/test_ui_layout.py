"""Layout and text on the rendered screens, both languages (issue 10): nothing overprints, nothing runs
off the screen or under a button, English screens carry English words and punctuation."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF

CANVAS_WIDTH = 1280


def items(robot, name: str) -> list:
    """Every visible item with this name (a table's cells, say)."""
    found, stack = [], [robot.window.contentItem()]
    while stack:
        item = stack.pop()
        if not item.isVisible():
            continue
        if item.objectName() == name:
            found.append(item)
        stack.extend(item.childItems())
    return found


def scene_rect(item) -> tuple[float, float, float, float]:
    top_left = item.mapToScene(QPointF(0, 0))
    return top_left.x(), top_left.y(), top_left.x() + item.width(), top_left.y() + item.height()


def begin(robot, ctl, flow_id: str, lang: str, card: int | None = 0) -> None:
    if lang == "en":
        robot.tap("langButton")
        robot.wait_until(lambda: ctl.lang == "en", what="English")
    robot.tap("startButton")
    robot.tap(f"service_{flow_id}")
    robot.tap("beginButton")
    if card is not None:
        robot.tap("demoPlaceCard")
        robot.tap("confirmButton", timeout=10)


def to_step(robot, ctl, step_type: str) -> None:
    """Touch on (first option of each choice, Continue on notices) until a step of this type shows."""
    for _ in range(10):
        robot.wait_until(
            lambda: ctl.view.get("stepType") not in (None, "query", "identify", "print"),
            timeout=20,
            what="a step that waits for the citizen",
        )
        if ctl.view["stepType"] == step_type:
            robot.wait_for(
                {
                    "preview": "printButton",
                    "finish": "doneHome",
                    "notice": "continueButton",
                    "form": "submitButton",
                    "rate": "rateSubmit",
                }[step_type],
                timeout=10,
            )
            return
        if ctl.view["stepType"] == "form":
            for field in ctl.view["fields"]:
                if field["type"] == "choice" and not field["value"]:
                    robot.tap(f"choice_{field['id']}_{field['options'][0]['value']}")
            robot.tap("submitButton")
        elif ctl.view["stepType"] == "preview":
            robot.tap("printButton")
        elif ctl.view["stepType"] == "notice":
            robot.tap("continueButton")
        elif ctl.view["stepType"] == "rate":
            robot.tap("rate_5")
            robot.tap("rateSubmit")
    raise AssertionError(f"no {step_type} step reached")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_property_table_and_done_text_stay_inside_their_places(kiosk, lang):
    app, robot = kiosk
    ctl = app.controller
    begin(robot, ctl, "property_query", lang)
    to_step(robot, ctl, "preview")
    robot.pump(0.1)
    cells = items(robot, "previewCell")
    headers = (
        items(robot, "previewHeader_0")
        + items(robot, "previewHeader_1")
        + items(robot, "previewHeader_2")
        + items(robot, "previewHeader_3")
    )
    assert cells and len(headers) == 4
    for cell in cells + headers:  # no text wider than its column: it would print over the next one
        assert cell.property("contentWidth") <= cell.width() + 0.5, cell.property("text")
    row = sorted((scene_rect(c) for c in cells[:4]), key=lambda r: r[0])
    assert all(left[2] <= right[0] + 0.5 for left, right in zip(row, row[1:], strict=False))

    to_step(robot, ctl, "finish")
    robot.pump(0.1)
    [body] = items(robot, "doneBody")
    left, _, right, _ = scene_rect(body)
    assert left >= 0 and right <= CANVAS_WIDTH and body.property("contentWidth") <= body.width() + 0.5


def test_english_preview_has_english_words_and_punctuation(kiosk):
    app, robot = kiosk
    ctl = app.controller
    begin(robot, ctl, "si_contribution_print", "en")
    to_step(robot, ctl, "preview")
    table = ctl.view["table"]
    assert {row[-1] for row in table["rows"]} <= {"Paid", "Owed"}
    summary = [label.property("text") for label in _texts(robot) if ": " in str(label.property("text"))]
    assert summary and not any(ch in "".join(summary) for ch in "：（），。")


def _texts(robot) -> list:
    found, stack = [], [robot.window.contentItem()]
    while stack:
        item = stack.pop()
        if item.isVisible() and item.metaObject().className().startswith("QQuickText"):
            found.append(item)
        stack.extend(item.childItems())
    return found


def test_a_summary_only_preview_counts_no_records(kiosk):
    app, robot = kiosk
    ctl = app.controller
    begin(robot, ctl, "medical_certificate_print", "zh")
    to_step(robot, ctl, "preview")
    assert robot.text_of("previewCount") == ""
    assert "共 0 条记录" not in [t.property("text") for t in _texts(robot)]


def test_notice_panel_ends_above_its_buttons(kiosk):
    app, robot = kiosk
    begin(robot, app.controller, "hf_withdraw_rent", "zh")
    robot.wait_for("submitButton", timeout=10)
    robot.tap("input_rent_monthly")
    for key in "2000":
        robot.tap(f"key_{key}")
    robot.tap("input_amount")
    for key in "6000":
        robot.tap(f"key_{key}")
    robot.tap("no_has_contract")
    robot.tap("input_bank_card")
    for key in "6222021234567890":
        robot.tap(f"key_{key}")
    robot.tap("input_phone")
    for key in "13800138000":
        robot.tap(f"key_{key}")
    robot.tap("submitButton")
    button = robot.wait_for("continueButton")
    [panel] = items(robot, "noticePanel")
    assert scene_rect(panel)[3] <= scene_rect(button)[1]


def case_count(app) -> int:
    with app.ctx.store.transaction() as conn:
        return int(conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0])


def test_service_guide_in_english_with_every_material_and_no_print(kiosk):
    app, robot = kiosk
    ctl = app.controller
    printed = len(app.ctx.devices["receipt"].simulator.printed)
    cases = case_count(app)
    begin(robot, ctl, "service_guide", "en", card=None)
    to_step(robot, ctl, "preview")
    rows = {row[0]: row for row in ctl.view["table"]["rows"]}
    assert rows["Housing fund withdrawal for rent"][1] == "Resident ID card"
    assert "debit card" in rows["Housing fund withdrawal for rent"][2]
    assert robot.text_of("printButton") == "Done"  # the guide prints nothing: its button must not say 打印
    for cell in items(robot, "previewCell"):
        assert cell.property("contentWidth") <= cell.width() + 0.5
    robot.tap("printButton")
    robot.wait_for("doneHome")
    assert len(app.ctx.devices["receipt"].simulator.printed) == printed
    assert robot.text_of("caseNumber") == ""  # reading the guide is not a 办件: no case, no number
    robot.tap("doneHome")
    robot.wait_until(lambda: ctl.screen == "attract", what="home")
    robot.pump(0.3)  # the db lane has had its turn
    assert case_count(app) == cases


def test_rating_an_earlier_case_names_it_and_ends_with_its_number(kiosk):
    app, robot = kiosk
    ctl = app.controller
    earlier = app.ctx.store.open_case("medical_certificate_print", "11420100MB1957412X4420117004")
    app.ctx.store.close_case(earlier, "completed")
    app.ctx.link.wake()
    robot.wait_until(lambda: app.ctx.store.queue_depth() == 0, timeout=15, what="the case delivered")
    begin(robot, ctl, "rate_case", "zh", card=None)
    robot.tap("input_case_no", timeout=10)
    for key in earlier:
        robot.tap(f"key_{key}")
    robot.tap("submitButton")
    robot.wait_for("rate_5", timeout=10)
    assert robot.text_of("rateSubject") == "评价办件：医保参保证明打印"
    robot.tap("rate_5")
    robot.tap("rateSubmit")
    robot.wait_for("doneHome")
    assert robot.text_of("caseNumber") == f"办件编号：{earlier}"


def test_intro_of_housing_fund_withdrawal_lists_every_material(kiosk):
    app, robot = kiosk
    robot.tap("startButton")
    robot.tap("service_hf_withdraw_rent")
    robot.wait_for("beginButton")
    materials = " ".join(m.property("text") for m in items(robot, "introMaterial"))
    assert "身份证" in materials and "银行" in materials and "租赁" in materials


def test_one_clock_on_the_attract_screen_and_one_way_home_from_the_catalog(kiosk):
    app, robot = kiosk
    robot.wait_for("startButton")
    assert robot.find("topClock") is None
    robot.tap("startButton")
    robot.wait_for(f"service_{'si_contribution_print'}")
    assert robot.find("topClock") is not None
    assert robot.find("homeButton") is not None and robot.find("backButton") is None


def test_tapping_a_paused_service_says_why(kiosk):
    app, robot = kiosk
    printer = app.ctx.devices["receipt"]
    printer.simulator.set_fault("cover_open")
    app.ctx.tasks.run("receipt", printer.refresh_status)
    robot.tap("startButton")
    ctl = app.controller
    robot.wait_until(
        lambda: not next(i for i in ctl.catalog if i["id"] == "si_contribution_print")["available"],
        what="paused",
    )
    robot.tap("service_si_contribution_print")
    assert ctl.screen == "catalog"
    assert "打印机仓盖未关闭" in robot.text_of("pausedNoteText")
    printer.simulator.set_fault(None)
    app.ctx.tasks.run("receipt", printer.refresh_status)


def test_a_chosen_option_has_a_tick_and_is_not_a_main_button(kiosk):
    app, robot = kiosk
    begin(robot, app.controller, "si_contribution_print", "zh")
    robot.wait_for("submitButton")
    robot.tap("choice_period_custom")
    robot.pump(0.1)
    chosen, main = robot.wait_for("choice_period_custom"), robot.wait_for("submitButton")
    assert chosen.property("selected") is True
    assert any(t.isVisible() for t in chosen.childItems() if t.objectName() == "tick")
    assert chosen.property("color") != main.property("color")


def test_the_sign_first_reminder_goes_once_signed(kiosk):
    app, robot = kiosk
    ctl = app.controller
    begin(robot, ctl, "hf_withdraw_rent", "zh")
    robot.wait_for("submitButton", timeout=10)
    for field, digits in (
        ("rent_monthly", "2000"),
        ("amount", "6000"),
        ("bank_card", "6222021234567890"),
        ("phone", "13800138000"),
    ):
        robot.tap(f"input_{field}")
        for key in digits:
            robot.tap(f"key_{key}")
    robot.tap("no_has_contract")
    robot.tap("submitButton")
    robot.tap("continueButton")
    robot.tap("commitButton")
    robot.wait_until(lambda: "请先签名" in robot.text_of("signLabel"), what="the reminder")
    robot.draw("signaturePad", [(0.1, 0.5), (0.2, 0.3), (0.3, 0.7)])
    assert "请先签名" not in robot.text_of("signLabel")
