"""The attract screen as rendered (tryout finding 6), the whole kiosk offscreen with simulated devices.

Before: in maintenance mode it said both "请放置身份证，或点击选择服务" and "设备维护中，暂停服务"; and a standing
announcement's bar, laid over the bottom of the window, covered the demo's 模拟放置身份证 button.
"""

from __future__ import annotations

import time

import requests
from PySide6.QtCore import QPointF, QRectF

from wire.commands import Command as RemoteCommand


def _scene_rect(item) -> QRectF:
    top_left = item.mapToScene(QPointF(0, 0))
    return QRectF(top_left.x(), top_left.y(), item.width(), item.height())


def test_maintenance_says_only_that_services_are_paused(kiosk):
    app, robot = kiosk
    robot.wait_for("demoPlaceCard")  # the attract screen settled (a new screen takes no taps for 300-500 ms)
    assert robot.find("attractPrompt", enabled=False) is not None
    app.remote.handle(RemoteCommand("m1", "maintenance_on", {}))
    robot.wait_for("maintenanceNotice")
    robot.pump(0.2)
    assert robot.find("attractPrompt", enabled=False) is None  # no 请放置身份证 beside 暂停服务
    assert robot.find("demoPlaceCard", enabled=False) is None and robot.find("startButton") is None
    app.remote.handle(RemoteCommand("m2", "maintenance_off", {}))
    robot.wait_for("startButton")
    assert "身份证" in robot.text_of("attractPrompt") and robot.find("demoPlaceCard") is not None


def test_an_announcement_leaves_the_demo_card_button_free(kiosk):
    app, robot = kiosk
    ctl = app.controller
    text = "今晚22:00至次日6:00系统升级，届时暂停服务。" * 3  # three lines: the bar at its tallest
    embedded = app.ctx.link.embedded  # the demo's back office, in this process: an operator sets the notice
    answer = requests.put(
        f"{embedded.url}/api/v1/operator/announcements/a1",
        json={"text": {"zh_CN": text}, "ends": time.time() + 600},
        headers={"X-Operator-Key": embedded.operator_key},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    app.ctx.link.sync.check_now()
    robot.wait_until(
        lambda: robot.find("announcementBar", enabled=False) is not None, timeout=20, what="the announcement"
    )
    robot.pump(0.3)
    bar = _scene_rect(robot.find("announcementBar", enabled=False))
    for name in ("demoPlaceCard", "startButton", "attractPrompt"):
        item = _scene_rect(robot.find(name, enabled=False))
        assert item.bottom() <= bar.top(), (name, item, bar)  # above the bar, not under it
    robot.tap("demoPlaceCard")
    robot.wait_until(
        lambda: ctl.session is not None or ctl.screen != "attract", timeout=10, what="the card read"
    )
