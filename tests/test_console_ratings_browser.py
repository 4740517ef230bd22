"""好差评 in the browser: a 非常不满意 rating opens a rectification case assigned to a rating supervisor,
followed through callback, rectification with evidence, verification and closure; the monthly report
counts it; 办件量 by service with its exports; the audit trail for the auditor."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.console_helpers import (
    add_operators,
    attribute_of,
    browser,
    csrf_of,
    fast_config,
    file_cases,
    login,
    needs_browser,
    session_for,
    shot,
    terminal,
    wait_for,
)
from tests.fixtures.backoffice import start_backoffice

pytestmark = pytest.mark.slow  # Chromium: 5-15 s a test (and needs_browser on each)


@pytest.fixture
def console(tmp_path, monkeypatch) -> Iterator[dict[str, Any]]:
    import backoffice.app as app_module

    real = app_module.create_app
    monkeypatch.setattr(
        app_module,
        "create_app",
        lambda *a, **kw: real(*a, console_config=fast_config(rectify_working_days=5), **kw),
    )
    live = start_backoffice(f"sqlite:///{tmp_path / 'console.sqlite3'}")
    add_operators(live.state)
    driver = browser()
    yield {"live": live, "driver": driver}
    driver.quit()
    live.server.stop()
    live.state.engine.dispose()


def _case(n: int, item: str, service: str, outcome: str = "done") -> dict[str, Any]:
    now = time.time()
    return {
        "case_no": f"2026112700010000{n:02d}",
        "service_id": service,
        "item_code": item,
        "outcome": outcome,
        "started_at": now - 120,
        "finished_at": now - 5,
    }


@needs_browser
def test_bad_rating_followed_to_closure_and_monthly_report(console):
    from selenium.webdriver.common.by import By

    live, driver = console["live"], console["driver"]
    t1 = terminal(live, "T-0200", "wuhan")
    cases = [
        _case(1, "11420100MB1234567X4000", "社保缴费查询"),
        _case(2, "11420100MB1234567X4000", "社保缴费查询"),
        _case(3, "11420100MB7654321Y5000", "公积金提取", "cancelled"),
    ]
    ratings = [
        {"case_no": cases[0]["case_no"], "level": 5, "indicators": [], "item_code": cases[0]["item_code"]},
        {
            "case_no": cases[1]["case_no"],
            "level": 1,
            "indicators": ["等候时间长", "操作复杂"],
            "item_code": cases[1]["item_code"],
        },
        {"case_no": cases[2]["case_no"], "level": 4, "indicators": [], "item_code": cases[2]["item_code"]},
    ]
    file_cases(t1, cases, ratings)
    login(driver, live.url, "rating-supervisor")
    driver.get(live.url + "/console/ratings")
    assert driver.find_element(By.ID, "ratings-total").text == "3"
    assert driver.find_element(By.ID, "bad-count").text == "1"
    assert driver.find_element(By.ID, "good-rate").text == "66.7%"
    assert "等候时间长" in driver.page_source
    wait_for(
        lambda: driver.find_element(By.ID, "ratings-chart").get_attribute("data-drawn"), what="pie chart"
    )
    shot(driver, "ratings")
    driver.get(live.url + "/console/rectifications")
    rows = driver.find_elements(By.CSS_SELECTOR, "#rectifications-table tr[data-case]")
    assert [r.get_attribute("data-case") for r in rows] == [cases[1]["case_no"]]  # only the bad rating
    assert "rating-supervisor" in rows[0].text  # assigned to the one rating supervisor
    shot(driver, "rectifications")
    rows[0].find_element(By.TAG_NAME, "a").click()

    def status() -> str:
        return attribute_of(driver, "rect-status", "data-status")

    assert status() == "open"
    case_id = driver.current_url.rsplit("/", 1)[1]
    supervisor = session_for(live, "rating-supervisor")
    token = csrf_of(supervisor.get(f"{live.url}/console/rectifications/{case_id}", timeout=10).text)
    early = supervisor.post(
        f"{live.url}/console/rectifications/{case_id}/rectify",
        timeout=10,
        data={"csrf": token, "note": "skipping the callback"},
    )
    assert early.url.endswith("?error=1")  # no rectification before the callback
    driver.refresh()
    assert status() == "open"
    driver.find_element(By.ID, "callback-note").send_keys("已电话回访，群众反映排队久")
    driver.find_element(By.ID, "do-callback").click()
    wait_for(lambda: status() == "called_back", what="called back")
    driver.find_element(By.ID, "do-rectify").click()  # empty: refused, stays
    wait_for(lambda: driver.find_elements(By.ID, "step-error"), what="the refusal of an empty rectification")
    assert status() == "called_back"
    driver.find_element(By.ID, "rectify-note").send_keys("增设引导员，优化界面")
    driver.find_element(By.ID, "rectify-evidence").send_keys("排班表 2026-11-27；界面截图")
    driver.find_element(By.ID, "do-rectify").click()
    wait_for(lambda: status() == "rectified", what="rectified")
    driver.find_element(By.ID, "do-verify").click()
    wait_for(lambda: status() == "verified", what="verified")
    driver.find_element(By.ID, "do-close").click()
    wait_for(lambda: status() == "closed", what="closed")
    history = driver.find_element(By.ID, "history").text
    for step in ("open", "callback", "rectify", "verify", "close"):
        assert step in history
    shot(driver, "rectification")
    driver.get(live.url + "/console/rectifications/report")
    assert driver.find_element(By.ID, "report-total").text == "1"
    for card in ("callback-rate", "rectify-rate", "ontime-rate"):
        assert driver.find_element(By.ID, card).text == "100.0%"
    assert driver.find_element(By.ID, "closed-count").text == "1"
    shot(driver, "report")
    # a viewer may not follow ratings: refused in the page and 403 for the action
    http = session_for(live, "viewer")
    assert http.get(live.url + "/console/rectifications/1", timeout=10).status_code == 403
    assert (
        http.post(live.url + "/console/rectifications/1/callback", data={"note": "x"}, timeout=10).status_code
        == 403
    )


@needs_browser
def test_case_volume_with_exports_and_the_audit_trail(console):
    from selenium.webdriver.common.by import By

    live, driver = console["live"], console["driver"]
    t1, t2 = terminal(live, "T-0300", "wuhan"), terminal(live, "T-0301", "hankou")
    file_cases(
        t1,
        [
            _case(10, "11420100MB1234567X4000", "社保缴费查询"),
            _case(11, "11420100MB1234567X4000", "社保缴费查询"),
        ],
    )
    file_cases(t2, [_case(12, "11420100MB7654321Y5000", "公积金提取", "cancelled")])
    login(driver, live.url, "viewer")
    driver.get(live.url + "/console/volume?by=service")
    table = driver.find_element(By.ID, "volume-table").text
    assert "11420100MB1234567X4000 社保缴费查询 2" in table and "公积金提取 1" in table
    wait_for(lambda: driver.find_element(By.ID, "volume-chart").get_attribute("data-drawn"), what="bar chart")
    shot(driver, "volume")
    http = session_for(live, "viewer")
    # the console's day (Beijing), not the machine's (UTC on CI: from 16:00 a day behind)
    today = dt.datetime.now(live.app.state.console.tz).date().isoformat()
    raw = http.get(live.url + "/console/volume/export.csv", params={"by": "group"}, timeout=10)
    rows = list(csv.reader(io.StringIO(raw.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["group", "total"] and sorted(r[:2] for r in rows[1:]) == [
        ["hankou", "1"],
        ["wuhan", "2"],
    ]
    book = load_workbook(
        io.BytesIO(
            http.get(
                live.url + "/console/volume/export.xlsx",
                params={"by": "period", "period": "month"},
                timeout=10,
            ).content
        )
    )
    sheet = book.active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:2] == ("period", "total") and values[1][1] == 3 and values[1][0] == today[:7]
    # the audit trail: the auditor sees the console's own actions and exports them
    driver.delete_all_cookies()
    login(driver, live.url, "auditor")
    driver.get(live.url + "/console/audit?actor=viewer")
    text = driver.find_element(By.ID, "audit-table").text
    assert "operator.login" in text and "auditor" not in text.split("\n", 1)[1]
    shot(driver, "audit")
    export = (
        session_for(live, "auditor")
        .get(live.url + "/console/audit/export.csv", params={"action": "login"}, timeout=10)
        .content.decode("utf-8-sig")
    )
    assert "operator.login" in export and "viewer" in export
