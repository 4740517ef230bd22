"""Wiring: configuration -> store, devices, flows, back office -> controller -> Qt Quick window.

Start-up does no blocking I/O on the GUI thread: devices are opened on their own
lanes and report their state through events, so the attract screen appears at
once and services light up as their devices come online.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.base import DeviceState, DeviceStatus
from drivers.registry import DeviceContext, open_device
from flows.loader import FLOWS_DIR, load_flow
from flows.model import Flow
from flows.services import QueryService
from kiosk.config import Config
from offline_cache.store import Store

log = logging.getLogger(__name__)

QML_DIR = Path(__file__).resolve().parent / "ui" / "qml"


@dataclass
class AppContext:
    """Everything the controller reaches, built once at start (plain objects, no Qt)."""

    config: Config
    store: Store
    flows: dict[str, Flow]
    devices: dict[str, Any]
    query_service: QueryService
    tasks: Any = None  # kiosk.tasks.TaskRunner, set once Qt exists
    closers: list[Any] = field(default_factory=list)

    def close(self) -> None:
        for closer in reversed(self.closers):
            try:
                closer()
            except Exception:  # closing must go on whatever one device does
                log.exception("error while shutting down")
        self.store.close()


def _make_query_service(config: Config, closers: list) -> QueryService:
    """The back office: in the demo the reference server in-process when it is available."""
    from backoffice.query_services import LocalQueryService

    return LocalQueryService()


def load_flows(directory: Path = FLOWS_DIR) -> dict[str, Flow]:
    """Every valid flow; a broken file is logged and left out rather than stopping the terminal."""
    flows: dict[str, Flow] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            flow = load_flow(path)
        except Exception as exc:
            log.error("flow %s left out: %s", path.name, exc)
            continue
        flows[flow.id] = flow
    return flows


def build_context(config: Config, *, device_options: dict[str, dict] | None = None) -> AppContext:
    data_dir = Path(config.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(data_dir / "escpos"))
    store = Store(data_dir / "kiosk.db", terminal_id=config.terminal_id)
    closers: list[Any] = []
    devices: dict[str, Any] = {}
    for device_class, url in config.devices.items():
        options = (device_options or {}).get(device_class, {})
        try:
            devices[device_class] = open_device(device_class, url, DeviceContext(data_dir, options))
        except Exception as exc:  # a missing driver or library makes that device unavailable, not the kiosk
            log.warning("device %s (%s) unavailable: %s", device_class, url, exc)
    query_service = _make_query_service(config, closers)
    return AppContext(config=config, store=store, flows=load_flows(), devices=devices,
                      query_service=query_service, closers=closers)


class KioskApplication:
    """The Qt side: one window, the controller, the lanes and the event bridges."""

    def __init__(self, ctx: AppContext, *, production: bool = False, size: tuple[int, int] = (1280, 800)):
        from PySide6.QtCore import QObject, QTimer
        from PySide6.QtGui import QGuiApplication
        from PySide6.QtQml import QQmlApplicationEngine
        from PySide6.QtQuick import QQuickWindow  # noqa: F401 - must be imported before loading QML

        from kiosk.tasks import EventBridge, TaskRunner
        from kiosk.ui.controller import KioskController
        from kiosk.ui.window import InputFilter

        self.ctx = ctx
        self.qapp = QGuiApplication.instance() or QGuiApplication(sys.argv)
        self.qapp.setQuitOnLastWindowClosed(not production)
        ctx.tasks = TaskRunner()
        self.controller = KioskController(ctx)
        self.bridges: list[QObject] = []
        for name, device in ctx.devices.items():
            bridge = EventBridge(device.events)
            bridge.event.connect(self.controller.on_device_event)
            self.bridges.append(bridge)
            ctx.tasks.run(name, device.open, on_error=lambda e, n=name: self.controller.on_device_event(
                DeviceStatus(n, getattr(e, "state", DeviceState.NO_DEVICE), getattr(e, "key", "error.device.generic"),
                             type(e).__name__)))
        for name in ("idcard", "sscard", "receipt", "document", "license"):
            if name in ctx.config.devices and name not in ctx.devices:
                self.controller.on_device_event(DeviceStatus(name, DeviceState.NO_DEVICE, "error.device.no_device"))
        self.engine = QQmlApplicationEngine()
        self.engine.setInitialProperties({"ctl": self.controller, "production": production,
                                          "baseWidth": size[0], "baseHeight": size[1]})
        self.engine.load(str(QML_DIR / "Main.qml"))
        if not self.engine.rootObjects():
            raise RuntimeError("the QML user interface failed to load")
        self.window = self.engine.rootObjects()[0]
        self.input_filter = InputFilter(self.controller, lockdown=production)
        self.window.installEventFilter(self.input_filter)
        self._status_poll = QTimer(interval=15000)
        self._status_poll.timeout.connect(self._poll_printers)
        self._status_poll.start()

    def _poll_printers(self) -> None:
        """Ask idle printers for their status, so a fault shows before a citizen needs the printer."""
        if self.controller.session is not None:
            return
        for name in ("receipt", "document", "license"):
            device = self.ctx.devices.get(name)
            if device is not None and hasattr(device, "refresh_status"):
                self.ctx.tasks.run(name, device.refresh_status)

    def shutdown(self) -> None:
        self._status_poll.stop()
        for bridge in self.bridges:
            bridge.detach()
        for name, device in self.ctx.devices.items():
            self.ctx.tasks.run(name, device.close)
        self.ctx.tasks.shutdown(wait=True)
        self.ctx.close()
