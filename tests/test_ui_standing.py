"""Standing values on a real terminal (issue 13: "announcements and remote config are accepted by the API and never
shown by any terminal"): the whole kiosk offscreen, its real sync client against a real back office on 127.0.0.1.
A group's announcement and settings set before the terminal enrolled reach it; the attract screen shows the
announcements in force by the terminal's clock and takes one down when it ends; settings apply between citizens,
never during a session; a terminal's value overrides its group's and clearing restores what was there before;
the heartbeat then says the versions were applied."""

from __future__ import annotations

import time

import pytest
import requests

from backoffice import standing
from backoffice.models import Terminal


@pytest.fixture
def enrolled(backoffice, make_kiosk, tmp_path):
    """A terminal enrolled now into ``group`` of the live back office, then started (provisioned, not embedded)."""

    def start(terminal_id: str, group: str):
        backoffice.enrol(terminal_id=terminal_id, group=group).save(tmp_path / "data")
        return make_kiosk(backoffice_url=backoffice.url, terminal_id=terminal_id, group=group)

    return start


def _put(live, path: str, body) -> None:
    answer = live.op("PUT", f"/api/v1/operator{path}", json=body)
    assert answer.status_code == 200, answer.text


def _status(live, terminal_id: str) -> dict:
    bo = live.state
    bo.settings_changed()
    with bo.sessions() as session:
        term = session.get(Terminal, terminal_id)
    return standing.status(bo.settings(), term, bo.clock())


def _fetch_now(app) -> str | None:
    """Ask the sync client to look for updates now (as a heartbeat answer with a new version would)."""
    version = app.ctx.store.get_state("config_version")
    app.ctx.link.sync.check_now()
    return version


def test_a_group_announcement_set_before_enrolment_shows_in_its_window(backoffice, enrolled):
    now = time.time()
    _put(backoffice, "/config/group/north", {"inactivity_s": 90, "countdown_s": 20})
    _put(
        backoffice,
        "/announcements/n1",
        {"text": {"zh_CN": "北区通知", "en": "North notice"}, "groups": ["north"]},
    )
    _put(backoffice, "/announcements/past", {"text": {"zh_CN": "已过期公告"}, "ends": now - 60})
    _put(
        backoffice,
        "/announcements/brief",
        {"text": {"zh_CN": "即将结束"}, "groups": ["north"], "ends": now + 8},
    )
    _put(backoffice, "/announcements/soon", {"text": {"zh_CN": "稍后开始"}, "starts": now + 8})
    _put(backoffice, "/announcements/south", {"text": {"zh_CN": "南区通知"}, "groups": ["south"]})
    app, robot = enrolled("T-N-1", "north")
    ctl = app.controller
    robot.wait_until(
        lambda: "北区通知" in robot.text_of("announcementText"), timeout=15, what="the announcement"
    )
    shown = robot.text_of("announcementText")
    assert (
        "即将结束" in shown and "已过期公告" not in shown and "稍后开始" not in shown and "南区" not in shown
    )
    assert (app.ctx.config.inactivity_s, app.ctx.config.countdown_s) == (90.0, 20.0)  # the group's settings
    assert ctl._inactivity.interval() == 90_000
    robot.wait_until(  # the terminal's clock ends one and starts the other, with no heartbeat between
        lambda: (
            "即将结束" not in robot.text_of("announcementText")
            and "稍后开始" in robot.text_of("announcementText")
        ),
        timeout=20,
        what="the window's end and the next one's start",
    )
    assert "北区通知" in robot.text_of("announcementText")
    ctl.tap("language", "en")
    robot.wait_until(lambda: "North notice" in robot.text_of("announcementText"), what="in English")
    robot.wait_until(
        lambda: _status(backoffice, "T-N-1")["config"] == standing.APPLIED,
        timeout=15,
        what="the heartbeat reporting the settings applied",
    )
    robot.tap("startButton")
    robot.wait_until(lambda: ctl.screen == "catalog", what="catalog")
    assert robot.find("announcementBar") is None  # the attract screen's only
    robot.tap("homeButton")
    robot.wait_until(lambda: ctl.screen == "attract", what="home")
    assert backoffice.op("DELETE", "/api/v1/operator/announcements/n1").status_code == 200
    _fetch_now(app)
    robot.wait_until(
        lambda: (
            "North notice" not in robot.text_of("announcementText")
            and "北区通知" not in robot.text_of("announcementText")
        ),
        timeout=15,
        what="the withdrawn announcement taken down",
    )
    robot.wait_until(
        lambda: _status(backoffice, "T-N-1")["announcements"] == standing.APPLIED,
        timeout=15,
        what="the heartbeat reporting the new list applied",
    )


