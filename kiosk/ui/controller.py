"""The controller the QML screens bind to: a thin Qt adapter over :class:`kiosk.session.core.SessionCore`.

It holds what Qt needs — properties, the tap entry point, timers, the language — and no step logic:
what a step does and how a session ends is the core's. Blocking work runs on the
:class:`~kiosk.tasks.TaskRunner` lanes and comes back as queued callbacks on the GUI thread; the guard
(:mod:`kiosk.ui.qt_ports`) drops a callback whose session is no longer the current one, so a late card read or query answer
can never leak into the next citizen's session.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Property, QObject, QTimer, Signal, Slot
from PySide6.QtQml import QJSValue

from drivers.base import DeviceStatus
from drivers.events import CardPresented, CardReadFailed, CardRemoved
from kiosk.i18n import catalog as strings_for
from kiosk.i18n import tr
from kiosk.session import outcomes
from kiosk.session.core import Session, SessionCore
from kiosk.session.ports import ports_from_context
from kiosk.ui import views
from kiosk.ui.demo_card import place_demo_card
from kiosk.ui.qt_ports import QtLanes, QtTimers

log = logging.getLogger(__name__)

ADAPTER_ACTIONS = ("language", "more_time", "end", "demo_place_card")


class KioskController(QObject):
    paused = False  # maintenance mode (kiosk.ui.maintenance): citizens' taps and cards do nothing
    maintenanceChanged = Signal()
    screenChanged = Signal()
    viewChanged = Signal()
    langChanged = Signal()
    countdownChanged = Signal()
    catalogChanged = Signal()
    messageChanged = Signal()
    onlineChanged = Signal()
    settingsApplied = Signal()  # new standing settings (kiosk.ui.standing): the assist re-times elderly mode

    def __init__(self, ctx, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._screen = "attract"
        self._view: dict[str, Any] = {}
        self._lang = ctx.config.locale
        self._countdown = -1
        self._message = ""
        self._catalog: list[dict[str, Any]] = []
        self._last_session: Session | None = None
        self.core = SessionCore(
            ctx.flows, ports_from_context(ctx, QtLanes(self), QtTimers(self)), on_change=self._changed
        )
        self.core.set_lang(self._lang)
        self.core.paused_services = frozenset(ctx.config.paused_services)

        self._inactivity = QTimer(self, singleShot=True, interval=int(ctx.config.inactivity_s * 1000))
        self._inactivity.timeout.connect(self._on_inactive)
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._on_tick)
        self._refresh_catalog()

    # -- properties the QML binds ----------------------------------------------------------------
    def _get_screen(self) -> str:
        return self._screen

    def _get_view(self) -> dict:
        return self._view

    def _get_lang(self) -> str:
        return self._lang

    def _get_strings(self) -> dict:
        return strings_for(self._lang)

    def _get_countdown(self) -> int:
        return self._countdown

    def _get_catalog(self) -> list:
        return self._catalog

    def _get_message(self) -> str:
        return self._message

    def _get_online(self) -> bool:
        return self.core.online

    def _get_terminal_name(self) -> str:
        config = self.ctx.config
        return (
            config.terminal_name_en
            if self._lang == "en" and config.terminal_name_en
            else config.terminal_name
        )

    def _get_demo(self) -> bool:
        return self.ctx.config.demo

    screen = Property(str, _get_screen, notify=screenChanged)
    view = Property("QVariantMap", _get_view, notify=viewChanged)
    lang = Property(str, _get_lang, notify=langChanged)
    s = Property("QVariantMap", _get_strings, notify=langChanged)
    countdown = Property(int, _get_countdown, notify=countdownChanged)
    catalog = Property("QVariantList", _get_catalog, notify=catalogChanged)
    message = Property(str, _get_message, notify=messageChanged)
    online = Property(bool, _get_online, notify=onlineChanged)
    terminalName = Property(str, _get_terminal_name, notify=langChanged)
    demo = Property(bool, _get_demo, constant=True)
    maintenance = Property(bool, lambda self: self.paused, notify=maintenanceChanged)

    # -- what the screens call -------------------------------------------------------------------
    @Slot(str, "QVariant")
    def tap(self, action: str, value: Any = None) -> None:
        """The one entry point for citizen input; unknown actions are ignored, never raised."""
        if self.paused:
            return
        self.touched()
        if isinstance(value, QJSValue):  # a JS object literal from QML ({id: ..., value: ...})
            value = value.toVariant()
        handler = (
            getattr(self, f"_on_{action}", None)
            if action in ADAPTER_ACTIONS
            else getattr(self.core, f"tap_{action}", None)
        )
        if handler is None:
            log.warning("unknown UI action %s", action)
            return
        try:
            handler(value)
        except Exception:  # a bug must not strand a citizen: show a clear message and reset
            log.exception("UI action %s failed", action)
            self.core.end(outcomes.FAILED, reason=outcomes.TERMINAL, message_key="error.unexpected")

    def apply_settings(self) -> None:
        """New standing settings between citizens: the timer and the default language follow ctx.config."""
        self._inactivity.setInterval(int(self.ctx.config.inactivity_s * 1000))
        self.core.paused_services = frozenset(self.ctx.config.paused_services)
        if self._lang != self.ctx.config.locale:
            self._set_lang(self.ctx.config.locale)
        self._refresh_catalog()  # paused services are marked from the next catalog on
        self.settingsApplied.emit()

    def set_inactivity_s(self, seconds: float) -> None:
        """The inactivity timeout (elderly mode lengthens it; kiosk/ui/assist.py)."""
        self._inactivity.setInterval(int(seconds * 1000))

    @property
    def pending_card_kind(self) -> str | None:
        """'idcard' or 'sscard' while a card read before choosing a service is on the reader, else None."""
        card = self.core.reader_card
        if card is None or self.core.session is not None:
            return None
        return "sscard" if card.card_type == "sscard" else "idcard"

    @Slot()
    def touched(self) -> None:
        """Any touch restarts the inactivity timer (called by the window's event filter too)."""
        if self._countdown >= 0:
            return  # the countdown overlay needs an explicit answer
        if self._screen != "attract":
            self._inactivity.start()

    def _on_language(self, _value: Any) -> None:
        self._set_lang("en" if self._lang == "zh_CN" else "zh_CN")
        self._changed()

    def _on_more_time(self, _value: Any) -> None:
        self._set_countdown(-1)
        self._tick.stop()
        self.touched()

    def _on_end(self, _value: Any) -> None:
        self._set_countdown(-1)
        self._tick.stop()
        self.core.end(outcomes.CANCELLED)

    def _on_demo_place_card(self, index: Any) -> None:
        place_demo_card(self.ctx, index)

    # -- device and network events (queued from their threads) ------------------------------------
    @Slot(object)
    def on_device_event(self, event: Any) -> None:
        if isinstance(event, DeviceStatus):
            previous = self.core.device_states.get(event.device)
            self.core.device_states[event.device] = event
            if previous is None or previous.state != event.state:
                self._refresh_catalog()
                self._changed()  # an end screen's retry follows its printer
            if previous is None or (previous.state, previous.reason) != (event.state, event.reason):
                # paper near end keeps the printer online: the reason changed, and the console is told at once
                self.ctx.tasks.run(
                    "db",
                    lambda: self.ctx.store.record_device_event(
                        event.device, event.state.value, event.reason, event.detail
                    ),
                    on_done=lambda _: self.ctx.outbox_changed(),
                )
        elif self.paused:
            return  # maintenance: a card on the reader means nothing to a session
        elif isinstance(event, CardPresented):
            self.core.card_presented(event.identity)
        elif isinstance(event, CardRemoved):
            self.core.card_removed(event.reader)
        elif isinstance(event, CardReadFailed):
            self.core.card_failed(event.error)

    @Slot(bool)
    def set_online(self, online: bool) -> None:
        if online != self.core.online:
            self.core.online = online
            self.onlineChanged.emit()
            self._refresh_catalog()

    # -- timeouts --------------------------------------------------------------------------------
    def _on_inactive(self) -> None:
        if self._screen == "attract":
            return
        self._set_countdown(int(self.ctx.config.countdown_s))
        self._tick.start()

    def _on_tick(self) -> None:
        if self._countdown <= 1:
            self._tick.stop()
            self._set_countdown(-1)
            self.core.end(outcomes.ABANDONED)
            return
        self._set_countdown(self._countdown - 1)

    def _set_countdown(self, value: int) -> None:
        if value != self._countdown:
            self._countdown = value
            self.countdownChanged.emit()

    # -- rendering -------------------------------------------------------------------------------
    def _changed(self) -> None:
        """The core changed state: follow its screen, message and view."""
        core = self.core
        if core.session is not self._last_session:  # a session began or ended: no countdown carries over
            self._last_session = core.session
            self._tick.stop()
            self._set_countdown(-1)
        message = tr(core.message_key, self._lang) if core.message_key else ""
        if message != self._message:
            self._message = message
            self.messageChanged.emit()
        view = views.screen_view(core, self._lang, core.online)
        if view is not None or core.screen in ("attract", "catalog", "message"):
            self._view = view or {}
            self.viewChanged.emit()
        if core.screen == "catalog":
            self._refresh_catalog()
        if core.screen == "attract" and self._screen != "attract" and self._lang != self.ctx.config.locale:
            self._set_lang(self.ctx.config.locale)  # every citizen starts in the terminal's language
        if core.screen == "attract":
            self._inactivity.stop()
        elif core.screen != self._screen:
            self._inactivity.start()
        if core.screen != self._screen:
            self._screen = core.screen
            self.screenChanged.emit()

    def _set_lang(self, lang: str) -> None:
        self._lang = lang
        self.core.set_lang(lang)  # flows may ask services in it (${lang}: the service guide)
        self.langChanged.emit()
        self._refresh_catalog()

    def _refresh_catalog(self) -> None:
        flows = sorted(
            (f for f in self.ctx.flows.values() if self.core.offers(f)), key=lambda f: (f.category, f.id)
        )
        availability = {f.id: self.core.available(f) for f in flows}
        self._catalog = views.catalog_view(flows, availability, self._lang)
        self.catalogChanged.emit()

    def flows_replaced(self) -> None:
        """A new flow bundle became active (only ever between sessions)."""
        self.core.flows = self.ctx.flows
        self._refresh_catalog()

    @property
    def device_states(self) -> dict[str, DeviceStatus]:
        return self.core.device_states

    # -- for tests and the scripted demo --------------------------------------------------------
    @property
    def session(self) -> Session | None:
        return self.core.session
