"""Updates in a real browser (Debian's Chromium via Selenium): a rollout started and withdrawn. The
publisher uploads a signed bundle in the page and starts a rollout with a canary; three terminals — the
real sync client and bundle manager over the wire protocol, as in tests/test_bundle_rollout.py — take it
as the plan admits them and report their versions in heartbeats; the page follows the waves without a
reload; the publisher withdraws and the page shows it. A tampered bundle is refused with its reason, a
terminal's refusal shows in the events, and a viewer gets the refusal page (403). Screenshots go to
var/console-screenshots/."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from flows import bundles
from kiosk.sync import SyncClient
from offline_cache.store import Store
from tests.console_helpers import (
    browser,
    fast_config,
    login,
    needs_browser,
    pin_root_key,
    session_for,
    shot,
    signed_bundle,
    start_console,
    wait_for,
)

pytestmark = [pytest.mark.slow, needs_browser]
GROUP = "wuchang"


@dataclass
class Kiosk:
    """One terminal's sync side: its store, bundle manager and sync client (what `kiosk run` wires)."""

    id: str
    store: Store
    manager: bundles.BundleManager
    client: SyncClient

    def tick(self, serve: int | None = None) -> None:
        """One heartbeat (and a bundle fetch when one is announced); running ``serve``, it first closes a
        citizen's case, the evidence a wave needs."""
        if serve is not None and self.manager.active_version() == serve:
            self.store.close_case(self.store.open_case("si_rights_receipt", "X"), "completed")
        self.client.run_once()
        self.client.drain()


def _kiosks(tmp_path, live, key) -> list[Kiosk]:
    root = {"threshold": 1, "keys": [bundles.public_hex(key)]}
    fleet = []
    for n in range(1, 4):
        credentials = live.enrol(terminal_id=f"T-{n}", group=GROUP)
        data = tmp_path / f"kiosk{n}"
        (data / "trust").mkdir(parents=True)
        (data / bundles.ROOT_KEYS_FILE).write_text(json.dumps(root))
        store = Store(data / "kiosk.db", terminal_id=credentials.terminal_id)
        manager = bundles.BundleManager(data, GROUP, on_event=bundles.store_sink(store))
        client = SyncClient(
            store,
            credentials.base_url,
            credentials,
            heartbeat_interval=0,
            fetch_interval=3600,
            on_bundle=lambda path, version, m=manager: m.receive(path, version=version),
            bundle_status=manager.status,
            on_withdraw=manager.withdraw,
        )
        fleet.append(Kiosk(credentials.terminal_id, store, manager, client))
    return fleet


@pytest.fixture
def console(tmp_path, monkeypatch) -> Iterator[dict[str, Any]]:
    live = start_console(tmp_path, monkeypatch, fast_config())
    live.state.rollout_check_seconds = 0  # every heartbeat evaluates the rollout: the ticks below are fast
    driver = browser()
    yield {"live": live, "driver": driver}
    driver.quit()
    live.server.stop()
    live.state.engine.dispose()


def _attr(driver: Any, element_id: str, name: str) -> str | None:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id).get_attribute(name)


