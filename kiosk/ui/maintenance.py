"""The maintenance screen's controller: PIN pad, panels (devices, sync, logs), the technician's actions.

Entered by a long press on the terminal name while no citizen is in a session, then the PIN
(:class:`kiosk.maintenance.MaintenanceGate`: hashed PIN, three wrong lock it for a while). While it is
open the citizen controller is paused (``KioskController.paused``: taps and cards do nothing) and the
attract screen says 设备维护中. Device actions run on the device's lane, reading the store on the
maintenance lane, never on the GUI thread; results come back as queued completions. It closes itself
after ``idle_s`` without a touch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Property, QObject, QTimer, Signal, Slot

from kiosk.maintenance import MaintenanceGate
from kiosk.maintenance_rows import device_row, sync_rows

log = logging.getLogger(__name__)

PANELS = ("devices", "sync", "logs")
PIN_PAD_IDLE_S = 30.0  # the PIN pad closes itself after this long (someone leaned on the terminal name)
LANE = "maintenance"


class MaintenanceController(QObject):
    changed = Signal()
    restartRequested = Signal()

    def __init__(
        self,
        ctx: Any,
        citizen: Any,
        *,
        gate: MaintenanceGate | None = None,
        export_dir: Callable[[], Path | None] | None = None,
    ):
        super().__init__()
        self.ctx = ctx
        self.citizen = citizen  # kiosk.ui.controller.KioskController
        self.gate = gate or MaintenanceGate(Path(ctx.config.data_dir))
        self.export_dir = export_dir or _usb_stick
        self._pin_visible = False
        self._pin = ""
        self._pin_message = ""
        self._pin_opened = 0.0
        self._panel = "devices"
        self._facts: dict[str, Any] = {}
        self._result = ""
        self._idle = QTimer(self, interval=1000)
        self._idle.timeout.connect(self._check_idle)

    # -- properties for QML --------------------------------------------------------------------------
    def _get_active(self) -> bool:
        return self.gate.active

    def _get_open(self) -> bool:
        return self.gate.open

    def _get_pin_visible(self) -> bool:
        return self._pin_visible

    def _get_pin_dots(self) -> str:
        return "●" * len(self._pin)

    def _get_pin_message(self) -> str:
        return self._pin_message

    def _get_panel(self) -> str:
        return self._panel

    def _get_devices(self) -> list[dict[str, Any]]:
        live = self.citizen.device_states
        return [
            device_row(name, info, live.get(name), self._facts)
            for name, info in (self._facts.get("devices") or {}).items()
        ]

    def _get_sync(self) -> list[dict[str, str]]:
        return sync_rows(self._facts)

    def _get_log_text(self) -> str:
        from kiosk.logging_setup import recent_lines

        return "\n".join(list(recent_lines().lines)[-300:])

    def _get_result(self) -> str:
        return self._result

    active = Property(bool, _get_active, notify=changed)
    panelOpen = Property(bool, _get_open, notify=changed)
    pinVisible = Property(bool, _get_pin_visible, notify=changed)
    pinDots = Property(str, _get_pin_dots, notify=changed)
    pinMessage = Property(str, _get_pin_message, notify=changed)
    panel = Property(str, _get_panel, notify=changed)
    devices = Property(list, _get_devices, notify=changed)
    sync = Property(list, _get_sync, notify=changed)
    logText = Property(str, _get_log_text, notify=changed)
    result = Property(str, _get_result, notify=changed)

    # -- entering ------------------------------------------------------------------------------------
    @Slot()
    def longPress(self) -> None:
        """The hidden gesture: only between citizens, on the attract screen."""
        if self.citizen.session is not None or self.citizen.screen != "attract" or self.gate.open:
            return
        self._pin_visible, self._pin = True, ""
        self._pin_message = self._lock_text() if self.gate.locked() else "请输入维护密码"
        self._pin_opened = self.gate.clock()
        self._idle.start()  # a PIN pad left open must not block the next citizen
        self.changed.emit()

    @Slot(str)
    def pinKey(self, key: str) -> None:
        self._pin_opened = self.gate.clock()  # typing keeps the pad open
        if key == "clear":
            self._pin = ""
        elif key == "back":
            self._pin = self._pin[:-1]
        elif key == "ok":
            self._submit_pin()
        elif key.isdigit() and len(self._pin) < 12:
            self._pin += key
        self.changed.emit()

    @Slot()
    def cancelPin(self) -> None:
        self._pin_visible, self._pin, self._pin_message = False, "", ""
        self.changed.emit()

    def _submit_pin(self) -> None:
        pin, self._pin = self._pin, ""
        verdict = self.gate.try_pin(pin)
        if verdict == "ok":
            log.warning("maintenance mode entered on the terminal")  # a security event
            self._pin_visible, self._pin_message = False, ""
            self._pause(True)
            self._idle.start()
            self.refresh()
        elif verdict == "locked":
            log.warning("maintenance PIN locked after %d wrong attempts", 3)
            self._pin_message = self._lock_text()
        elif verdict == "no_pin":
            self._pin_message = "未设置维护密码 (kiosk maintenance-pin)"
        else:
            log.warning("wrong maintenance PIN")
            self._pin_message = "密码错误"

    def _lock_text(self) -> str:
        return f"已锁定，请 {self.gate.lock_left_s()} 秒后再试"

    # -- the panels ----------------------------------------------------------------------------------
    @Slot(str)
    def show(self, panel: str) -> None:
        if panel in PANELS and self.gate.open:
            self._panel = panel
            self._touch()
            self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Re-read the facts (store and data directory) off the GUI thread."""
        from kiosk.status import gather

        config = self.ctx.config
        self.ctx.tasks.run(
            LANE,
            lambda: gather(config),
            on_done=self._facts_arrived,
            on_error=lambda e: self._say(f"状态读取失败: {type(e).__name__}"),
        )

    def _facts_arrived(self, facts: dict[str, Any]) -> None:
        self._facts = facts
        self.changed.emit()

    @Slot(str, str)
    def act(self, action: str, device: str = "") -> None:
        """A technician's button: test_print, paper_replaced, read_card, calibrate, link_test, export,
        restart, leave."""
        if not self.gate.open:
            return
        self._touch()
        handler = getattr(self, f"_do_{action}", None)
        if handler is None:
            return
        handler(device)

    def _device(self, name: str) -> Any:
        device = self.ctx.devices.get(name)
        if device is None:
            self._say(f"{name}: 设备未就绪")
        return device

    def _do_test_print(self, name: str) -> None:
        from kiosk.device_checks import test_print

        device = self._device(name)
        if device is None:
            return
        config = self.ctx.config
        self._say(f"{name}: 正在打印测试页…")
        self.ctx.tasks.run(
            name,
            lambda: test_print(
                device, name, config.terminal_id, Path(config.data_dir), url=config.devices.get(name, "")
            ),
            on_done=lambda r: self._say(f"{name}: 测试页已打印 ({r.job_id})"),
            on_error=lambda e: self._say(f"{name}: 打印失败 {_error_text(e)}"),
        )

    def _do_calibrate(self, name: str) -> None:
        self._do_test_print("license")  # the license printer's test page is the calibration sheet

    def _do_offset(self, step: str) -> None:
        """Move the license print by 0.5 mm ("x+", "x-", "y+", "y-"), stored at once; print the sheet to check."""
        from kiosk.documents.license import Calibration, load_calibration, save_calibration

        if step not in ("x+", "x-", "y+", "y-"):
            return
        data_dir = Path(self.ctx.config.data_dir)
        delta = 0.5 if step[1] == "+" else -0.5

        def work() -> Any:
            current = load_calibration(data_dir)
            new = Calibration(
                current.x_mm + (delta if step[0] == "x" else 0.0),
                current.y_mm + (delta if step[0] == "y" else 0.0),
            )
            save_calibration(data_dir, new)
            return new

        self.ctx.tasks.run(
            LANE,
            work,
            on_done=lambda new: self._say(f"license: 偏移 x {new.x_mm:+.1f} mm, y {new.y_mm:+.1f} mm"),
            on_error=lambda e: self._say(f"license: {e}"),
        )

    def _do_paper_replaced(self, name: str) -> None:
        from kiosk.consumables import paper_replaced

        store = self.ctx.store

        def done(_facts: Any) -> None:
            self._say(f"{name}: 已记录更换纸张")
            self.refresh()

        self.ctx.tasks.run(
            "db",
            lambda: paper_replaced(store, name),
            on_done=done,
            on_error=lambda e: self._say(f"{name}: {_error_text(e)}"),
        )

    def _do_read_card(self, name: str) -> None:
        from kiosk.device_checks import read_test_card

        device = self._device(name)
        if device is None:
            return
        self._say(f"{name}: 请放置测试卡…")
        self.ctx.tasks.run(
            f"{LANE}-card",
            lambda: read_test_card(device, name, 20.0),
            on_done=lambda card: self._say(
                f"{name}: 读卡成功 {card.card_type} {card.masked_name} {card.masked_id_number}"
            ),
            on_error=lambda e: self._say(f"{name}: 读卡失败 {_error_text(e)}"),
        )

    def _do_link_test(self, _device: str) -> None:
        from kiosk.selftest import link_test

        config = self.ctx.config
        self._say("正在测试后台连接…")
        self.ctx.tasks.run(
            "net-test",
            lambda: link_test(config),
            on_done=lambda r: self._say(
                {True: "后台连接正常: ", False: "后台连接失败: ", None: "后台连接: "}[r[0]] + r[1]
            ),
            on_error=lambda e: self._say(f"后台连接失败: {_error_text(e)}"),
        )

    def _do_export(self, _device: str) -> None:
        from kiosk.diagnostics import export_bundle
        from kiosk.logging_setup import recent_lines

        target = self.export_dir()
        if target is None:
            self._say("未找到U盘")
            return
        facts, lines, config = dict(self._facts), list(recent_lines().lines), self.ctx.config
        self.ctx.tasks.run(
            LANE,
            lambda: export_bundle(target, config.terminal_id, facts, lines, config.source),
            on_done=lambda path: self._say(f"诊断包已导出: {path.name}"),
            on_error=lambda e: self._say(f"导出失败: {_error_text(e)}"),
        )

    def _do_restart(self, _device: str) -> None:
        log.warning("restart requested from the maintenance screen")
        self._leave()
        self.restartRequested.emit()

    def _do_leave(self, _device: str) -> None:
        self._leave()

    # -- leaving -------------------------------------------------------------------------------------
    def _leave(self) -> None:
        if self.gate.open:
            log.warning("maintenance mode left")
        self.gate.close()
        self._idle.stop()
        self._pause(self.gate.active)
        self._result, self._panel = "", "devices"
        self.changed.emit()

    def _check_idle(self) -> None:
        if self._pin_visible and self.gate.clock() - self._pin_opened >= PIN_PAD_IDLE_S:
            self.cancelPin()
            if not self.gate.open:
                self._idle.stop()
        if self.gate.idle_expired():
            log.info("maintenance mode ended after %g s without a touch", self.gate.idle_s)
            self._leave()

    @Slot()
    def touched(self) -> None:
        """Any touch on the maintenance screen keeps it open."""
        self._touch()

    def _touch(self) -> None:
        if self.gate.open:
            self.gate.touch()

    def set_remote(self, on: bool) -> None:
        """The console's maintenance on/off: services paused without a panel on the screen."""
        self.gate.remote = on
        self._pause(self.gate.active)
        self.changed.emit()

    def _pause(self, paused: bool) -> None:
        self.citizen.paused = paused
        self.citizen.maintenanceChanged.emit()

    def _say(self, text: str) -> None:
        self._result = text
        self.changed.emit()


def _error_text(error: BaseException) -> str:
    key = getattr(error, "key", "")
    detail = getattr(error, "detail", "") or str(error)
    return f"{key} {detail}".strip() if key else type(error).__name__


def _usb_stick() -> Path | None:
    from kiosk.diagnostics import find_usb_stick

    return find_usb_stick()


def maintenance_for(ctx: Any, controller: Any) -> MaintenanceController:
    """The maintenance screen's controller for the app, its gate timed by the configuration; recent log lines kept."""
    from kiosk.logging_setup import recent_lines

    recent_lines()
    gate = MaintenanceGate(
        Path(ctx.config.data_dir),
        lockout_s=ctx.config.maintenance_lockout_s,
        idle_s=ctx.config.maintenance_idle_s,
    )
    return MaintenanceController(ctx, controller, gate=gate)
