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
from flows.loader import FLOWS_DIR, load_directory
from flows.model import Flow
from flows.services import QueryService
from kiosk.config import Config
from offline_cache.store import Store

log = logging.getLogger(__name__)

QML_DIR = Path(__file__).resolve().parent / "ui" / "qml"
FIRST_FRAME_WAIT_MS = 1000  # the lanes start after the first frame, or after this long without one
BUNDLE_WATCH_MS = 5000  # how often an idle terminal looks at its bundle directory (staged, expired, changed)
RESTART_EXIT_CODE = 75  # "restart the app" (maintenance screen): systemd's Restart=always restarts it


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
    device_options: dict[str, dict] = field(default_factory=dict)
    printing: Any = None  # kiosk.printing.PrintService
    link: Any = None  # kiosk.backoffice_link.BackofficeLink
    bundles: Any = None  # flows.bundles.BundleManager
    flows_dir: Path | None = None  # where the active flows (and their templates) live
    flows_version: int | None = None  # the bundle ``flows`` came from (None: the built-in flows)

    def outbox_changed(self) -> None:
        """A case, rating or event was queued: let the sync client deliver it soon."""
        if self.link is not None:
            self.link.wake()

    def close(self) -> None:
        for closer in reversed(self.closers):
            try:
                closer()
            except Exception:  # closing must go on whatever one device does
                log.exception("error while shutting down")
        self.store.close()


def build_context(
    config: Config, *, device_options: dict[str, dict] | None = None, device_states: Any = None
) -> AppContext:
    """Store, flows and the back-office link; devices are created later, each on its own lane."""
    from flows.bundles import BundleManager, store_sink
    from kiosk.backoffice_link import BackofficeLink
    from kiosk.printing import PrintService

    data_dir = Path(config.data_dir)
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    store = Store(data_dir / "kiosk.db", terminal_id=config.terminal_id)
    abandoned = store.close_abandoned()  # cases a crash or power cut left open are reported, not lost
    if abandoned:
        log.warning("%d case(s) left open by the last run closed as interrupted", len(abandoned))
    bundles = BundleManager(data_dir, config.group, on_event=store_sink(store))
    try:
        flows, flows_dir = bundles.load_active()  # an expired or damaged bundle falls back, with an event
    except Exception:
        log.exception("no usable flow bundle: using the built-in flows")
        flows, flows_dir = load_directory(FLOWS_DIR, strict=False), FLOWS_DIR.parent
    _log_start(config, bundles.active_version(), flows_dir)
    link = BackofficeLink(
        config,
        store,
        device_states or (lambda: []),
        bundles=bundles,
        in_session=lambda: store.open_case_count() > 0,
        **_demo_link(config),
    )
    ctx = AppContext(
        config=config,
        store=store,
        flows=flows,
        devices={},
        query_service=link,
        closers=[link.stop],
        device_options=_device_options(config, device_options),
        link=link,
        bundles=bundles,
        flows_dir=flows_dir,
        flows_version=bundles.active_version(),
    )
    ctx.printing = PrintService(store, data_dir, templates=lambda: _templates_dir(ctx.flows_dir))
    return ctx


def _log_start(config: Config, bundle: int | None, flows_dir: Path | None) -> None:
    """The one line that says which terminal this is, from which files, talking to whom, with which flows."""
    from kiosk.logging_setup import set_terminal

    set_terminal(config.terminal_id)
    backoffice = config.backoffice_url or "(the enrolment's)"
    bundle_text = f"bundle {bundle}" if bundle else f"built-in flows ({flows_dir})"
    log.info(
        "kiosk starting: terminal %s, config %s, data dir %s, back office %s, %s",
        config.terminal_id,
        config.source,
        config.data_dir,
        backoffice,
        bundle_text,
        extra={
            "event": "start",
            "config": config.source,
            "data_dir": str(config.data_dir),
            "backoffice": backoffice,
            "bundle": bundle,
        },
    )


