"""The operator console in a real browser (Debian's Chromium via Selenium): log in per role, a terminal
goes offline and comes back without a reload, a paper-out raises one alert that is acknowledged and
notified (webhook and a local SMTP server), a bad rating followed through to closure and the monthly
report. Screenshots of each page go to var/console-screenshots/."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.console_helpers import (
    ROLES,
    Webhook,
    add_operators,
    attribute_of,
    browser,
    fast_config,
    heartbeat,
    login,
    needs_browser,
    session_for,
    shot,
    terminal,
    wait_for,
)
from tests.fixtures.backoffice import start_backoffice

pytestmark = pytest.mark.slow  # Chromium: 5-15 s a test (and needs_browser on each)


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def console(tmp_path, monkeypatch) -> Iterator[dict[str, Any]]:
    from aiosmtpd.controller import Controller

    mailbox, hook = Mailbox(), Webhook()
    # aiosmtpd's readiness check needs the real port. The probe keeps it bound (not listening, SO_REUSEADDR as
    # asyncio's server sets it) until aiosmtpd listens there, so no other process's bind takes it in between.
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
        smtp.start()
    config = fast_config(
        webhook_url=hook.url, smtp_host="127.0.0.1", smtp_port=port, smtp_to=["duty@example.org"]
    )
    import backoffice.app as app_module

    real = app_module.create_app
    monkeypatch.setattr(app_module, "create_app", lambda *a, **kw: real(*a, console_config=config, **kw))
    live = start_backoffice(f"sqlite:///{tmp_path / 'console.sqlite3'}")
    add_operators(live.state)
    driver = browser()
    yield {"live": live, "driver": driver, "mailbox": mailbox, "hook": hook}
    driver.quit()
    live.server.stop()
    live.state.engine.dispose()
    smtp.stop()
    hook.close()


def _text(driver: Any, element_id: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id).text


@needs_browser
def test_login_per_role_and_refusals(console):
    from selenium.webdriver.common.by import By

    live, driver = console["live"], console["driver"]
    driver.get(live.url + "/console/fleet")
    assert driver.current_url.endswith("/console/login")
    shot(driver, "login")
    login(driver, live.url, "viewer", "wrong password!")
    assert "用户名或密码错误" in _text(driver, "login-error")
    for role in ROLES:
        driver.delete_all_cookies()
        login(driver, live.url, role.replace("_", "-"))
        wait_for(lambda: driver.current_url.endswith("/console/fleet"), what=f"{role} logged in")
        assert role in _text(driver, "who")
        nav = [a.get_attribute("id") for a in driver.find_elements(By.CSS_SELECTOR, "header nav a")]
        assert ("nav-audit" in nav) == (role in ("admin", "auditor"))
        assert ("nav-ratings" in nav) == (role in ("admin", "rating_supervisor"))
        driver.get(live.url + "/console/audit")
        if role in ("admin", "auditor"):
            assert driver.find_elements(By.ID, "audit-table")
        else:
            assert "无权访问" in _text(driver, "refused")
            shot(driver, f"refused-{role}")
    # the same refusal as a status code, for the page and for the API behind it
    http = session_for(live, "viewer")
    assert http.get(live.url + "/console/audit", timeout=10).status_code == 403
    assert http.get(live.url + "/console/rectifications", timeout=10).status_code == 403
    assert http.get(live.url + "/console/fleet", timeout=10).status_code == 200
    # English on request, then back
    driver.get(live.url + "/console/fleet")
    driver.find_element(By.ID, "lang-switch").click()
    wait_for(lambda: "Fleet" in driver.page_source, what="English")
    shot(driver, "fleet-english")
    driver.find_element(By.ID, "lang-switch").click()
    wait_for(lambda: "终端监控" in driver.page_source, what="Chinese")


@needs_browser
def test_terminal_goes_offline_and_comes_back_without_reload(console):
    from selenium.webdriver.common.by import By

    live, driver = console["live"], console["driver"]
    t1, t2 = terminal(live, "T-0001", "wuhan"), terminal(live, "T-0002", "hankou")
    heartbeat(t1)
    heartbeat(t2, queue_depth=4)
    login(driver, live.url, "viewer")
    wait_for(lambda: driver.find_elements(By.ID, "t-T-0001"), what="fleet table")

    def fleet_online() -> bool:  # online lasts 2.5 s after a heartbeat; a login under load can take longer
        heartbeat(t1)
        driver.get(live.url + "/console/fleet")
        return attribute_of(driver, "t-T-0001", "data-status") == "online"

    wait_for(fleet_online, what="T-0001 shown online on a page loaded within 2.5 s of its heartbeat")
    shot(driver, "fleet")
    driver.execute_script("window.__noReload = 42;")

    def status() -> str | None:
        return attribute_of(driver, "t-T-0001", "data-status")

    stop = time.monotonic() + 30
    while time.monotonic() < stop and status() != "offline":  # T-0002 keeps beating; T-0001 is silent
        heartbeat(t2, queue_depth=4)
        time.sleep(0.5)
    assert status() == "offline"

    def silent_alerts() -> list[dict[str, Any]]:
        return [a for a in live.op("GET", "/api/v1/operator/alerts").json() if a["kind"] == "terminal_silent"]

    wait_for(silent_alerts, what="the terminal_silent alert (raised by the polled page's sweep)")
    assert [a["terminal_id"] for a in silent_alerts()].count("T-0001") == 1  # once, however many polls saw it
    assert attribute_of(driver, "t-T-0002", "data-status") in ("online", "stale")  # loaded box
    assert driver.execute_script("return window.__noReload;") == 42, "the page reloaded"
    shot(driver, "fleet-offline")

    def beating_online() -> (
        bool
    ):  # it keeps beating (online lasts 2.5 s after a heartbeat; the page polls every 3 s)
        heartbeat(t1)
        return status() == "online"

    wait_for(beating_online, what="T-0001 back online")
    assert driver.execute_script("return window.__noReload;") == 42
    # filters by group and status (server-side)
    heartbeat(t2)
    driver.get(live.url + "/console/fleet?group=hankou")
    assert driver.find_elements(By.ID, "t-T-0002") and not driver.find_elements(By.ID, "t-T-0001")
    driver.get(live.url + "/console/fleet?status=offline")
    assert not driver.find_elements(By.ID, "t-T-0002")

    # the terminal page: heartbeat timeline drawn by ECharts, its silence in the alerts
    def page_online() -> bool:  # as above: online lasts 2.5 s after a heartbeat, and a page load under load
        heartbeat(t1)  # can take that long: beat, load, read, until one load falls inside the window
        driver.get(live.url + "/console/terminals/T-0001")
        return _text(driver, "terminal-status") == "在线"

    wait_for(page_online, what="the terminal page showing T-0001 online")
    wait_for(lambda: driver.find_element(By.ID, "heartbeat-chart").get_attribute("data-drawn"), what="chart")
    shot(driver, "terminal")
    driver.get(live.url + "/console/alerts?status=")
    silent = driver.find_elements(By.CSS_SELECTOR, "tr[data-kind=terminal_silent]")
    assert silent and silent[0].get_attribute("data-status") == "resolved"  # it came back: resolved by system


@needs_browser
def test_paper_out_raises_one_alert_acknowledged_and_notified(console):
    from selenium.webdriver.common.by import By

    live, driver = console["live"], console["driver"]
    t1 = terminal(live, "T-0100")
    paper_out = [
        {"device": "printer", "state": "user_error", "reason": "error.printer.paper_out"},
        {"device": "idcard", "state": "online"},
    ]
    heartbeat(t1)
    for _ in range(3):  # the condition lasts three heartbeats: one alert
        heartbeat(t1, paper_out)
    login(driver, live.url, "viewer")
    driver.get(live.url + "/console/alerts")
    rows = driver.find_elements(By.CSS_SELECTOR, "tr[data-kind=paper_out]")
    assert len(rows) == 1 and "打印机缺纸" in rows[0].text
    alert_id = rows[0].get_attribute("id").split("-")[1]
    assert not driver.find_element(By.ID, f"ack-{alert_id}").is_enabled()  # a viewer may not acknowledge
    http = session_for(live, "viewer")
    page = http.get(live.url + "/console/alerts", timeout=10).text
    from tests.console_helpers import csrf_of

    refused = http.post(f"{live.url}/console/alerts/{alert_id}/ack", data={"csrf": csrf_of(page)}, timeout=10)
    assert refused.status_code == 403
    publisher = session_for(live, "publisher")
    no_csrf = publisher.post(f"{live.url}/console/alerts/{alert_id}/ack", data={}, timeout=10)
    assert no_csrf.status_code == 403  # CSRF token missing
    driver.delete_all_cookies()
    login(driver, live.url, "publisher")
    driver.get(live.url + "/console/alerts")
    driver.find_element(By.ID, f"ack-{alert_id}").click()
    wait_for(
        lambda: (
            driver.find_element(By.ID, f"alert-{alert_id}").get_attribute("data-status") == "acknowledged"
        ),
        what="acknowledged",
    )
    assert "publisher" in driver.find_element(By.ID, f"alert-{alert_id}").text
    shot(driver, "alerts")
    wait_for(lambda: any(b["alert"]["kind"] == "paper_out" for b in console["hook"].bodies), what="webhook")
    wait_for(lambda: console["mailbox"].messages, what="e-mail")
    mail = console["mailbox"].messages[0]
    assert mail.rcpt_tos == ["duty@example.org"] and b"paper_out" in mail.content
    heartbeat(t1)  # paper refilled: resolved by the system
    driver.get(live.url + "/console/alerts?status=")
    row = driver.find_element(By.ID, f"alert-{alert_id}")
    assert row.get_attribute("data-status") == "resolved" and "system" in row.text
    entries = requests.get(
        live.url + "/api/v1/operator/audit", headers={"X-Operator-Key": live.operator_key}, timeout=10
    ).json()
    assert any(e["action"] == "alert.ack" and e["actor"] == "publisher" for e in entries)
