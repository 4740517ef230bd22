"""Production mode: locked down, and watched by systemd's watchdog from the GUI thread."""

from __future__ import annotations

import socket
from dataclasses import replace

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent

from kiosk.config import Config


def test_watchdog_pings_from_the_gui_thread(qapp, tmp_path, monkeypatch):
    from kiosk.app import KioskApplication, build_context
    from kiosk.demo.robot import UiRobot

    address = str(tmp_path / "notify.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(address)
    server.settimeout(5)
    monkeypatch.setenv("NOTIFY_SOCKET", address)
    monkeypatch.setenv("WATCHDOG_USEC", "200000")  # ping every 100 ms
    app = KioskApplication(build_context(replace(Config(), data_dir=tmp_path / "data")))
    try:
        assert server.recv(256).startswith(b"READY=1")
        robot = UiRobot(app.window)
        robot.pump(0.5)
        pings = []
        server.setblocking(False)
        try:
            while True:
                pings.append(server.recv(256))
        except BlockingIOError:
            pass
        assert pings.count(b"WATCHDOG=1") >= 3
    finally:
        app.shutdown()
        server.close()


def test_production_window_is_locked_down(qapp, tmp_path):
    from kiosk.app import KioskApplication, build_context
    from kiosk.demo.robot import UiRobot

    app = KioskApplication(build_context(replace(Config(), data_dir=tmp_path / "data")), production=True)
    try:
        robot = UiRobot(app.window)
        robot.wait_until(lambda: app.controller.screen == "attract")
        robot.pump(0.3)  # the first frame is on screen
        flags = app.window.flags()
        assert flags & Qt.WindowType.FramelessWindowHint and flags & Qt.WindowType.WindowStaysOnTopHint
        robot.tap("startButton")
        assert app.controller.screen == "catalog"
        for key, modifiers in (
            (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
            (Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier),
            (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
        ):
            for kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
                event = QKeyEvent(kind, key, modifiers)
                qapp.sendEvent(app.window, event)
                assert event.isAccepted()  # swallowed by the kiosk, not passed on
        app.window.close()
        robot.pump(0.1)
        assert app.window.isVisible() and app.controller.screen == "catalog"
    finally:
        app.shutdown()