def _upload(driver: Any, path, version: int, **fields: str) -> None:
    """Fill the upload form as an operator does and submit it; wait for the answer page."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, "up-group").clear()
    driver.find_element(By.ID, "up-group").send_keys(GROUP)
    driver.find_element(By.ID, "up-version").send_keys(str(version))
    driver.find_element(By.ID, "up-file").send_keys(str(path))
    for element_id, value in fields.items():
        driver.find_element(By.ID, element_id).clear()
        driver.find_element(By.ID, element_id).send_keys(value)
    driver.find_element(By.ID, "publish-button").click()
    wait_for(lambda: driver.find_elements(By.ID, "publish-result"), what="the upload's answer page")


def test_a_rollout_started_and_withdrawn(console, tmp_path):
    from selenium.webdriver.common.by import By

    live, driver = console["live"], console["driver"]
    key = Ed25519PrivateKey.generate()
    pin_root_key(live, key)
    fleet = _kiosks(tmp_path, live, key)
    first = live.op(  # version 1 everywhere, published through the API: what the rollout starts from
        "POST",
        "/api/v1/operator/bundles",
        json={
            "group": GROUP,
            "version": 1,
            "content_b64": base64.b64encode(signed_bundle(tmp_path, key, 1, GROUP)).decode(),
        },
    )
    assert first.status_code == 201, first.text
    for kiosk in fleet:
        kiosk.tick()
    assert [k.manager.active_version() for k in fleet] == [1, 1, 1]

    # the publisher uploads version 2 in the page: canary T-2, then one wave of everyone
    login(driver, live.url, "publisher")
    driver.get(live.url + "/console/updates")
    shot(driver, "updates")
    bundle_file = tmp_path / "flows-v2.tar.gz"
    bundle_file.write_bytes(signed_bundle(tmp_path, key, 2, GROUP))
    _upload(driver, bundle_file, 2, **{"up-canary": "T-2", "up-waves": "100", "up-min-cases": "1"})
    assert _attr(driver, "publish-result", "data-result") == "published"
    assert _attr(driver, "verification", "data-verified") == "yes"
    assert "验证通过" in driver.find_element(By.ID, "verify-ok").text
    assert driver.find_elements(By.ID, "lint")  # the lint result, warnings or clean
    assert _attr(driver, "rollout-state-wuchang", "data-state") == "running"
    shot(driver, "updates-published")

    # the group's rollout page: only the canary is admitted; it takes version 2 and reports it
    driver.find_element(By.ID, "to-group").click()
    wait_for(lambda: driver.find_elements(By.ID, "rt-T-2"), what="the rollout page")
    driver.execute_script("window.__noReload = 7;")
    assert (
        _attr(driver, "rt-T-2", "data-admitted") == "yes" and _attr(driver, "rt-T-1", "data-admitted") == "no"
    )
    assert _attr(driver, "stage-0", "data-at") == "current"
    for kiosk in fleet:
        kiosk.tick()
    assert [k.manager.active_version() for k in fleet] == [1, 2, 1]  # the canary alone
    for kiosk in fleet:
        kiosk.tick()  # the canary's heartbeat now says 2
    wait_for(lambda: _attr(driver, "rt-T-2", "data-active") == "2", what="the canary reporting version 2")
    assert _attr(driver, "rt-T-1", "data-active") == "1"
    shot(driver, "updates-canary")

    # the canary serves a citizen: the wave opens, every terminal takes version 2, the page follows
    for _ in range(4):
        for kiosk in fleet:
            kiosk.tick(serve=2)
    assert [k.manager.active_version() for k in fleet] == [2, 2, 2]
    wait_for(lambda: _attr(driver, "stage-0", "data-at") == "done", what="the canary stage done")
    wait_for(lambda: _attr(driver, "rt-T-3", "data-active") == "2", what="the wave reported on the page")
    assert driver.execute_script("return window.__noReload;") == 7, "the page reloaded"
    assert driver.find_element(By.ID, "total-running").text == "3"
    shot(driver, "updates-wave")

    # the publisher withdraws version 2: the page shows it, the terminals go back to version 1
    driver.find_element(By.ID, "withdraw").click()
    wait_for(lambda: _attr(driver, "rollout-state-wuchang", "data-state") == "withdrawn", what="withdrawn")
    assert (
        _attr(driver, "gb-2", "data-withdrawn") == "yes" and _attr(driver, "gb-1", "data-withdrawn") == "no"
    )
    assert "已撤回" in driver.find_element(By.ID, "rollout-panel").text
    for _ in range(2):
        for kiosk in fleet:
            kiosk.tick()
    assert [k.manager.active_version() for k in fleet] == [1, 1, 1]
    driver.execute_script("window.__noReload = 8;")
    wait_for(lambda: _attr(driver, "rt-T-1", "data-active") == "1", what="version 1 reported again")
    wait_for(
        lambda: any(
            r.get_attribute("data-kind") == "bundle_withdrawn" for r in _events(driver, "group-events")
        ),
        what="the terminals' withdrawal events",
    )
    shot(driver, "updates-withdrawn")
    audit = live.op("GET", "/api/v1/operator/audit", params={"limit": 1000}).json()
    done = [
        (e["actor"], e["action"])
        for e in audit
        if e["action"].startswith("console.") and e["outcome"] == "ok"
    ]
    assert done == [("publisher", "console.bundle.publish"), ("publisher", "console.bundle.withdraw")]


def _events(driver: Any, table_id: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, f"#{table_id} tr.event")


def test_refusals_show_their_reasons_and_a_viewer_is_refused(console, tmp_path):
    from selenium.webdriver.common.by import By

    live, driver = console["live"], console["driver"]
    key = Ed25519PrivateKey.generate()
    pin_root_key(live, key)
    [kiosk, *_] = _kiosks(tmp_path, live, key)
    # a bundle whose signature was altered after signing: refused at upload, with the terminal's reason
    login(driver, live.url, "publisher")
    driver.get(live.url + "/console/updates")
    tampered = tmp_path / "tampered.tar.gz"
    tampered.write_bytes(signed_bundle(tmp_path, key, 2, GROUP, tamper=True))
    _upload(driver, tampered, 2)
    assert _attr(driver, "publish-result", "data-error") == "bundle.bad_signature"
    assert _attr(driver, "verification", "data-reason") == "bad_signature"
    assert "签名无效" in driver.find_element(By.ID, "verify-reason").text
    shot(driver, "updates-refused-signature")
    assert live.op("GET", "/api/v1/operator/bundles").json() == []
    # a terminal's own refusal (as its bundle manager records one) shows with its reason
    kiosk.store.record_device_event("flows", "bundle_refused", "bad_signature", json.dumps({"version": 9}))
    kiosk.tick()
    driver.get(live.url + "/console/updates")
    [row] = [r for r in _events(driver, "bundle-events") if r.get_attribute("data-kind") == "bundle_refused"]
    assert row.get_attribute("data-version") == "9" and "签名无效" in row.text and "T-1" in row.text
    shot(driver, "updates-events")

    # a viewer sees the page, the form disabled with the refusal; posting anyway: the refusal page, 403
    driver.delete_all_cookies()
    login(driver, live.url, "viewer")
    driver.get(live.url + "/console/updates")
    assert "无权发布" in driver.find_element(By.ID, "publish-refused").text
    assert not driver.find_element(By.ID, "publish-button").is_enabled()
    driver.execute_script("document.querySelector('#upload-form fieldset').disabled = false;")
    good = tmp_path / "good.tar.gz"
    good.write_bytes(signed_bundle(tmp_path, key, 2, GROUP))
    driver.find_element(By.ID, "up-version").send_keys("2")
    driver.find_element(By.ID, "up-file").send_keys(str(good))
    driver.find_element(By.ID, "publish-button").click()
    wait_for(lambda: driver.find_elements(By.ID, "refused"), what="the refusal page")
    assert "无权访问" in driver.find_element(By.ID, "refused").text
    shot(driver, "updates-refused-viewer")
    http = session_for(live, "viewer")
    page = http.get(live.url + "/console/updates", timeout=10)
    assert page.status_code == 200
    refused = http.post(
        live.url + "/console/updates/upload",
        data={
            "csrf": page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0],
            "group": GROUP,
            "version": "2",
        },
        files={"bundle": ("good.tar.gz", good.read_bytes())},
        timeout=30,
    )
    assert refused.status_code == 403
    assert live.op("GET", "/api/v1/operator/bundles").json() == []  # nothing was published by the viewer
