"""Commands that take terminals away from citizens ask first, in Chromium: restart on a terminal's page, restart
and maintenance on a group's page (with the number of terminals it reaches). Cancelling queues nothing;
confirming queues the command; a command that harms nobody (a screenshot) asks nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.console_helpers import (
    browser,
    fast_config,
    login,
    needs_browser,
    start_console,
    terminal,
    wait_for,
)

pytestmark = pytest.mark.slow  # Chromium


@pytest.fixture
def live(tmp_path, monkeypatch) -> Iterator[Any]:
    server = start_console(tmp_path, monkeypatch, fast_config())
    yield server
    server.server.stop()
    server.state.engine.dispose()


def _kinds(live: Any, terminal_id: str) -> list[str]:
    rows = live.op("GET", f"/api/v1/operator/terminals/{terminal_id}/commands").json()
    return sorted(r["kind"] for r in rows)


def _click(driver: Any, kind: str, accept: bool) -> str:
    """Click the command's button; answer its confirmation; the question it asked."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, f"cmd-{kind}").click()
    alert = wait_for(lambda: _alert(driver), what=f"the {kind} confirmation")
    question = alert.text
    alert.accept() if accept else alert.dismiss()
    return question


def _alert(driver: Any) -> Any:
    from selenium.common.exceptions import NoAlertPresentException

    try:
        return driver.switch_to.alert
    except NoAlertPresentException:
        return None


@needs_browser
def test_restart_and_group_maintenance_ask_before_they_queue(live):
    from selenium.webdriver.common.by import By

    for i in range(3):
        terminal(live, f"T-E-{i}", group="east")
    driver = browser()
    try:
        login(driver, live.url, "publisher")
        driver.get(f"{live.url}/console/terminals/T-E-0")
        assert "重启这台终端" in _click(driver, "restart", accept=False)
        driver.get(f"{live.url}/console/terminals/T-E-0")  # nothing was posted: no queued note, no row
        assert not driver.find_elements(By.ID, "remote-queued")
        assert _kinds(live, "T-E-0") == []
        _click(driver, "restart", accept=True)
        wait_for(lambda: driver.find_elements(By.ID, "remote-queued"), what="restart queued")
        assert _kinds(live, "T-E-0") == ["restart"]
        driver.find_element(By.ID, "cmd-screenshot").click()  # asks nothing
        wait_for(lambda: _kinds(live, "T-E-0") == ["restart", "screenshot"], what="the screenshot queued")
        assert _alert(driver) is None

        driver.get(f"{live.url}/console/groups/east/remote")
        question = _click(driver, "maintenance_on", accept=False)
        assert "暂停服务" in question and question.endswith(": 3")
        assert _kinds(live, "T-E-1") == []
        assert "本分组全部终端" in _click(driver, "restart", accept=True)
        wait_for(
            lambda: all(_kinds(live, f"T-E-{i}")[:1] == ["restart"] for i in range(3)), what="group restart"
        )
        assert _kinds(live, "T-E-1") == ["restart"]  # and no maintenance: that one was cancelled
    finally:
        driver.quit()
