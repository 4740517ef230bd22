"""What a citizen sees when something goes wrong: a clear message, a wiped session, nothing lost."""

from __future__ import annotations

import time

from tests.test_ui_flow import FLOW, walk_to


def case_of(app, case_no, robot, outcome):
    robot.wait_until(
        lambda: (c := app.ctx.store.get_case(case_no)) is not None and c.outcome == outcome,
        what=f"case closed as {outcome}",
    )
    return app.ctx.store.get_case(case_no)


# The walk to the screen under test runs with the normal inactivity timeout, and the short one is set on
# arrival (setInterval restarts the running timer): built with the short one, a screen change slower than
# timeout plus countdown on a loaded machine ended the session mid-walk, and the walk then waited for a
# button that never came.
def test_inactivity_asks_then_returns_home_and_wipes_the_session(make_kiosk):
    app, robot = make_kiosk(countdown_s=3)
    ctl = app.controller
    walk_to(robot, ctl, "confirm")
    ctl.set_inactivity_s(0.5)  # on arrival: see the note above the first test
    case_no = ctl.session.case_no
    robot.wait_for("countdownText", timeout=3)
    assert ctl.countdown in (2, 3)
    assert "秒后将返回首页" in robot.text_of("countdownText")
    robot.wait_until(lambda: ctl.screen == "attract", timeout=6, what="return to attract")
    assert ctl.session is None and ctl.view == {} and ctl.countdown == -1
    case = case_of(app, case_no, robot, "abandoned")  # issue 10: the true outcome (was "timeout")
    assert case.steps[0]["step"] == "identify"


def test_more_time_keeps_the_session(make_kiosk):
    app, robot = make_kiosk(countdown_s=5)
    ctl = app.controller
    walk_to(robot, ctl, "confirm")
    ctl.set_inactivity_s(0.5)  # on arrival: see the note above the first test
    robot.tap("moreTime", timeout=3)
    assert ctl.countdown == -1 and ctl.screen == "step"
    robot.tap("confirmButton")
    robot.wait_for("submitButton")
    assert ctl.view["stepId"] == "period"


def test_countdown_visible_on_every_screen_that_is_not_home(make_kiosk):
    app, robot = make_kiosk(inactivity_s=0.3, countdown_s=5)
    robot.tap("startButton")
    robot.wait_for("countdownText", timeout=3)
    robot.tap("endSession")
    robot.wait_until(lambda: app.controller.screen == "attract", what="attract")


def test_lifting_the_card_mid_flow_cancels_cleanly(kiosk):
    app, robot = kiosk
    ctl = app.controller
    walk_to(robot, ctl, "period")
    case_no = ctl.session.case_no
    app.ctx.devices["idcard"].simulator.lift()
    robot.wait_for("messageText", timeout=8)  # after the grace period
    assert "身份证已取走" in robot.text_of("messageText")
    assert ctl.session is None
    case = case_of(app, case_no, robot, "cancelled")  # issue 10: the true outcome (was "card_removed")
    assert [s["step"] for s in case.steps] == ["identify", "confirm"]
    robot.tap("messageOk")
    assert ctl.screen == "attract"


def test_paper_out_mid_flow_tells_the_citizen_and_keeps_the_case(kiosk):
    """Issue 10: a paper-out print is failed (not completed), shows the case number and offers a retry once
    the printer is back; the retried print completes the case."""
    app, robot = kiosk
    ctl = app.controller
    walk_to(robot, ctl, "preview")
    case_no = ctl.session.case_no
    app.ctx.devices["receipt"].simulator.set_fault("paper_out")
    robot.tap("printButton")
    robot.wait_for("doneFailure", timeout=15)
    assert "打印机缺纸" in robot.text_of("doneFailure")
    assert "办件已记录" in robot.text_of("doneBody")
    assert case_no in robot.text_of("caseNumber") and robot.text_of("doneWhere")
    assert robot.find("doneTick") is None and robot.find("retryButton") is None  # no paper yet: no retry
    app.ctx.devices["receipt"].simulator.set_fault(None)
    robot.tap("retryButton", timeout=15)  # the printer came back
    robot.tap("rate_4", timeout=20)
    robot.tap("rateSubmit")
    robot.wait_for("doneTick")
    case = case_of(app, case_no, robot, "completed")
    assert ("print", "error") in [(s["step"], s["outcome"]) for s in case.steps]
    assert case.rating["level"] == 4


