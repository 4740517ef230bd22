"""Rate later on a phone (issue 15), end to end: a citizen prints a receipt and skips the rating with one tap;
the receipt's second QR code and the done screen's QR code carry the same back-office URL (read back from the
printer's bytes and, with zbarimg, from the rendered screen), and Debian's Chromium opens that URL as a phone
would and rates the real case; the back office then has it once, channel phone, for this terminal."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import requests
from sqlalchemy import select

from backoffice.models import Rating
from tests.console_helpers import browser, needs_browser
from tests.test_ui_flow import walk_to
from wire.ratelater import rate_code

ZBARIMG = shutil.which("zbarimg")


def _print_and_skip(app, robot) -> str:
    ctl = app.controller
    walk_to(robot, ctl, "preview")
    case_no = ctl.session.case_no
    robot.tap("printButton")
    robot.wait_for("rateSkip", timeout=20)
    assert "评价自愿" in robot.text_of("ratePrompt")  # the screen says rating is optional
    robot.tap("rateSkip")  # one tap: no level, no confirmation
    robot.wait_for("doneHome")
    return case_no


def _read_qr(path) -> list[str]:
    out = subprocess.run([ZBARIMG, "--raw", "-q", str(path)], capture_output=True, text=True, timeout=30)
    return [line for line in out.stdout.splitlines() if line]


def test_skipping_leaves_the_case_unrated_and_offers_the_phone_link(kiosk, tmp_path):
    app, robot = kiosk
    case_no = _print_and_skip(app, robot)
    link = app.ctx.link
    code = rate_code(link.credentials.secret, link.credentials.terminal_id, case_no)
    url = f"{link.rate_base}/rate/{case_no}?v={code}"
    receipt = app.ctx.devices["receipt"].simulator.printed[-1]
    assert receipt.qr_codes[-1] == url  # the receipt's second QR code, decoded from the printer's bytes
    assert f"评价码：{code}" in receipt.text() and "7天内" in receipt.text()
    robot.wait_for("rateQr")
    assert code in robot.text_of("rateLater")
    if ZBARIMG:  # the QR code as drawn on the screen scans to the same URL
        shot = tmp_path / "done.png"
        robot.window.grabWindow().save(str(shot))
        assert _read_qr(shot) == [url]
    robot.tap("doneHome")
    robot.wait_until(lambda: app.controller.screen == "attract", what="attract")
    robot.wait_until(lambda: app.ctx.store.get_case(case_no).outcome is not None, what="case closed")
    record = app.ctx.store.get_case(case_no)
    assert record.outcome == "completed" and record.rating is None  # skipped: completed and unrated


def test_a_rating_given_here_takes_the_phone_link_off_the_done_screen(kiosk):
    app, robot = kiosk
    walk_to(robot, app.controller, "preview")
    robot.tap("printButton")
    robot.wait_for("rate_5", timeout=20)
    assert robot.find("reason_slow") is None  # reasons belong to 差评 only
    robot.tap("rate_5")
    robot.tap("score_guide_accuracy_3")
    robot.tap("rateSubmit")
    robot.wait_for("doneHome")
    robot.pump(0.3)
    assert robot.find("rateQr") is None


@pytest.mark.slow  # Chromium
@needs_browser
def test_a_phone_rates_the_real_case_by_its_qr_url(kiosk, tmp_path):
    from selenium.webdriver.common.by import By

    app, robot = kiosk
    case_no = _print_and_skip(app, robot)
    url = app.ctx.devices["receipt"].simulator.printed[-1].qr_codes[-1]
    deadline = time.monotonic() + 20  # the case reaches the back office through the outbox
    while requests.get(url, timeout=10).status_code == 404 and time.monotonic() < deadline:
        robot.pump(0.3)
    driver = browser()
    try:
        driver.set_window_size(412, 915)  # a phone
        driver.get(url)
        assert driver.find_element(By.ID, "case-no").text == case_no
        assert not driver.find_element(By.ID, "reasons").is_displayed()  # shown only for 差评
        driver.find_element(By.ID, "level-2").click()
        assert driver.find_element(By.ID, "reasons").is_displayed()
        driver.find_element(By.ID, "score-efficiency-1").click()
        driver.find_element(By.ID, "reason-slow").click()
        driver.find_element(By.ID, "comment").send_keys("等了很久")
        driver.save_screenshot(str(tmp_path / "phone.png"))
        driver.find_element(By.ID, "submit").click()
        thanks = driver.find_element(By.ID, "thanks").text  # in the phone's language (Accept-Language)
        assert "感谢" in thanks or "Thank you" in thanks
        driver.get(url)  # the same link again: rated already
        assert driver.find_element(By.ID, "refused").get_attribute("data-reason") == "already_rated"
    finally:
        driver.quit()
    embedded = app.ctx.link.embedded
    with embedded.app.state.backoffice.sessions() as session:
        [rating] = session.scalars(select(Rating).where(Rating.case_no == case_no)).all()
    assert rating.channel == "phone" and rating.terminal_id == embedded.terminal_id
    assert rating.level == 2 and rating.indicators == {"efficiency": 1} and rating.reasons == ["slow"]
    assert rating.comment == "等了很久"