def test_group_settings_apply_between_citizens_and_a_terminal_value_overrides(backoffice, enrolled):
    _put(backoffice, "/config/group/east", {"inactivity_s": 90})
    app, robot = enrolled("T-E-1", "east")
    ctl, store = app.controller, app.ctx.store
    robot.wait_until(lambda: app.ctx.config.inactivity_s == 90, timeout=15, what="the group's settings")
    robot.tap("startButton")
    robot.wait_until(lambda: ctl.screen == "catalog", what="a citizen at the terminal")
    _put(backoffice, "/config/group/east", {"inactivity_s": 120, "locale": "en"})
    before = _fetch_now(app)
    robot.wait_until(lambda: store.get_state("config_version") != before, timeout=15, what="fetched")
    robot.pump(1.5)
    assert app.ctx.config.inactivity_s == 90 and ctl.lang == "zh_CN"  # not during the citizen's session
    robot.tap("homeButton")
    robot.wait_until(lambda: ctl.screen == "attract", what="home")
    robot.wait_until(lambda: app.ctx.config.inactivity_s == 120, what="applied between citizens")
    assert ctl.lang == "en" and ctl._inactivity.interval() == 120_000
    app.assist.toggleElderly()  # a citizen asked for 长辈模式 on the attract screen: its longer timeout holds
    _put(backoffice, "/config/terminal/T-E-1", {"inactivity_s": 45})  # the terminal's own wins
    _fetch_now(app)
    robot.wait_until(lambda: app.ctx.config.inactivity_s == 45, timeout=15, what="the terminal's value")
    assert app.ctx.config.locale == "en"  # the group's, still
    assert ctl._inactivity.interval() == int(app.ctx.config.elderly_inactivity_s * 1000)
    app.assist.toggleElderly()
    assert ctl._inactivity.interval() == 45_000
    assert backoffice.op("DELETE", "/api/v1/operator/config/terminal/T-E-1").status_code == 200
    _fetch_now(app)
    robot.wait_until(lambda: app.ctx.config.inactivity_s == 120, timeout=15, what="the group's again")
    assert backoffice.op("DELETE", "/api/v1/operator/config/group/east").status_code == 200
    _fetch_now(app)
    robot.wait_until(  # cleared everywhere: the configuration file's values
        lambda: (app.ctx.config.inactivity_s, app.ctx.config.locale) == (60.0, "zh_CN"),
        timeout=15,
        what="the file's values",
    )
    robot.wait_until(lambda: ctl.lang == "zh_CN", what="the file's language")
    robot.wait_until(
        lambda: _status(backoffice, "T-E-1")["config"] == standing.APPLIED,
        timeout=15,
        what="applied, as the heartbeat says",
    )


def _op(app, method: str, path: str, body=None) -> requests.Response:
    """The embedded demo back office's operator API."""
    embedded = app.ctx.link.embedded
    return requests.request(
        method,
        f"{embedded.url}/api/v1/operator{path}",
        json=body,
        headers={"X-Operator-Key": embedded.operator_key},
        timeout=10,
    )


def test_paused_services_stay_listed_and_cannot_be_started(kiosk):
    """Service availability from the console: a paused service is marked paused in the catalog and a tap on
    it does nothing; an empty list resumes it. Applied between citizens, like the other settings."""
    app, robot = kiosk
    ctl = app.controller
    terminal_id = app.ctx.link.embedded.terminal_id
    robot.tap("startButton")
    robot.wait_until(lambda: ctl.screen == "catalog", what="catalog")
    flow_id = next(item["id"] for item in ctl.catalog if item["available"])
    assert (
        _op(app, "PUT", f"/config/terminal/{terminal_id}", {"paused_services": [flow_id]}).status_code == 200
    )
    before = _fetch_now(app)
    robot.wait_until(lambda: app.ctx.store.get_state("config_version") != before, timeout=15, what="fetched")
    robot.pump(1.5)
    assert app.ctx.config.paused_services == ()  # a citizen is at the catalog: wait
    robot.tap("homeButton")
    robot.wait_until(lambda: ctl.screen == "attract", what="home")
    robot.wait_until(lambda: app.ctx.config.paused_services == (flow_id,), what="paused between citizens")
    robot.tap("startButton")
    robot.wait_until(lambda: ctl.screen == "catalog", what="catalog")
    item = next(i for i in ctl.catalog if i["id"] == flow_id)
    assert item["available"] is False and item["reason"] == "暂停办理"
    ctl.tap("service", flow_id)
    assert ctl.screen == "catalog"  # not started
    robot.tap("homeButton")
    robot.wait_until(lambda: ctl.screen == "attract", what="home")
    assert _op(app, "PUT", f"/config/terminal/{terminal_id}", {"paused_services": []}).status_code == 200
    refused = _op(app, "PUT", f"/config/terminal/{terminal_id}", {"paused_services": "all"})
    assert refused.status_code == 422  # refused by the back office, never handed to the terminal
    _fetch_now(app)
    robot.wait_until(lambda: app.ctx.config.paused_services == (), timeout=15, what="resumed")
    robot.tap("startButton")
    robot.wait_until(lambda: ctl.screen == "catalog", what="catalog")
    assert next(i for i in ctl.catalog if i["id"] == flow_id)["available"] is True