def _demo_link(config: Config) -> dict[str, Any]:
    """The embedded default's back office and offline answers (``kiosk.demo``); nothing for a real terminal."""
    from kiosk.demo.link import demo_answer, embedded_connector

    wiring: dict[str, Any] = {}
    if config.backoffice_url == "embedded":
        wiring["connect"] = embedded_connector(config.terminal_id, config.group)
    if config.demo:
        wiring["offline_answer"] = demo_answer
    return wiring


def _device_options(config: Config, device_options: dict[str, dict] | None) -> dict[str, dict]:
    """The caller's device options, plus the demo cards for simulated card readers that were given none."""
    if not any(config.devices.get(name, "").startswith("sim://") for name in ("idcard", "sscard")):
        return device_options or {}
    from kiosk.demo.cards import with_demo_cards

    return with_demo_cards(config.devices, device_options)


def _templates_dir(flows_dir: Path | None) -> Path | None:
    candidate = flows_dir / "templates" if flows_dir else None
    return candidate if candidate is not None and candidate.is_dir() else None


def create_device(ctx: AppContext, device_class: str) -> Any:
    """Build one driver from its URL (imports its library): runs on the device's lane, not the GUI thread."""
    url = ctx.config.devices[device_class]
    return open_device(
        device_class, url, DeviceContext(Path(ctx.config.data_dir), ctx.device_options.get(device_class, {}))
    )


