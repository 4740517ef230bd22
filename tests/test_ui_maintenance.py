"""Maintenance mode on the terminal (issue 14): entered by a long press on the terminal name and the PIN,
locked after three wrong PINs, each panel's actions against the simulators, left by hand or by idling; a
citizen's tap never reaches it and services are paused while it is open."""

from __future__ import annotations

import zipfile

import pytest
from PySide6.QtCore import QPointF

from kiosk import consumables
from kiosk.documents.license import Calibration, load_calibration
from kiosk.maintenance import check_pin, set_pin

PIN = "246810"


@pytest.fixture
def maintained(make_kiosk, tmp_path):
    set_pin(tmp_path / "data", PIN)
    app, robot = make_kiosk()
    restarts: list[bool] = []
    app.maintenance.restartRequested.disconnect()  # the test stays alive; it only records the request
    app.maintenance.restartRequested.connect(lambda: restarts.append(True))
    app.maintenance.export_dir = lambda: tmp_path / "usb"
    (tmp_path / "usb").mkdir()
    return app, robot, restarts


def _enter_pin(robot, pin: str) -> None:
    for digit in pin:
        robot.tap(f"pin_{digit}")
    robot.tap("pin_ok")


def _enter(app, robot, pin: str = PIN) -> None:
    robot.hold("terminalName", 3.4)
    robot.wait_for("pinPad")
    _enter_pin(robot, pin)


def test_a_tap_on_the_terminal_name_does_nothing(maintained):
    app, robot, _ = maintained
    robot.tap("terminalName")
    robot.pump(0.3)
    assert robot.find("pinPad") is None and not app.maintenance.panelOpen
    robot.hold("terminalName", 1.0)  # a citizen leaning on it for a second
    assert robot.find("pinPad") is None


def test_three_wrong_pins_lock_the_gate_for_a_while(maintained):
    app, robot, _ = maintained
    app.maintenance.gate.lockout_s = 1.5
    robot.hold("terminalName", 3.4)
    robot.wait_for("pinPad")
    for _attempt in range(3):
        _enter_pin(robot, "111111")
    assert "锁定" in robot.text_of("pinMessage") and not app.maintenance.panelOpen
    _enter_pin(robot, PIN)  # the right PIN while locked is refused too
    assert not app.maintenance.panelOpen
    robot.pump(1.6)
    _enter_pin(robot, PIN)
    robot.wait_for("maintenancePanel")
    assert app.maintenance.panelOpen and app.controller.maintenance


def test_each_panel_works_against_the_simulators_and_leaving_resumes_service(maintained, tmp_path):
    app, robot, restarts = maintained
    ctl = app.controller
    _enter(app, robot)
    robot.wait_for("maintenancePanel")
    # services paused: a citizen's tap and card do nothing
    assert ctl.paused
    ctl.tap("start", None)
    app.ctx.devices["idcard"].simulator.place(0)
    robot.pump(1.5)
    assert ctl.screen == "attract" and ctl.session is None
    app.ctx.devices["idcard"].simulator.lift()
    robot.pump(1.2)
    # devices: test print, paper replaced, test card (masked), the license calibration sheet
    robot.wait_for("device_receipt", timeout=10)
    printer = app.ctx.devices["receipt"]
    before = len(printer.simulator.printed)
    robot.tap("testPrint_receipt")
    robot.wait_until(lambda: "测试页已打印" in robot.text_of("maintResult"), timeout=10, what="test print")
    assert len(printer.simulator.printed) == before + 1
    robot.tap("paperReplaced_receipt")
    robot.wait_until(
        lambda: "换纸 1 次" in robot.text_of("counters_receipt"), timeout=10, what="paper replaced"
    )
    assert consumables.estimate(app.ctx.store, "receipt")["paper_changes"] == 1
    robot.tap("readCard_idcard")
    robot.wait_until(lambda: "读卡成功" in robot.text_of("maintResult"), timeout=15, what="test card read")
    result = robot.text_of("maintResult")
    assert "*" in result and not any(len(w) == 18 and w[:17].isdigit() for w in result.split())
    robot.tap("testPrint_license")
    robot.wait_until(
        lambda: "license: 测试页已打印" in robot.text_of("maintResult"), timeout=15, what="calibration sheet"
    )
    assert list((tmp_path / "data" / "printed" / "license").glob("*.pdf"))
    robot.tap("offset_x+")
    robot.wait_until(lambda: "x +0.5 mm" in robot.text_of("maintResult"), what="offset stored")
    robot.tap("offset_y-")
    robot.wait_until(lambda: "y -0.5 mm" in robot.text_of("maintResult"), what="offset stored")
    assert load_calibration(tmp_path / "data") == Calibration(0.5, -0.5)
    # sync: queue, last contact, clock offset, bundles; the link test
    robot.tap("tab_sync")
    robot.wait_for("sync_待上传", timeout=10)
    assert "流程包" in robot.text_of("sync_流程包") and "当前" in robot.text_of("sync_流程包")
    robot.tap("linkTest")
    robot.wait_until(
        lambda: robot.text_of("maintResult").startswith("后台连接"), timeout=15, what="link test"
    )
    # logs: the last lines, scrubbed; a diagnostic bundle without personal data
    robot.tap("tab_logs")
    robot.wait_until(lambda: "maintenance mode entered" in robot.text_of("logText"), what="log lines")
    robot.tap("exportDiagnostics")
    robot.wait_until(lambda: "诊断包已导出" in robot.text_of("maintResult"), timeout=10, what="export")
    [bundle] = list((tmp_path / "usb").glob("diagnostics-*.zip"))
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        assert names >= {"terminal-status.json", "log.txt"}
        assert not names & {"kiosk.db", "credentials.json", "maintenance.json"}
        assert PIN not in archive.read("log.txt").decode()
    # restart asks the app to exit for systemd to start it again; leaving resumes service
    robot.tap("maintRestart")
    assert restarts == [True] and not app.maintenance.panelOpen and not ctl.paused
    robot.wait_until(lambda: robot.find("maintenanceScreen") is None, what="maintenance screen gone")
    robot.tap("startButton")
    robot.wait_until(lambda: ctl.screen == "catalog", what="service resumed")


