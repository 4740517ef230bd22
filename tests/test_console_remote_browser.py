"""Issue 13's browser test for remote operations: a remote maintenance command reaching a REAL terminal process
and its acknowledgement. A provisioned ``kiosk run`` (offscreen Qt, simulated devices) heartbeats every second
to the real back office on 127.0.0.1; in Chromium a publisher clicks "maintenance on", the acknowledgement
appears in the page without a reload, and the terminal's own heartbeat says it is in maintenance; then off;
then a screenshot taken by the terminal appears in the console; then 发布公告 and 下发设置 set the terminal's
standing values and the page turns 待生效 into 已生效 once the terminal's heartbeat reports it applied them. Page
screenshots go to var/console-screenshots/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli import main as kiosk_cli
from tests.console_helpers import browser, fast_config, login, needs_browser, shot, start_console, wait_for

pytestmark = pytest.mark.slow  # a kiosk process and Chromium: about 30 s
ROOT = Path(__file__).resolve().parent.parent
TERMINAL = "T-4201-0301"


def _heartbeat(live: Any) -> dict[str, Any]:
    rows = live.op("GET", "/api/v1/operator/terminals").json()
    return next((r.get("heartbeat") or {} for r in rows if r["terminal_id"] == TERMINAL), {})


@pytest.fixture
def kiosk_and_console(tmp_path, monkeypatch) -> Iterator[tuple[Any, subprocess.Popen, Path]]:
    """The console on 127.0.0.1 and a provisioned ``kiosk run`` against it; yields its config file too."""
    live = start_console(tmp_path, monkeypatch, fast_config())
    data_dir = tmp_path / "kiosk"
    token = live.token(terminal_id=TERMINAL, group="wuchang")
    assert (
        kiosk_cli(["provision", "--backoffice", live.url, "--token", token, "--data-dir", str(data_dir)]) == 0
    )
    config = tmp_path / "terminal.toml"
    config.write_text(
        f'[terminal]\nid = "{TERMINAL}"\ngroup = "wuchang"\n'
        f'[paths]\ndata_dir = "{data_dir}"\n'
        f'[backoffice]\nurl = "{live.url}"\nheartbeat_s = 1\n'
        '[devices]\nidcard = "sim://idcard"\nreceipt = "sim://receipt"\ndocument = "sim://document"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    env.pop("DISPLAY", None)
    log = (tmp_path / "kiosk.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run", "--config", str(config)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 90
        while _heartbeat(live).get("maintenance") is not False:
            assert process.poll() is None, (tmp_path / "kiosk.log").read_text(errors="replace")[-2000:]
            assert time.monotonic() < deadline, "the kiosk never sent a heartbeat"
            time.sleep(0.5)
        yield live, process, config
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
        live.server.stop()
        live.state.engine.dispose()


def _click_and_wait(driver: Any, kind: str, state: str = "done") -> Any:
    """Click a command button; the new row of that kind reaches ``state`` by htmx polling (no reload)."""
    from selenium.webdriver.common.by import By

    before = {e.get_attribute("id") for e in driver.find_elements(By.CSS_SELECTOR, f'tr[data-kind="{kind}"]')}
    driver.find_element(By.ID, f"cmd-{kind}").click()
    wait_for(lambda: driver.find_elements(By.ID, "remote-queued"), what=f"{kind} queued")
    row_id = wait_for(
        lambda: next(
            (
                e.get_attribute("id")
                for e in driver.find_elements(By.CSS_SELECTOR, f'tr[data-kind="{kind}"]')
                if e.get_attribute("id") not in before
            ),
            None,
        ),
        what=f"the {kind} row",
    )
    wait_for(
        lambda: driver.find_element(By.ID, row_id).get_attribute("data-state") == state,
        timeout=30,
        what=f"{kind} {state}",
    )
    return driver.find_element(By.ID, row_id)


@needs_browser
def test_maintenance_and_a_screenshot_reach_a_real_kiosk_process(kiosk_and_console):
    from selenium.webdriver.common.by import By

    live, process, config = kiosk_and_console
    log = config.parent / "kiosk.log"
    driver = browser()
    try:
        login(driver, live.url, "publisher")
        driver.get(f"{live.url}/console/terminals/{TERMINAL}")
        assert "服务中" in driver.find_element(By.ID, "remote-maintenance").text
        row = _click_and_wait(driver, "maintenance_on")
        assert "已完成" in row.text and "maintenance on" in row.text and "publisher" in row.text
        wait_for(lambda: _heartbeat(live).get("maintenance") is True, timeout=20, what="the heartbeat")
        wait_for(  # the badge follows the heartbeat with the polled list: no reload
            lambda: (
                "维护中"
                in (
                    driver.execute_script(
                        "var e = document.getElementById('remote-maintenance'); return e ? e.textContent : '';"
                    )
                    or ""
                )
            ),
            timeout=20,
            what="the maintenance badge updated in place",
        )
        assert driver.execute_script("return document.querySelectorAll('#remote-maintenance').length") == 1
        status = subprocess.run(  # the technician's view of the same terminal
            [sys.executable, "-m", "kiosk", "status", "--config", str(config), "--json"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert json.loads(status.stdout)["remote"]["maintenance"] is True, status.stderr
        driver.get(f"{live.url}/console/terminals/{TERMINAL}")
        assert "维护中" in driver.find_element(By.ID, "remote-maintenance").text
        driver.execute_script("document.getElementById('remote').scrollIntoView()")
        shot(driver, "remote-maintenance-on")
        _click_and_wait(driver, "maintenance_off")
        wait_for(lambda: _heartbeat(live).get("maintenance") is False, timeout=20, what="back in service")
        wait_for(
            lambda: "服务中" in driver.find_element(By.ID, "remote-maintenance").text,
            timeout=20,
            what="the badge back to in service without a reload",
        )
        row = _click_and_wait(driver, "screenshot")
        command_id = row.get_attribute("id")[4:]
        image = wait_for(
            lambda: driver.find_elements(By.ID, f"shot-{command_id}"), timeout=30, what="the screenshot"
        )[0]
        wait_for(
            lambda: driver.execute_script("return arguments[0].naturalWidth", image) > 100,
            what="the screenshot loaded",
        )
        png = live.op("GET", f"/api/v1/operator/commands/{command_id}/screenshot")
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG\r\n\x1a\n")
        driver.execute_script("document.getElementById('remote').scrollIntoView()")
        shot(driver, "remote-screenshot")
        assert process.poll() is None, log.read_text(errors="replace")[-2000:]
        _standing_values_reach_the_kiosk(driver, live)
        driver.delete_all_cookies()  # a viewer reads the same list and is told why there are no buttons
        login(driver, live.url, "viewer")
        driver.get(f"{live.url}/console/terminals/{TERMINAL}")
        assert "不能下发" in driver.find_element(By.ID, "remote-refused").text
        assert not driver.find_elements(By.ID, "cmd-maintenance_on")
        assert len(driver.find_elements(By.CSS_SELECTOR, 'tr[data-state="done"]')) == 3
        driver.execute_script("document.getElementById('remote').scrollIntoView()")
        shot(driver, "remote-viewer")
    finally:
        driver.quit()


def _standing_values_reach_the_kiosk(driver: Any, live: Any) -> None:
    """发布公告 and 下发设置 on the terminal's page: standing values, applied by the kiosk process (its heartbeat
    reports the versions), shown 已生效 by the page's polling without a reload."""
    from selenium.webdriver.common.by import By

    driver.get(f"{live.url}/console/terminals/{TERMINAL}")
    driver.find_element(By.ID, "announcement-text").send_keys("今晚22点起系统升级")
    driver.find_element(By.ID, "save-announcement").click()
    wait_for(lambda: driver.find_elements(By.ID, "standing-saved"), what="the announcement published")
    assert "今晚22点起系统升级" in driver.find_element(By.ID, "standing-announcements").text
    driver.find_element(By.ID, "setting-countdown").send_keys("30")
    driver.find_element(By.ID, "save-settings").click()
    wait_for(lambda: "30" in driver.find_element(By.ID, "standing-effective").text, what="the settings saved")

    def row() -> Any:
        return driver.find_element(By.ID, f"standing-{TERMINAL}")

    wait_for(
        lambda: (
            row().get_attribute("data-config") == "applied"
            and row().get_attribute("data-announcements") == "applied"
        ),
        timeout=30,
        what="applied by the kiosk, as its heartbeat says",
    )
    assert row().text.count("已生效") == 2
    beat = _heartbeat(live)
    assert beat["config_applied"] and beat["announcements_applied"] and not beat["standing_problem"]
    driver.execute_script("document.getElementById('standing').scrollIntoView()")
    shot(driver, "remote-standing")