def visible_texts(robot) -> list[str]:
    """Every text a citizen can read on the window now (visible items with a ``text``)."""
    texts, stack = [], [robot.window.contentItem()]
    while stack:
        item = stack.pop()
        if not item.isVisible():
            continue
        value = item.property("text")
        if isinstance(value, str) and value:
            texts.append(value)
        stack.extend(item.childItems())
    return texts


def test_the_print_failure_end_screen_shows_its_title_once(kiosk):
    """Issue 10: "打印未完成" was the end step's title and again the head of the failure line under it."""
    app, robot = kiosk
    ctl = app.controller
    walk_to(robot, ctl, "preview")
    app.ctx.devices["receipt"].simulator.set_fault("paper_out")
    robot.tap("printButton")
    robot.wait_for("doneFailure", timeout=15)
    for lang, title in (("zh_CN", "打印未完成"), ("en", "Printing did not finish")):
        if ctl.lang != lang:
            robot.tap("langButton")
            robot.wait_until(
                lambda want=(lang, title): (ctl.lang, robot.text_of("stepTitle")) == want, what=lang
            )
        assert robot.text_of("stepTitle") == title
        texts = visible_texts(robot)
        assert sum(text.count(title) for text in texts) == 1, texts
        assert robot.text_of("doneFailure")  # the cause is still said, under the title
    assert "printer" in robot.text_of("doneFailure").lower()


def test_paper_out_left_on_the_failure_screen_is_failed_not_completed(kiosk):
    app, robot = kiosk
    ctl = app.controller
    walk_to(robot, ctl, "preview")
    case_no = ctl.session.case_no
    app.ctx.devices["receipt"].simulator.set_fault("paper_out")
    robot.tap("printButton")
    robot.wait_for("doneFailure", timeout=15)
    robot.tap("doneHome")
    case = case_of(app, case_no, robot, "failed")
    assert case.reason == "printer"
    assert app.ctx.devices["receipt"].simulator.printed == []
    robot.wait_until(
        lambda: (
            app.ctx.store.db.execute(
                "SELECT count(*) FROM device_events WHERE device='receipt' AND reason='error.printer.paper_out'"
            ).fetchone()[0]
            >= 1
        ),
        what="fault recorded as a device event",
    )


def test_printed_but_not_rated_is_completed(make_kiosk):
    """Issue 10: a citizen who took the paper and walked away from the rating screen is completed, unrated."""
    app, robot = make_kiosk(countdown_s=1)
    ctl = app.controller
    walk_to(robot, ctl, "preview")
    ctl.set_inactivity_s(1.5)  # on arrival: see the note above the first test
    case_no = ctl.session.case_no
    robot.tap("printButton")
    robot.wait_for("rate_5", timeout=20)
    robot.wait_until(lambda: ctl.screen == "attract", timeout=10, what="the timeout on the rating screen")
    case = case_of(app, case_no, robot, "completed")
    assert case.rating is None


def test_service_unavailable_while_printer_faulty_and_back_when_it_recovers(kiosk):
    app, robot = kiosk
    ctl = app.controller
    printer = app.ctx.devices["receipt"]
    printer.simulator.set_fault("cover_open")
    app.ctx.tasks.run("receipt", printer.refresh_status)
    robot.tap("startButton")

    def entry():
        return next(item for item in ctl.catalog if item["id"] == FLOW)

    robot.wait_until(lambda: not entry()["available"], what="service shown unavailable")
    assert entry()["reason"] == "打印机仓盖未关闭"
    robot.tap(f"service_{FLOW}", timeout=1) if robot.find(f"service_{FLOW}") else None
    assert ctl.screen == "catalog"  # tapping an unavailable service does nothing
    printer.simulator.set_fault(None)
    app.ctx.tasks.run("receipt", printer.refresh_status)
    robot.wait_until(lambda: entry()["available"], what="service back")