def test_leave_and_idle_end(maintained):
    app, robot, _ = maintained
    _enter(app, robot)
    robot.wait_for("maintLeave")
    robot.tap("maintLeave")
    robot.wait_until(lambda: not app.maintenance.panelOpen and not app.controller.paused, what="left")
    app.maintenance.gate.idle_s = 1.0
    _enter(app, robot)
    robot.wait_for("maintenancePanel")
    robot.wait_until(lambda: not app.maintenance.panelOpen, what="ended by itself after idling")
    assert not app.controller.paused


def test_not_entered_during_a_citizen_session(maintained):
    app, robot, _ = maintained
    robot.tap("startButton")
    robot.wait_until(lambda: app.controller.screen == "catalog", what="catalog")
    app.maintenance.longPress()
    assert not app.maintenance.pinVisible


def test_the_pin_is_stored_hashed(tmp_path):
    path = set_pin(tmp_path, PIN)
    assert PIN not in path.read_text() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert check_pin(tmp_path, PIN) and not check_pin(tmp_path, "135790")
    with pytest.raises(ValueError):
        set_pin(tmp_path, "12")


def test_a_pin_pad_left_open_closes_itself(maintained, monkeypatch):
    app, robot, _ = maintained
    monkeypatch.setattr("kiosk.ui.maintenance.PIN_PAD_IDLE_S", 1.0)
    robot.hold("terminalName", 3.4)
    robot.wait_for("pinPad")
    robot.wait_until(lambda: robot.find("pinPad") is None, what="PIN pad closed by itself")
    robot.tap("startButton")
    robot.wait_until(lambda: app.controller.screen == "catalog", what="the next citizen served")


def test_the_gesture_is_reachable_in_elderly_mode_where_the_name_is_hidden(maintained):
    """Elderly mode hides the terminal name to make room for its larger buttons; the gesture area stays, so a
    technician at a terminal whose default is elderly mode can still enter maintenance."""
    app, robot, _ = maintained
    robot.tap("elderlyButton")
    robot.wait_until(lambda: app.assist.elderly, what="elderly mode")
    robot.pump(0.3)
    assert robot.find("terminalName", enabled=False) is None  # hidden, as before
    area = robot.wait_for("maintenanceGesture")
    buttons = [robot.find(n) for n in ("elderlyButton", "replayButton", "helpButton", "langButton")]
    right_edge = area.mapToScene(QPointF(area.width(), 0)).x()
    assert all(b is not None and b.mapToScene(QPointF(0, 0)).x() >= right_edge for b in buttons)
    robot.tap("maintenanceGesture")  # a citizen's tap there does nothing
    robot.pump(0.3)
    assert robot.find("pinPad") is None
    robot.hold("maintenanceGesture", 3.4)
    robot.wait_for("pinPad")
    _enter_pin(robot, PIN)
    robot.wait_for("maintenancePanel")
    assert app.maintenance.panelOpen and app.controller.maintenance
