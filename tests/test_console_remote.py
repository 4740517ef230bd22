"""The console's remote operations without a browser: buttons for the roles that may issue, a refusal in the
page and a 403 for the others, CSRF on every form, a group's command for each of its terminals, texts in
Chinese and English, a PIN never on any page, a bad argument answered in the page."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.console_helpers import csrf_of, fast_config, heartbeat, session_for, start_console, terminal


@pytest.fixture
def live(tmp_path, monkeypatch) -> Iterator[Any]:
    server = start_console(tmp_path, monkeypatch, fast_config())
    yield server
    server.server.stop()
    server.state.engine.dispose()


def _beat(transport) -> list[dict]:
    body = {"devices": [], "clock": time.time(), "maintenance": False}
    return transport.call("POST", "/api/v1/heartbeat", body)["commands"]


def _post(http, url: str, page: str, **form: str):
    return http.post(url, data={"csrf": csrf_of(page), **form}, timeout=10, allow_redirects=False)


def test_roles_csrf_and_the_command_list(live):
    kiosk = terminal(live, "T-C-1", group="east")
    heartbeat(kiosk)
    page_url = live.url + "/console/terminals/T-C-1"
    viewer = session_for(live, "viewer")
    page = viewer.get(page_url, timeout=10).text
    assert 'id="remote-refused"' in page and 'id="cmd-maintenance_on"' not in page
    refused = _post(viewer, page_url + "/commands", page, kind="maintenance_on")
    assert refused.status_code == 403 and 'id="refused"' in refused.text
    publisher = session_for(live, "publisher")
    page = publisher.get(page_url, timeout=10).text
    assert 'id="cmd-maintenance_on"' in page and 'id="pin-refused"' in page and 'id="pin-form"' not in page
    forged = publisher.post(page_url + "/commands", data={"kind": "restart", "csrf": "x"}, timeout=10)
    assert forged.status_code == 403
    done = _post(publisher, page_url + "/commands", page, kind="maintenance_on")
    assert done.status_code == 303 and done.headers["location"].endswith(
        "/console/terminals/T-C-1?queued=maintenance_on#remote"
    )
    pin = _post(publisher, page_url + "/commands", page, kind="maintenance_pin", pin="24681357")
    assert pin.status_code == 403  # the admin's alone, in the page too
    rows = viewer.get(page_url + "/commands", timeout=10).text  # the polled fragment
    assert "进入维护" in rows and "待下发" in rows and "publisher" in rows
    (command,) = _beat(kiosk)
    assert command["kind"] == "maintenance_on"
    assert "已下发" in viewer.get(page_url + "/commands", timeout=10).text
    viewer.get(live.url + "/console/lang/en", timeout=10)
    assert "Maintenance on" in viewer.get(page_url + "/commands", timeout=10).text
    audit = live.op("GET", "/api/v1/operator/audit", params={"limit": 10000}).json()
    assert any(a["action"] == "remote.command" and a["actor"] == "publisher" for a in audit)
    assert any(a["outcome"] == "refused.role" and a["actor"] == "viewer" for a in audit)


def test_settings_announcement_pin_and_bad_arguments(live):
    """发布公告 and 下发设置 write the terminal's standing values (not commands); the PIN stays a command."""
    kiosk = terminal(live, "T-C-2", group="east")
    admin = session_for(live, "admin")
    page_url = live.url + "/console/terminals/T-C-2"
    page = admin.get(page_url, timeout=10).text
    assert 'id="pin-form"' in page and 'id="settings-form"' in page and 'id="announcement-form"' in page
    saved = _post(
        admin,
        page_url + "/standing/settings",
        page,
        action="save",
        inactivity_s="90",
        countdown_s="",
        locale="en",
        paused_apply="1",
        paused_services="si_contribution_print， hf_statement_print",
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith(
        "/console/terminals/T-C-2?saved=settings#standing"
    )
    _post(admin, page_url + "/standing/announcements", page, text="  今晚22点起系统升级 ", text_en="")
    _post(admin, page_url + "/commands", page, kind="maintenance_pin", pin="97531864")
    bad = _post(admin, page_url + "/standing/settings", page, action="save", inactivity_s="5")
    assert bad.status_code == 422 and "between 10 and 600" in bad.text and 'id="remote-error"' in bad.text
    not_number = _post(admin, page_url + "/standing/settings", page, action="save", inactivity_s="abc")
    assert not_number.status_code == 422 and "must be a number" in not_number.text
    carried = {c["kind"]: c["args"] for c in _beat(kiosk)}
    assert carried == {"maintenance_pin": {"pin": "97531864"}}  # the only command of the four
    assert kiosk.call("GET", "/api/v1/config")["config"] == {
        "inactivity_s": 90.0,
        "locale": "en",
        "paused_services": ["si_contribution_print", "hf_statement_print"],
    }
    (announcement,) = kiosk.call("GET", "/api/v1/announcements")["announcements"]
    assert announcement["text"] == {"zh_CN": "今晚22点起系统升级"} and announcement["terminals"] == ["T-C-2"]
    page = admin.get(page_url, timeout=10).text
    assert "今晚22点起系统升级" in page and "生效中" in page and 'data-config="pending"' in page
    assert 'value="90"' in page and 'id="clear-settings"' in page
    for text in (page, admin.get(page_url + "/commands", timeout=10).text):
        assert "97531864" not in text and "修改维护密码" in text
    audit = live.op("GET", "/api/v1/operator/audit", params={"limit": 10000}).json()
    assert "97531864" not in json.dumps(audit, ensure_ascii=False)
    assert {a["action"] for a in audit if a["actor"] == "admin"} >= {
        "standing.config",
        "standing.announcement",
    }


def test_a_group_page_commands_each_terminal(live):
    east = [terminal(live, f"T-E-{i}", group="east") for i in range(3)]
    west = terminal(live, "T-W-1", group="west")
    publisher = session_for(live, "publisher")
    group_url = live.url + "/console/groups/east/remote"
    page = publisher.get(group_url, timeout=10).text
    assert all(f"T-E-{i}" in page for i in range(3)) and "T-W-1" not in page
    answer = _post(publisher, live.url + "/console/groups/east/commands", page, kind="screenshot")
    assert answer.status_code == 303
    assert all([c["kind"] for c in _beat(k)] == ["screenshot"] for k in east) and _beat(west) == []
    rows = publisher.get(live.url + "/console/groups/east/commands", timeout=10).text
    assert rows.count('data-kind="screenshot"') == 3
    empty = publisher.get(live.url + "/console/groups/north/remote", timeout=10).text
    nobody = _post(publisher, live.url + "/console/groups/north/commands", empty, kind="restart")
    assert nobody.status_code == 404 and "group.empty" in nobody.text
