"""The console's 发布公告 and 下发设置 on a group's page: standing values (``backoffice.console.standing``) that reach a
terminal enrolled into the group afterwards; the page shows what is in force, each terminal's 待生效 / 已生效 from
what its heartbeat reports, and lets a publisher clear the settings and withdraw an announcement; other roles
read it and are refused."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.console_helpers import csrf_of, fast_config, session_for, start_console, terminal


@pytest.fixture
def live(tmp_path, monkeypatch) -> Iterator[Any]:
    server = start_console(tmp_path, monkeypatch, fast_config())
    yield server
    server.server.stop()
    server.state.engine.dispose()


def _post(http, url: str, page: str, **form: str):
    return http.post(url, data={"csrf": csrf_of(page), **form}, timeout=10, allow_redirects=False)


def _beat(kiosk, **applied: str) -> None:
    kiosk.call("POST", "/api/v1/heartbeat", {"devices": [], "clock": time.time(), **applied})


def test_a_group_page_sets_standing_values_a_later_terminal_gets(live):
    group_url = live.url + "/console/groups/north/remote"
    publisher = session_for(live, "publisher")
    page = publisher.get(group_url, timeout=10).text
    assert 'id="announcement-form"' in page and 'id="clear-settings"' not in page  # nothing set yet
    settings = _post(
        publisher, group_url.replace("/remote", "/standing/settings"), page, action="save", countdown_s="30"
    )
    assert settings.status_code == 303 and settings.headers["location"].endswith("?saved=settings#standing")
    tomorrow = time.strftime("%Y-%m-%dT%H:%M", time.localtime(time.time() + 86400))
    refused = _post(
        publisher,
        group_url.replace("/remote", "/standing/announcements"),
        page,
        text="系统升级",
        starts=tomorrow,
        ends="2020-01-01T00:00",
    )
    assert refused.status_code == 422 and "must end after it starts" in refused.text
    posted = _post(
        publisher,
        group_url.replace("/remote", "/standing/announcements"),
        page,
        text="今晚22点起系统升级",
        text_en="System upgrade at 22:00",
    )
    assert posted.status_code == 303
    kiosk = terminal(live, "T-N-7", group="north")  # enrolled after both were set
    config = kiosk.call("GET", "/api/v1/config")
    announcements = kiosk.call("GET", "/api/v1/announcements")
    assert config["config"] == {"countdown_s": 30.0}
    assert [a["text"] for a in announcements["announcements"]] == [
        {"zh_CN": "今晚22点起系统升级", "en": "System upgrade at 22:00"}
    ]
    _beat(kiosk)  # connected, nothing applied yet
    page = publisher.get(group_url, timeout=10).text
    assert (
        'id="standing-T-N-7" data-config="pending" data-announcements="pending"' in page and "待生效" in page
    )
    _beat(kiosk, config_applied=config["version"], announcements_applied=announcements["version"])
    page = publisher.get(group_url, timeout=10).text
    assert (
        'id="standing-T-N-7" data-config="applied" data-announcements="applied"' in page and "已生效" in page
    )
    # a terminal's page shows where each value comes from
    term_page = publisher.get(live.url + "/console/terminals/T-N-7", timeout=10).text
    assert 'data-key="countdown_s" data-scope="group"' in term_page and "今晚22点起系统升级" in term_page
    assert 'data-key="inactivity_s" data-scope="local"' in term_page
    # cleared and withdrawn: the terminal is handed nothing, and it is pending until it says it applied that
    cleared = _post(publisher, group_url.replace("/remote", "/standing/settings"), page, action="clear")
    assert cleared.status_code == 303
    (item,) = live.op("GET", "/api/v1/operator/announcements").json()
    withdraw = group_url.replace("/remote", f"/standing/announcements/{item['id']}/withdraw")
    assert _post(publisher, withdraw, page).status_code == 303
    assert _post(publisher, withdraw, page).status_code == 404  # already withdrawn
    assert kiosk.call("GET", "/api/v1/config")["config"] == {}
    assert kiosk.call("GET", "/api/v1/announcements")["announcements"] == []
    page = publisher.get(group_url, timeout=10).text
    assert 'data-config="pending" data-announcements="pending"' in page and "今晚22点起系统升级" not in page
    viewer = session_for(live, "viewer")
    read_only = viewer.get(group_url, timeout=10).text
    assert 'id="standing-status"' in read_only and 'id="settings-form"' not in read_only
    forbidden = _post(viewer, group_url.replace("/remote", "/standing/settings"), read_only, countdown_s="40")
    assert forbidden.status_code == 403
    assert live.op("GET", "/api/v1/operator/config/group/north").json()["config"] == {}
    audit = live.op("GET", "/api/v1/operator/audit", params={"limit": 10000}).json()
    done = [
        (a["action"], a["outcome"]) for a in audit if a["actor"] == "publisher" and "standing." in a["action"]
    ]
    assert done == [
        ("standing.config", "set"),
        ("standing.announcement", "set"),
        ("standing.config", "cleared"),
        ("standing.announcement", "withdrawn"),
    ]


def test_a_record_written_before_the_checks_is_named_on_the_page(live):
    """A settings record an older release accepted unchecked ("volume") is shown as such, and saving the form again
    replaces it with what terminals can apply."""
    from backoffice.standing import config_key

    live.state.put_setting(config_key("group", "old"), {"volume": 3, "countdown_s": 20})
    publisher = session_for(live, "publisher")
    page = publisher.get(live.url + "/console/groups/old/remote", timeout=10).text
    assert 'id="standing-own-problem"' in page and "unknown setting &#39;volume&#39;" in page
    saved = _post(publisher, live.url + "/console/groups/old/standing/settings", page, countdown_s="20")
    assert saved.status_code == 303
    assert live.op("GET", "/api/v1/operator/config/group/old").json()["config"] == {"countdown_s": 20}
    assert (
        'id="standing-own-problem"'
        not in publisher.get(live.url + "/console/groups/old/remote", timeout=10).text
    )