def test_the_gui_thread_keeps_running_while_a_printer_hangs(kiosk):
    app, robot = kiosk
    ctl = app.controller
    walk_to(robot, ctl, "preview")
    app.ctx.devices["receipt"].simulator.set_fault("silent")
    started = time.monotonic()
    robot.tap("printButton")
    gaps = []
    last = time.monotonic()
    while ctl.view.get("stepType") == "print" and time.monotonic() - started < 20:
        robot.pump(0.02)
        now = time.monotonic()
        gaps.append(now - last)
        last = now
    assert max(gaps) < 0.25, f"the GUI thread stalled for {max(gaps):.2f} s"
    robot.wait_for("doneFailure", timeout=15)  # issue 10: a failed print's end screen (was a notice)
    detail = ctl.view.get("detail", "")
    assert detail and not detail.startswith("error."), f"untranslated fault: {detail}"
    assert detail in robot.text_of("doneFailure")


def test_dead_network_live_services_pause_and_offline_ones_queue(kiosk):
    app, robot = kiosk
    ctl = app.controller
    app.ctx.link.embedded.stop()  # the back office goes away
    app.ctx.store.record_device_event("receipt", "online", "", "probe")  # something to deliver
    app.ctx.link.wake()
    robot.wait_until(lambda: not ctl.online, timeout=20, what="the terminal notices it is offline")

    def entry(flow_id):
        return next(item for item in ctl.catalog if item["id"] == flow_id)

    assert not entry("hf_statement_print")["available"]
    assert entry("hf_statement_print")["reason"] == "网络暂时中断"
    assert entry(FLOW)["available"]  # this service works offline

    walk_to(robot, ctl, "preview")  # the record comes from the terminal's cached data
    case_no = ctl.session.case_no
    robot.tap("printButton")
    robot.tap("rate_5", timeout=20)
    robot.tap("rateSubmit")
    robot.wait_for("doneHome")
    assert "联网后将自动提交" in robot.text_of("queuedNote")
    robot.wait_until(
        lambda: any(
            e["kind"] == "case" and e["payload"]["case_no"] == case_no
            for e in app.ctx.store.pending_events(1000)
        ),
        what="case queued in the outbox",
    )


def test_a_rating_the_store_refused_is_said_on_screen_and_can_be_sent_again(kiosk):
    """Issue 10/15: "谢谢评价" only after the rating is stored. A store that refuses it (a real SQLite trigger
    from a second connection, as a full disk would) keeps the rating screen with a message; 提交评价 again
    stores it and moves on."""
    import sqlite3

    app, robot = kiosk
    ctl = app.controller
    walk_to(robot, ctl, "preview")
    case_no = ctl.session.case_no
    other = sqlite3.connect(app.ctx.store.path, timeout=10)
    other.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON ratings BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    other.commit()
    robot.tap("printButton")
    robot.wait_for("rate_5", timeout=20)
    off = robot.find("rateSubmit", enabled=False)  # no level yet: off by itself, and greyed to say so
    assert off is not None and not off.isEnabled() and off.property("dimmed") is True
    robot.tap("rate_5")
    robot.tap("rateSubmit")
    robot.wait_until(lambda: "未能保存" in (robot.text_of("rateStatus") or ""), what="the not-saved message")
    assert robot.find("doneTick") is None and ctl.session.run.current_id == "rate"
    other.execute("DROP TRIGGER refuse")
    other.commit()
    other.close()
    robot.tap("rateSubmit")
    robot.wait_for("doneTick")
    assert case_of(app, case_no, robot, "completed").rating["level"] == 5


def test_an_elderly_差评_says_there_is_more_below_until_it_is_scrolled_to(make_kiosk):
    """Elderly mode does not fit a 差评's reasons and the comment on the rating screen: a hint ("向下滑动查看更多 ▼")
    shows while there is more below, and goes once the citizen has scrolled to the end."""
    app, robot = make_kiosk()
    ctl = app.controller
    walk_to(robot, ctl, "preview")
    robot.tap("elderlyButton")  # switched on for this citizen (any screen)
    robot.wait_until(lambda: app.assist.elderly, what="elderly mode")
    robot.tap("printButton")
    robot.wait_for("rate_1", timeout=20)
    assert robot.find("rateMore", enabled=False) is None  # nothing chosen yet: nothing more to see
    robot.tap("rate_1")
    robot.wait_until(lambda: robot.find("rateMore", enabled=False), what="the more-below hint")
    assert "向下滑动查看更多" in robot.text_of("rateMore")
    robot.scroll_into_view(robot.find("rateComment", enabled=False))  # to the comment, the last part
    robot.wait_until(lambda: robot.find("rateMore", enabled=False) is None, what="the hint gone at the end")
