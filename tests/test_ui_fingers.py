"""Real fingers on the rendered screens: a double tap is one tap, Home waits for the paper, every citizen
starts clean (issue 10)."""

from __future__ import annotations

import time

from PySide6.QtCore import QPointF

FLOW = "si_contribution_print"


def centre(robot, name: str):
    item = robot.wait_for(name, timeout=10)
    return item.mapToScene(QPointF(item.width() / 2, item.height() / 2)).toPoint()


def taps(robot, point, count: int, interval: float) -> None:
    """``count`` taps on one spot, ``interval`` seconds from one press to the next (a quick finger)."""
    start = time.monotonic()
    for i in range(count):
        while time.monotonic() < start + i * interval:
            robot.pump(0.005)
        robot.touch(point, press=True)
        robot.pump(0.03)
        robot.touch(point, press=False)


def to_confirm(robot) -> None:
    robot.tap("startButton")
    robot.tap(f"service_{FLOW}")
    robot.tap("beginButton")
    robot.tap("demoPlaceCard")
    robot.wait_for("confirmButton", timeout=10)


def test_two_taps_150_ms_apart_do_not_skip_the_period_choice(kiosk):
    app, robot = kiosk
    ctl = app.controller
    to_confirm(robot)
    # the period screen's 下一步 sits where 是本人，继续 was: the second tap of a double tap would land on it
    taps(robot, centre(robot, "confirmButton"), 2, 0.150)
    robot.pump(1.0)
    assert ctl.view["stepId"] == "period"
    assert [s.step_id for s in ctl.session.run.history] == ["identify", "confirm"]


def test_three_taps_250_ms_apart_never_print_an_unseen_preview(kiosk):
    app, robot = kiosk
    ctl = app.controller
    printed = app.ctx.devices["receipt"].simulator.printed
    before = len(printed)
    to_confirm(robot)
    taps(robot, centre(robot, "confirmButton"), 3, 0.250)
    robot.pump(1.5)
    assert ctl.view["stepId"] in ("period", "preview")
    assert "print" not in [s.step_id for s in ctl.session.run.history]
    assert len(printed) == before


def test_a_new_screen_takes_taps_after_its_settle_time(kiosk):
    """Measured: from the screen change to the first tap that acts, probing every 25 ms."""
    app, robot = kiosk
    ctl = app.controller
    robot.tap("startButton")
    robot.tap(f"service_{FLOW}")
    point = centre(robot, "beginButton")
    robot.tap("backButton")  # back to the catalog: the intro comes again with a fresh settle time
    robot.wait_until(lambda: ctl.screen == "catalog", what="catalog")
    shown: list[float] = []
    ctl.screenChanged.connect(lambda: shown.append(time.monotonic()))
    robot.tap(f"service_{FLOW}")
    robot.wait_until(lambda: ctl.screen == "intro", what="intro")
    while ctl.screen == "intro" and time.monotonic() - shown[0] < 2:
        robot.touch(point, press=True)
        robot.pump(0.01)
        robot.touch(point, press=False)
        robot.pump(0.015)
    settle_ms = (time.monotonic() - shown[0]) * 1000
    assert ctl.screen == "step"
    assert 300 <= settle_ms <= 560, settle_ms
    print(f"settle measured: {settle_ms:.0f} ms (window settleMs={app.window.property('settleMs')})")


def test_home_and_language_wait_for_the_paper(kiosk, monkeypatch):
    app, robot = kiosk
    ctl = app.controller
    real = app.ctx.printing.print_step

    def slow_print(*args, **kwargs):  # a long document: the paper takes a while to come out
        time.sleep(1.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(app.ctx.printing, "print_step", slow_print)
    to_confirm(robot)
    robot.tap("confirmButton")
    robot.tap("submitButton")
    robot.tap("printButton", timeout=10)
    robot.wait_until(lambda: ctl.view.get("stepType") == "print", what="printing")
    robot.wait_until(lambda: robot.find("printAnimation") is not None, what="the paper animation")
    assert robot.text_of("busyStatus") == "正在打印，请在下方出纸口取件"
    assert robot.find("homeButton") is None and robot.find("langButton") is None  # shown, but disabled
    for button in (robot.find("homeButton", enabled=False), robot.find("langButton", enabled=False)):
        robot.tap_at(button.mapToScene(QPointF(button.width() / 2, button.height() / 2)).toPoint())
    assert ctl.screen == "step" and ctl.lang == "zh_CN"
    robot.wait_for("rate_5", timeout=20)
    assert robot.find("homeButton") is not None and robot.find("langButton") is not None


def test_the_next_citizen_starts_in_the_terminal_language(kiosk):
    app, robot = kiosk
    ctl = app.controller
    robot.tap("startButton")
    robot.tap("langButton")
    robot.wait_until(lambda: robot.text_of("stepTitle") == "" and ctl.lang == "en", what="English")
    robot.tap(f"service_{FLOW}")
    robot.wait_for("beginButton")
    assert robot.text_of("beginButton") == "I understand, start"
    robot.tap("homeButton")
    robot.wait_until(lambda: ctl.screen == "attract", what="home")
    assert ctl.lang == "zh_CN"
    assert robot.wait_for("startButton").property("text") == "点击开始办理"


def test_the_card_removed_message_follows_the_language(kiosk):
    app, robot = kiosk
    to_confirm(robot)
    app.ctx.devices["idcard"].simulator.lift()
    robot.wait_for("messageText", timeout=10)
    assert robot.text_of("messageText") == "身份证已取走，本次办理已取消，您的信息已清除"
    robot.tap("langButton")
    robot.wait_until(lambda: robot.text_of("messageText").startswith("Your ID card was lifted"),
                     what="the message in English")
