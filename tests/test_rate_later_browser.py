"""Rate later on a phone, in Debian's Chromium at a phone's size (390×844): the page a citizen opens from the QR
code on the receipt. Nothing runs off the screen sideways, every choice is a finger-sized target, 差评 reasons
appear only for levels 1–2, the rating is recorded as chosen, and the same link afterwards says it was rated."""

from __future__ import annotations

from typing import Any

import pytest

from tests.console_helpers import browser, needs_browser, shot, wait_for
from tests.test_rate_later import _file_case
from wire.ratelater import rate_code

pytestmark = pytest.mark.slow  # Chromium


def _visible(driver: Any, element_id: str) -> bool:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id).is_displayed()


@needs_browser
def test_a_citizen_rates_on_a_phone(backoffice):
    from selenium.webdriver.common.by import By

    creds = backoffice.enrol()
    case_no = "202611270001000901"
    _file_case(backoffice, creds, case_no)
    code = rate_code(creds.secret, creds.terminal_id, case_no)
    driver = browser()
    try:
        driver.set_window_size(390, 844)
        # Chinese asked for explicitly: headless Chromium's Accept-Language is en-US
        driver.get(f"{backoffice.url}/rate/{case_no}?v={code}&lang=zh_CN")
        assert driver.find_element(By.ID, "case-no").text == case_no
        width = driver.execute_script("return document.documentElement.clientWidth")
        scroll_width = driver.execute_script("return document.documentElement.scrollWidth")
        assert scroll_width <= width  # nothing runs off the screen sideways
        shown = [e for e in driver.find_elements(By.CSS_SELECTOR, "#rate-form label") if e.is_displayed()]
        assert len(shown) == 5 + 4 * 3  # the levels and the indicators' scores (reasons wait for a 差评)
        for label in shown:
            assert label.size["height"] >= 44, label.text  # a finger, not a stylus
        assert not _visible(driver, "reasons")  # no level yet: no 差评 reasons
        driver.find_element(By.CSS_SELECTOR, "label:has(#level-2)").click()
        wait_for(lambda: _visible(driver, "reasons"), what="the 差评 reasons for 不满意")
        driver.find_element(By.CSS_SELECTOR, "label:has(#level-5)").click()
        wait_for(lambda: not _visible(driver, "reasons"), what="no reasons for 非常满意")
        driver.find_element(By.CSS_SELECTOR, "label:has(#level-2)").click()
        driver.find_element(By.CSS_SELECTOR, "label:has(#reason-slow)").click()
        driver.find_element(By.CSS_SELECTOR, "label:has(#score-efficiency-1)").click()
        driver.execute_script("window.scrollTo(0, 0)")
        shot(driver, "rate-later-phone")
        driver.find_element(By.ID, "comment").send_keys("排队时间长")
        shot(driver, "rate-later-phone-reasons")
        driver.find_element(By.ID, "submit").click()
        thanks = wait_for(lambda: driver.find_elements(By.ID, "thanks"), what="the thanks")[0]
        assert "评价已提交" in thanks.text
        [rating] = backoffice.ratings()
        assert rating["case_no"] == case_no and rating["level"] == 2 and rating["channel"] == "phone"
        assert rating["reasons"] == ["slow"] and rating["indicators"] == {"efficiency": 1}
        driver.get(f"{backoffice.url}/rate/{case_no}?v={code}")  # the same link again: rated once
        refused = driver.find_element(By.ID, "refused")
        assert refused.get_attribute("data-reason") == "already_rated"
        assert not driver.find_elements(By.ID, "rate-form")
        wrong = str((int(code) + 1) % 10**8).zfill(8)
        driver.get(f"{backoffice.url}/rate/{case_no}?v={wrong}")  # no lang: the phone's own (here en-US)
        assert "Wrong code" in driver.find_element(By.ID, "refused").text
        assert len(backoffice.ratings()) == 1
    finally:
        driver.quit()
