"""Shared set-up for the console tests: a back office with the console on a fast heartbeat clock, named
operators of each role, a signed terminal, a local SMTP server and webhook receiver, and Debian's
Chromium driven by Selenium through chromedriver (nothing downloads a browser)."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from backoffice.console.config import ConsoleConfig
from backoffice.operator_auth import add_operator
from kiosk.sync.transport import Signer, Transport

PASSWORD = "correct horse battery staple"
ROLES = ("admin", "publisher", "rating_supervisor", "auditor", "viewer")
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
SHOTS = Path(__file__).resolve().parent.parent / "var" / "console-screenshots"
needs_browser = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="chromium + chromium-driver (scripts/apt-packages.txt) not installed",
)


def fast_config(**values: Any) -> ConsoleConfig:
    """Heartbeats every second: stale after 2.5 s, offline after 5 s, silent alert after 6 s."""
    base = {"heartbeat_interval": 1.0, "silent_alert_minutes": 0.1, "session_idle_seconds": 900.0}
    return ConsoleConfig(**(base | values))


def add_operators(bo: Any) -> None:
    for role in ROLES:
        add_operator(bo, role.replace("_", "-"), role, PASSWORD)


def terminal(live: Any, terminal_id: str, group: str = "default") -> Transport:
    return Transport(live.url, Signer(live.enrol(terminal_id=terminal_id, group=group)))


def heartbeat(
    transport: Transport, devices: list[dict[str, Any]] | None = None, queue_depth: int = 0
) -> None:
    transport.call(
        "POST",
        "/api/v1/heartbeat",
        {
            "devices": devices
            if devices is not None
            else [{"device": "printer", "state": "online"}, {"device": "idcard", "state": "online"}],
            "software_version": "1.0",
            "bundle_version": 3,
            "queue_depth": queue_depth,
            "clock": time.time() - 1.5,
        },
    )


def session_for(live: Any, name: str) -> requests.Session:
    """A logged-in console session over plain HTTP (cookie and CSRF token), for status-code checks."""
    http = requests.Session()
    form = http.get(live.url + "/console/login", timeout=10).text
    answer = http.post(
        live.url + "/console/login",
        data={"name": name, "password": PASSWORD, "csrf": csrf_of(form)},
        timeout=10,
        allow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return http


def csrf_of(html: str) -> str:
    marker = 'name="csrf" value="'
    return html.split(marker, 1)[1].split('"', 1)[0]


class Webhook:
    """Records every JSON body POSTed to it."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_for(condition: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    """Poll ``condition`` until it is truthy; an element read while its page is being replaced (a form just
    posted, a fragment swapped) is read again."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except (StaleElementReferenceException, NoSuchElementException):
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def attribute_of(driver: Any, element_id: str, name: str) -> str | None:
    """An element's attribute read in one step inside the page: an htmx swap between finding the element and
    reading it (two WebDriver calls) made the element stale (seen in CI)."""
    return driver.execute_script(
        "var e = document.getElementById(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;",
        element_id,
        name,
    )


def browser() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1366,768",
        "--lang=zh-CN",
        "--disable-gpu",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def login(driver: Any, url: str, name: str, password: str = PASSWORD, timeout: float = 20.0) -> None:
    """Log in through the form and wait until the answer page has replaced the form: the operator's name
    in the header, or the login error. Clicking submit does not wait for the navigation it starts, so
    reading the page right after the click may still read the old form (no error element on it yet)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url + "/console/login")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(password)
    form_page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, "login-button").click()
    wait = WebDriverWait(driver, timeout)
    wait.until(
        expected_conditions.staleness_of(form_page), message=f"{name}: the login form was not answered"
    )
    answer = "who" if password == PASSWORD else "login-error"
    wait.until(
        expected_conditions.presence_of_element_located((By.ID, answer)), message=f"{name}: no #{answer}"
    )


def shot(driver: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 5000, f"{name}: an empty screenshot"
    return path


def file_cases(transport: Transport, cases: list[dict[str, Any]], ratings: list[dict[str, Any]] = ()) -> None:  # type: ignore[assignment]  # an empty tuple as the default
    """Cases and ratings through the signed events API, as a terminal files them."""
    events = [{"idem_key": f"c-{c['case_no']}", "kind": "case", "payload": c} for c in cases]
    events += [{"idem_key": f"r-{r['case_no']}", "kind": "rating", "payload": r} for r in ratings]
    results = transport.call("POST", "/api/v1/events", {"events": events})["results"]
    assert all(r["status"] == "accepted" for r in results), results


def start_console(tmp_path: Path, monkeypatch: Any, config: ConsoleConfig) -> Any:
    """The real back office (uvicorn on 127.0.0.1) with this console configuration and one operator per role."""
    import backoffice.app as app_module
    from tests.fixtures.backoffice import start_backoffice

    real = app_module.create_app
    monkeypatch.setattr(app_module, "create_app", lambda *a, **kw: real(*a, console_config=config, **kw))
    live = start_backoffice(f"sqlite:///{tmp_path / 'console.sqlite3'}")
    add_operators(live.state)
    return live


def signed_bundle(tmp_path: Path, key: Any, version: int, group: str, *, tamper: bool = False) -> bytes:
    """The repository's flows packed and signed as a bundle (.tar.gz bytes), as ``kiosk flows pack`` and
    ``sign`` make one; ``tamper``: its one signature altered, so it no longer verifies (bad_signature)."""
    import datetime as dt

    from flows import bundles
    from flows.loader import FLOWS_DIR

    out = tmp_path / f"bundle-{group}-{version}-{time.monotonic_ns()}"
    bundles.pack(FLOWS_DIR.parent, out, version, dt.datetime.now(dt.UTC) + dt.timedelta(days=30), [group])
    bundles.sign(out, [key])
    if tamper:
        path = out / "signatures.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        sig = data["signatures"][0]["sig"]
        data["signatures"][0]["sig"] = ("0" if sig[0] != "0" else "1") + sig[1:]
        path.write_text(json.dumps(data), encoding="utf-8")
    return bundles.archive_bytes(out)


def pin_root_key(live: Any, key: Any) -> None:
    """The back office's bundle root keys: this one key (the bootstrap admin sets them at once)."""
    from flows import bundles

    answer = live.op(
        "PUT", "/api/v1/operator/bundle-root-keys", json={"threshold": 1, "keys": [bundles.public_hex(key)]}
    )
    assert answer.status_code == 200, answer.text
