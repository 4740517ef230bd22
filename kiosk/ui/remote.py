"""The terminal's side of the console's remote commands (``wire.commands``), each run once and acknowledged.

maintenance on/off (services paused, the attract screen says 设备维护中), a new maintenance PIN (stored
hashed), restart (between citizens: deferred while a session is open), a screenshot (refused while a citizen
is in a session: it would show their data). The acknowledgement goes to the outbox
(``Store.record_command_ack``), which also remembers the id so a command is never run twice. The announcement
and the settings are not commands but standing values (``kiosk.ui.standing``); one sent as a command by an
older back office is refused with the reason (``wire.commands.RETIRED``).

Maintenance set by the console is kept in the store (``SAVED``) and applied again when the app starts: a
restart (the console's, the watchdog's, a power cut) does not quietly reopen a terminal the console put into
maintenance. ``kiosk status --json`` shows it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer

from kiosk.ui.standing import citizen_present
from wire import commands as c

log = logging.getLogger(__name__)
SAVED = "remote_state"  # the store's record of what the console's commands set (maintenance)


class RemoteCommands(QObject):
    def __init__(self, app: Any):
        super().__init__()
        self.app = app  # kiosk.app.KioskApplication: controller, maintenance, window, ctx
        self._deferred: list[Any] = []
        self._between_citizens = QTimer(self, interval=1000)
        self._between_citizens.timeout.connect(self._run_deferred)
        self._between_citizens.start()
        self._saved: dict[str, Any] = {}
        ctx = app.ctx
        ctx.tasks.run(  # the store is read on its lane, never on the GUI thread
            "db",
            lambda: ctx.store.get_state(SAVED, {}) or {},
            on_done=self._restore,
            on_error=lambda e: log.error("reading the console's saved state: %s", type(e).__name__),
        )

    def _restore(self, saved: dict[str, Any]) -> None:
        """At start: maintenance as the console left it before the restart (a command since then wins)."""
        fresh, self._saved = self._saved, {**saved, **self._saved}
        if "maintenance" in saved and "maintenance" not in fresh:
            self.app.maintenance.set_remote(bool(saved["maintenance"]))
        # kept by a release that took these as commands: the back office's standing values rule now
        retired = sorted(k for k in ("announcement", "settings") if k in saved)
        if retired:
            log.info("console state from before standing values ignored: %s", ", ".join(retired))
            for key in retired:
                self._saved.pop(key, None)

    def _save(self, key: str, value: Any) -> None:
        self._saved[key] = value
        snapshot, store = dict(self._saved), self.app.ctx.store
        self.app.ctx.tasks.run(
            "db",
            lambda: store.set_state(SAVED, snapshot),
            on_error=lambda e: log.error("saving the console's state: %s", type(e).__name__),
        )

    def handle(self, command: Any) -> None:
        """Run one command (a ``wire.commands.Command``) on the GUI thread, or defer it."""
        log.warning("remote command %s (%s)", command.kind, command.id)  # operations want to see these
        if command.kind == c.RESTART and citizen_present(self.app.controller):
            self._deferred.append(command)
            return
        try:
            outcome, detail = self._run(command)
        except Exception as exc:  # a command must never take the kiosk down
            log.exception("remote command %s failed", command.kind)
            outcome, detail = c.ACK_FAILED, type(exc).__name__
        self._ack(command, outcome, detail)

    def _run(self, command: Any) -> tuple[str, str]:
        kind, args = command.kind, command.args
        if kind == c.MAINTENANCE_ON or kind == c.MAINTENANCE_OFF:
            self.app.maintenance.set_remote(kind == c.MAINTENANCE_ON)
            self._save("maintenance", kind == c.MAINTENANCE_ON)
            return c.ACK_DONE, "maintenance on" if kind == c.MAINTENANCE_ON else "maintenance off"
        if kind in c.RETIRED:
            return c.ACK_REFUSED, c.RETIRED[kind]
        if kind == c.SCREENSHOT:
            if citizen_present(self.app.controller):
                return c.ACK_REFUSED, "a citizen is in a session"
            return c.ACK_DONE, self._screenshot(command.id)
        if kind == c.MAINTENANCE_PIN:
            from kiosk.maintenance import PinError, set_pin

            try:
                set_pin(Path(self.app.ctx.config.data_dir), str(args.get("pin", "")))
            except PinError as exc:
                return c.ACK_REFUSED, str(exc)
            return c.ACK_DONE, "maintenance PIN changed"
        if kind == c.RESTART:
            QTimer.singleShot(500, self.app.maintenance.restartRequested.emit)  # after the ack is queued
            return c.ACK_DONE, "restarting"
        return c.ACK_REFUSED, f"unknown command {kind!r}"

    def _screenshot(self, command_id: str) -> str:
        folder = Path(self.app.ctx.config.data_dir) / "screenshots"
        folder.mkdir(mode=0o700, exist_ok=True)
        path = folder / f"{command_id[:40].replace('/', '_')}.png"
        image = self.app.window.grabWindow()
        partial = path.with_suffix(".part")  # the sync thread uploads *.png: never a half-written one
        image.save(str(partial), "PNG")
        os.chmod(partial, 0o600)
        os.replace(partial, path)
        return f"{path.name} {image.width()}x{image.height()}"

    def _run_deferred(self) -> None:
        if not self._deferred or citizen_present(self.app.controller):
            return
        waiting, self._deferred = self._deferred, []
        for command in waiting:
            self.handle(command)

    def _ack(self, command: Any, outcome: str, detail: str) -> None:
        ctx = self.app.ctx
        ctx.tasks.run(
            "db",
            lambda: ctx.store.record_command_ack(command.id, command.kind, outcome, detail),
            on_done=lambda _: ctx.outbox_changed(),
            on_error=lambda e: log.error("acknowledging %s: %s", command.kind, type(e).__name__),
        )