class KioskApplication:
    """The Qt side: one window, the controller, the lanes and the event bridges."""

    def __init__(self, ctx: AppContext, *, production: bool = False, size: tuple[int, int] = (1280, 800)):
        from PySide6.QtCore import QObject, Qt, QTimer
        from PySide6.QtGui import QGuiApplication
        from PySide6.QtQml import QQmlApplicationEngine
        from PySide6.QtQuick import QQuickWindow  # noqa: F401 - must be imported before loading QML

        from kiosk.tasks import EventBridge, TaskRunner
        from kiosk.ui.controller import KioskController
        from kiosk.ui.maintenance import maintenance_for
        from kiosk.ui.window import InputFilter

        self.ctx = ctx
        self._shut_down = False
        os.environ.setdefault("QT_IM_MODULE", "qtvirtualkeyboard")  # the keyboard lives inside the window
        self.qapp = QGuiApplication.instance() or QGuiApplication(sys.argv)
        self.qapp.setQuitOnLastWindowClosed(not production)
        ctx.tasks = TaskRunner()
        self.controller = KioskController(ctx)
        self.maintenance = maintenance_for(ctx, self.controller)
        self.maintenance.restartRequested.connect(lambda: self.qapp.exit(RESTART_EXIT_CODE))
        from kiosk.ui.remote import RemoteCommands
        from kiosk.ui.standing import StandingValues

        self.remote = RemoteCommands(self)  # the console's commands
        self.standing = StandingValues(self)  # the back office's settings and announcements for this terminal
        self.bridges: list[QObject] = []
        self._bridge_class = EventBridge
        if ctx.link is not None:
            link_bridge = EventBridge(ctx.link.events)
            link_bridge.event.connect(self._on_link_event)
            self.bridges.append(link_bridge)
            ctx.link.device_states = self._heartbeat_devices
            ctx.link.in_session = self.in_session
            ctx.link.maintenance = lambda: self.maintenance.gate.active
            bundle_bridge = EventBridge(ctx.link.bundle_changes)
            bundle_bridge.event.connect(lambda _change: self.take_up_bundles())
            standing_bridge = EventBridge(ctx.link.standing_changes)
            standing_bridge.event.connect(self.standing.reload)
            self.bridges += [bundle_bridge, standing_bridge]
        from kiosk.ui.assist import AssistController

        self.assist = AssistController(self.controller, ctx)
        self.engine = QQmlApplicationEngine()
        self.assist.setParent(self.engine)  # outlives the QML that binds it (deleted after the root objects)
        self.engine.rootContext().setContextProperty("assist", self.assist)
        from kiosk.ui.catalog_browser import CatalogBrowser

        self.catalog_browser = CatalogBrowser(
            self.controller, self.assist, ctx.config.data_dir, parent=self.engine
        )
        self.engine.rootContext().setContextProperty("catalogBrowser", self.catalog_browser)
        self.engine.setInitialProperties(
            {
                "ctl": self.controller,
                "maint": self.maintenance,
                "remote": self.remote,
                "standing": self.standing,
                "production": production,
                "baseWidth": size[0],
                "baseHeight": size[1],
            }
        )
        self.engine.load(str(QML_DIR / "Main.qml"))
        if not self.engine.rootObjects():
            raise RuntimeError("the QML user interface failed to load")
        self.window = self.engine.rootObjects()[0]
        self.input_filter = InputFilter(self.controller, lockdown=production)
        self.window.installEventFilter(self.input_filter)
        # The lanes' work (drivers and their libraries, the back-office link, the voice prompts) starts once
        # the attract screen is on the glass: started before, their imports fought the GUI thread for the
        # interpreter and doubled the cold start. A timer starts them anyway if no frame comes.
        self._background_started = False
        self.window.frameSwapped.connect(self._start_background, Qt.ConnectionType.QueuedConnection)
        QTimer.singleShot(FIRST_FRAME_WAIT_MS, self._start_background)
        self._status_poll = QTimer(interval=15000)
        self._status_poll.timeout.connect(self._poll_printers)
        self._status_poll.start()
        self._start_watchdog()
        self._bundle_watch = QTimer(interval=BUNDLE_WATCH_MS)
        self._bundle_watch.timeout.connect(self.take_up_bundles)
        self._bundle_watch.start()

    def _start_background(self) -> None:
        """After the first frame: print recovery, the back-office link, each device on its lane, the voice."""
        if self._background_started:
            return
        self._background_started = True
        self.window.frameSwapped.disconnect(self._start_background)
        # The voice first, before any other thread runs: its audio output loads Qt's multimedia plugin
        # (dlopen) on this thread, and the plugin's start-up warnings go through the Python message handler,
        # which needs the GIL — a lane holding the GIL while it dlopens an extension module (the link
        # importing pydantic_core) deadlocked with it on the dynamic loader's lock.
        self.assist.start()
        ctx = self.ctx
        ctx.tasks.run("db", ctx.printing.recover, on_error=lambda e: log.error("print recovery: %s", e))
        if ctx.link is not None:
            ctx.link.start()
        for name in ctx.config.devices:
            ctx.tasks.run(
                name,
                lambda n=name: create_device(ctx, n),
                on_done=lambda device, n=name: self._attach(n, device),
                on_error=lambda error, n=name: self._device_failed(n, error),
            )

    def _on_link_event(self, event: Any) -> None:
        """From the sync thread, on the GUI thread: a link status, or a console command to run."""
        from wire.commands import Command as RemoteCommand

        if isinstance(event, RemoteCommand):
            self.remote.handle(event)
        else:
            self.controller.set_online(bool(event.online))

    def _heartbeat_devices(self) -> list[dict[str, Any]]:
        """Each device's state for the heartbeat; printers add paper left and the days it will last."""
        from kiosk.consumables import heartbeat_fields

        return [
            {**status.as_dict(), **heartbeat_fields(self.ctx.store, status.device)}
            for status in list(self.controller.device_states.values())
        ]

    def _attach(self, name: str, device: Any) -> None:
        """A driver exists: observe it, then open it on its lane (its state arrives as events)."""
        bridge = self._bridge_class(device.events)
        bridge.event.connect(self.controller.on_device_event)
        self.bridges.append(bridge)
        self.ctx.devices[name] = device
        self.controller.on_device_event(device.status())
        self.ctx.tasks.run(name, device.open, on_error=lambda error: self._device_failed(name, error))

    def _device_failed(self, name: str, error: BaseException) -> None:
        log.warning("device %s unavailable: %s", name, type(error).__name__)
        state, key = (
            getattr(error, "state", DeviceState.NO_DEVICE),
            getattr(error, "key", "error.device.no_device"),
        )
        self.controller.on_device_event(DeviceStatus(name, state, key, type(error).__name__))

    def _start_watchdog(self) -> None:
        """Tell systemd the kiosk is up, and keep telling it from the GUI thread while the UI lives."""
        from PySide6.QtCore import QTimer

        from kiosk.watchdog import SystemdNotifier, watchdog_interval_ms

        self.notifier = SystemdNotifier()
        self._watchdog = None
        if not self.notifier.enabled:
            return
        self.notifier.notify("READY=1\nSTATUS=attract screen shown")
        interval = watchdog_interval_ms()
        if interval:
            self._watchdog = QTimer(interval=interval)
            self._watchdog.timeout.connect(lambda: self.notifier.notify("WATCHDOG=1"))
            self._watchdog.start()

    def in_session(self) -> bool:
        """A citizen is being served: no bundle switches under them (read from the sync thread too)."""
        return self.controller.session is not None or self.ctx.store.open_case_count() > 0

    def take_up_bundles(self) -> None:
        """Between citizens, make the flows on screen the bundle manager's active ones: activate a staged
        bundle (fetched during a session, or installed by ``kiosk flows install``), retire an expired one,
        and reload after a change the sync thread made. Reads only the bundle directory; all on a lane."""
        ctx = self.ctx
        if ctx.bundles is None or self.controller.session is not None:
            return
        manager = ctx.bundles

        def work() -> tuple[int | None, tuple[dict[str, Flow], Path]] | None:
            if manager.pending() and not self.in_session():
                manager.activate(in_session=self.in_session)
            if manager.active_version() == ctx.flows_version and not manager.expired_active():
                return None
            if self.in_session():
                return None
            loaded = manager.load_active()  # retires an expired or damaged bundle, with its event
            return manager.active_version(), loaded

        def done(result: tuple[int | None, tuple[dict[str, Flow], Path]] | None) -> None:
            if result is not None:
                ctx.flows_version, (ctx.flows, ctx.flows_dir) = result
                self.controller.flows_replaced()

        ctx.tasks.run("bundles", work, on_done=done, on_error=lambda e: log.error("bundle take-up: %s", e))

    def _poll_printers(self) -> None:
        """Ask idle printers for their status, so a fault shows before a citizen needs the printer."""
        if self.controller.session is not None:
            return
        for name in ("receipt", "document", "license"):
            device = self.ctx.devices.get(name)
            if device is not None and hasattr(device, "refresh_status"):
                self.ctx.tasks.run(name, device.refresh_status)

    def shutdown(self) -> None:
        """Timers, then devices on their lanes, then the lanes and the store; a second call does nothing."""
        if self._shut_down:
            return
        self._shut_down = True
        if not self._background_started:  # shut down before the first frame: nothing may start later
            self._background_started = True
            self.window.frameSwapped.disconnect(self._start_background)
        self.assist.shutdown()
        self._status_poll.stop()
        self._bundle_watch.stop()
        if self._watchdog is not None:
            self._watchdog.stop()
            self.notifier.notify("STOPPING=1")
        for bridge in self.bridges:
            bridge.detach()
        closing = [self.ctx.tasks.run(name, device.close) for name, device in self.ctx.devices.items()]
        for future in closing:  # each device closes on its own lane, after whatever it was doing
            try:
                future.result(timeout=10)
            except Exception as exc:  # a device that fails to close must not keep the others open
                log.warning("closing a device failed: %s", type(exc).__name__)
        self.ctx.tasks.shutdown(wait=True)
        self.ctx.close()
