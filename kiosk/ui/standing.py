"""The terminal's standing values (``wire.standing``): the settings and announcements its back office holds for it,
applied here — the one way an operator sets them.

The sync thread fetches them into the store (``kiosk.sync.standing``) and says when they changed; this reads the
store on the db lane (at start too, so an offline terminal keeps what it last fetched) and

* applies the settings between citizens (deferred while one is being served): inactivity and countdown seconds,
  the default language, paused services (listed, marked paused, not startable). A setting set nowhere keeps the
  configuration file's value, so clearing one in the console restores it. Values a terminal cannot apply are
  refused whole and reported, never half-applied or dropped in silence (the back office refuses them first);
* shows the announcements in force on the attract screen — each from its ``starts`` until its ``ends`` on this
  terminal's clock (corrected by the offset learnt from the back office), in the screen's language — and takes
  one down when it ends or is withdrawn;
* records the versions it applied (or why not), which the next heartbeat reports: the console says 已生效 only
  then.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Property, QObject, QTimer, Signal

from kiosk.config import ConfigError, _check
from kiosk.sync.standing import PROBLEM_STATE
from wire import standing as w

log = logging.getLogger(__name__)

# a setting -> (the Config attribute, its type, its constraint): checked as the configuration file's values are
SETTINGS = {
    "inactivity_s": ("inactivity_s", float, w.SETTING_RANGES["inactivity_s"]),
    "countdown_s": ("countdown_s", float, w.SETTING_RANGES["countdown_s"]),
    "locale": ("locale", str, w.LOCALES),
}


def settings_changes(values: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The Config fields these settings set, or the first problem (then nothing is applied)."""
    changes: dict[str, Any] = {}
    for key, value in values.items():
        problem = w.setting_problem(key, value)
        if problem is not None:
            return {}, problem
        if key == "paused_services":
            changes["paused_services"] = tuple(value)
            continue
        attribute, kind, constraint = SETTINGS[key]
        try:
            changes[attribute] = _check("standing", key, value, kind, constraint)
        except ConfigError as exc:
            return {}, exc.problem
    return changes, None


def citizen_present(controller: Any) -> bool:
    """A citizen is being served (or a screen other than the attract screen is up): settings wait."""
    return controller.session is not None or controller.screen != "attract"


class StandingValues(QObject):
    announcementsChanged = Signal()

    def __init__(self, app: Any):
        super().__init__()
        self.app = app  # kiosk.app.KioskApplication: controller, ctx
        self._base = app.ctx.config  # the configuration file's values: what a setting set nowhere keeps
        self._items: list[dict[str, Any]] = []
        self._offset = 0.0
        self._shown: list[str] = []
        self._pending: tuple[Any, dict[str, Any]] | None = None  # (version, settings) waiting for a citizen
        self._tick_timer = QTimer(
            self, interval=1000
        )  # announcement windows, and the end of a citizen's turn
        self._tick_timer.timeout.connect(self._tick)
        self._tick_timer.start()
        app.controller.langChanged.connect(self._refresh)
        self.reload()

    def _get_announcements(self) -> list[str]:
        return list(self._shown)

    announcements = Property(list, _get_announcements, notify=announcementsChanged)  # QVariantList

    def reload(self, _event: Any = None) -> None:
        """Read what the sync thread fetched (on the db lane, never on the GUI thread), then apply it."""
        store = self.app.ctx.store

        def read() -> dict[str, Any]:
            return {
                "config": store.get_reference("config"),
                "config_version": store.get_state("config_version"),
                "announcements": store.get_reference("announcements"),
                "announcements_version": store.get_state("announcements_version"),
                "offset": store.get_state("clock_offset", 0.0),
            }

        self.app.ctx.tasks.run(
            "db",
            read,
            on_done=self._take,
            on_error=lambda e: log.error("reading the standing values: %s", type(e).__name__),
        )

    def _take(self, fetched: dict[str, Any]) -> None:
        offset = fetched.get("offset")
        self._offset = float(offset) if isinstance(offset, int | float) else 0.0
        items = fetched.get("announcements")
        if isinstance(items, list):
            self._items = [a for a in items if isinstance(a, dict)]
            self._refresh()
            self._record({"announcements_applied": fetched.get("announcements_version")})
        if isinstance(fetched.get("config"), dict):
            self._pending = (fetched.get("config_version"), fetched["config"])
            self._tick()

    def _tick(self) -> None:
        self._refresh()
        if self._pending is not None and not citizen_present(self.app.controller):
            version, values = self._pending
            self._pending = None
            self._apply(version, values)

    def _refresh(self) -> None:
        """The texts in force now, in the screen's language; a change redraws the attract screen's bar."""
        lang = self.app.controller.lang
        now = time.time() + self._offset
        shown = [text for a in w.in_force(self._items, now) if (text := w.text_in(a, lang))]
        if shown != self._shown:
            self._shown = shown
            self.announcementsChanged.emit()

    def _apply(self, version: Any, values: dict[str, Any]) -> None:
        """Between citizens: the file's configuration with these settings over it, or nothing and the reason."""
        changes, problem = settings_changes(values)
        if problem is not None:
            log.warning("standing settings not applied: %s", problem)
            self._record({PROBLEM_STATE: f"settings not applied: {problem}"})
            return
        ctx = self.app.ctx
        config = replace(self._base, **changes)
        if config != ctx.config:
            ctx.config = config
            self.app.controller.apply_settings()
            log.info("standing settings applied: %s", ", ".join(sorted(values)) or "none (the file's values)")
        self._record({"config_applied": version, PROBLEM_STATE: ""})

    def _record(self, states: dict[str, Any]) -> None:
        """What was applied, for the next heartbeat (which is asked to come soon: the console is waiting)."""
        ctx = self.app.ctx

        def write() -> None:
            for name, value in states.items():
                ctx.store.set_state(name, value)

        def told(_: Any) -> None:
            sync = getattr(ctx.link, "sync", None)
            if sync is not None:
                sync.heartbeat_soon()

        ctx.tasks.run(
            "db",
            write,
            on_done=told,
            on_error=lambda e: log.error("recording the standing values: %s", type(e).__name__),
        )
