"""The controller the QML screens bind to: one citizen session at a time, driven by the flow engine.

It owns no I/O: devices, the store and the back office are reached through the
:class:`~kiosk.tasks.TaskRunner` lanes, and their answers come back as queued
callbacks on the GUI thread. Every callback checks that its session is still the
current one, so a late card read or query answer can never leak into the next
citizen's session.
"""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import Property, QObject, QTimer, Signal, Slot
from PySide6.QtQml import QJSValue

from drivers.assurance import NOT_AUTHENTICATED_KEY, assurance_met
from drivers.base import DeviceError, DeviceStatus
from drivers.events import CardPresented, CardReadFailed, CardRemoved
from drivers.identity import Identity, display_text
from flows.engine import FlowError, FlowRun
from flows.model import Flow, text
from flows.services import ServiceError, ServiceOffline
from flows.templating import render
from kiosk.availability import service_availability
from kiosk.i18n import catalog as strings_for
from kiosk.i18n import tr
from kiosk.session.identify import KEY_CARD_REFUSED, card_type_allowed, identify_outcome
from kiosk.ui import views
from kiosk.ui.step_input import StepInput
from wire import services

log = logging.getLogger(__name__)

# Steps after which lifting the ID card is expected rather than a cancellation.
CARD_MAY_LEAVE = ("print", "rate", "finish")
AUTO_STEPS = ("identify", "query", "print")


@dataclass
class Session:
    """One citizen, from choosing a service to the done screen. Holds personal data: wiped at the end."""

    flow: Flow
    run: FlowRun
    case_no: str | None = None
    closed: bool = False
    form_step: str = ""
    form_values: dict[str, Any] = field(default_factory=dict)
    form_errors: dict[str, str] = field(default_factory=dict)
    active_field: str = ""
    signature: str = ""  # SVG path of the commitment signature, kept with the case
    rating_comment: str = ""
    rating_level: int = 0
    rating_indicators: list[str] = field(default_factory=list)
    status: str = ""  # translation key of a transient status line (reading, printing, ...)


class KioskController(StepInput, QObject):
    paused = False  # maintenance mode (kiosk.ui.maintenance): citizens' taps and cards do nothing
    maintenanceChanged = Signal()
    screenChanged = Signal()
    viewChanged = Signal()
    langChanged = Signal()
    countdownChanged = Signal()
    catalogChanged = Signal()
    messageChanged = Signal()
    onlineChanged = Signal()

    def __init__(self, ctx, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._screen = "attract"
        self._view: dict[str, Any] = {}
        self._lang = ctx.config.locale
        self._countdown = -1
        self._message = ""
        self._message_key = ""  # the message screen re-translates when the language changes
        self._session: Session | None = None
        self._pending_identity: Identity | None = None
        self._device_states: dict[str, DeviceStatus] = {}
        self._online = False  # until the back-office link reports in
        self._catalog: list[dict[str, Any]] = []

        self._inactivity = QTimer(self, singleShot=True, interval=int(ctx.config.inactivity_s * 1000))
        self._inactivity.timeout.connect(self._on_inactive)
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._on_tick)
        self._done_timer = QTimer(self, singleShot=True, interval=12000)
        self._done_timer.timeout.connect(lambda: self._end_session(None))
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
        return self._online

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
        handler = getattr(self, f"_on_{action}", None)
        if handler is None:
            log.warning("unknown UI action %s", action)
            return
        try:
            handler(value)
        except Exception:  # a bug must not strand a citizen: show a clear message and reset
            log.exception("UI action %s failed", action)
            self._end_session("error", message_key="error.unexpected")

    def apply_settings(self) -> None:
        """The console changed settings between citizens: the timer and the default language follow ctx.config."""
        self._inactivity.setInterval(int(self.ctx.config.inactivity_s * 1000))
        if self._lang != self.ctx.config.locale:
            self._lang = self.ctx.config.locale
            self.langChanged.emit()

    def set_inactivity_s(self, seconds: float) -> None:
        """The inactivity timeout (elderly mode lengthens it; kiosk/ui/assist.py)."""
        self._inactivity.setInterval(int(seconds * 1000))

    @Slot()
    def touched(self) -> None:
        """Any touch restarts the inactivity timer (called by the window's event filter too)."""
        if self._countdown >= 0:
            return  # the countdown overlay needs an explicit answer
        if self._screen != "attract":
            self._inactivity.start()

    def _on_start(self, _value: Any) -> None:
        self._set_screen("catalog")

    def _on_language(self, _value: Any) -> None:
        self._lang = "en" if self._lang == "zh_CN" else "zh_CN"
        self.langChanged.emit()
        if self._session is not None:
            self._session.run.context["lang"] = self._lang
        if self._message_key:
            self._message = tr(self._message_key, self._lang)
            self.messageChanged.emit()
        self._refresh_catalog()
        self._render()

    def _on_home(self, _value: Any) -> None:
        self._end_session("cancelled")

    def _on_service(self, flow_id: str) -> None:
        flow = self.ctx.flows.get(flow_id)
        if flow is None:
            return
        ok, _reason = service_availability(flow, self._device_states, self._online)
        if not ok:
            return
        self._session = Session(flow=flow, run=FlowRun(flow))
        self._view = views.intro_view(flow, self._lang)
        self._set_screen("intro")

    def _on_begin(self, _value: Any) -> None:
        session = self._session
        if session is None:
            return
        flow = session.flow

        def open_case() -> None:
            session.case_no = self.ctx.store.open_case(flow.id, flow.item_code, flow.version)

        self.ctx.tasks.run("db", open_case, on_error=lambda e: self._guard(session, self._fail, e))
        session.run.context["terminal"] = {
            "id": self.ctx.config.terminal_id,
            "name": self.ctx.config.terminal_name,
        }
        session.run.context["lang"] = (
            self._lang
        )  # e.g. the service guide is asked for in the citizen's language
        self._set_screen("step")
        self._enter_step()

    def _on_back(self, _value: Any) -> None:
        session = self._session
        if self._screen == "catalog":
            self._set_screen("attract")
            return
        if session is None:
            return
        if self._screen == "intro":
            self._end_session(None, to="catalog")
            return
        if not session.run.can_go_back:
            return
        session.run.back()
        # steps that run by themselves (a query, a print) are stepped over, or Back would re-run them
        while session.run.current.type in ("query", "print") and session.run.can_go_back:
            session.run.back()
        self._record_step(session, "back")
        self._enter_step()

    def _on_confirm(self, _value: Any) -> None:
        self._advance("ok")

    def _on_not_me(self, _value: Any) -> None:
        self._end_session("not_me")

    def _on_continue(self, _value: Any) -> None:
        self._advance("ok")

    def _on_more_time(self, _value: Any) -> None:
        self._set_countdown(-1)
        self._tick.stop()
        self.touched()

    def _on_end(self, _value: Any) -> None:
        self._set_countdown(-1)
        self._tick.stop()
        self._end_session("cancelled")

    def _on_dismiss(self, _value: Any) -> None:
        self._set_screen("attract")

    def _on_demo_place_card(self, index: Any) -> None:
        reader = self.ctx.devices.get("idcard")
        simulator = getattr(reader, "simulator", None)
        if simulator is None or not self.ctx.config.demo:
            return
        interval = float(getattr(reader, "poll_interval", 0.5))

        def place_again() -> None:
            # the previous demo citizen's card is still "on the reader": take it off long enough for the
            # reader's polling to see it go, as a real citizen would, then put the card down
            if simulator.card_present:
                simulator.lift()
                time.sleep(interval * 2 + 0.1)
            simulator.place(int(index or 0))

        self.ctx.tasks.run("idcard-sim", place_again)

    # -- device and network events (queued from their threads) ------------------------------------
    @Slot(object)
    def on_device_event(self, event: Any) -> None:
        if isinstance(event, DeviceStatus):
            previous = self._device_states.get(event.device)
            self._device_states[event.device] = event
            if previous is None or previous.state != event.state:
                self._refresh_catalog()
            if previous is None or (previous.state, previous.reason) != (event.state, event.reason):
                # paper near end keeps the printer online: the reason changed, and the console is told at once
                self.ctx.tasks.run(
                    "db",
                    lambda: self.ctx.store.record_device_event(
                        event.device, event.state.value, event.reason, event.detail
                    ),
                    on_done=lambda _: self.ctx.outbox_changed(),
                )
        elif isinstance(event, CardPresented):
            self._on_card(event.identity)
        elif isinstance(event, CardRemoved):
            self._on_card_removed(event.reader)
        elif isinstance(event, CardReadFailed):
            self._on_card_failed(event.error)

    @Slot(bool)
    def set_online(self, online: bool) -> None:
        if online != self._online:
            self._online = online
            self.onlineChanged.emit()
            self._refresh_catalog()

    def _on_card(self, identity: Identity) -> None:
        if self.paused:
            return
        session = self._session
        if self._screen in ("attract", "catalog", "intro", "message"):
            self._pending_identity = identity
            self.catalogChanged.emit()  # the catalog offers this card's services first (kiosk/ui/catalog_browser.py)
            if self._screen in ("attract", "message"):
                self._set_screen("catalog")
            return
        if session is not None and self._screen == "step" and session.run.current.type == "identify":
            self._pending_identity = identity
            self._enter_step()

    def _on_card_removed(self, reader: str) -> None:
        self._pending_identity = None
        session = self._session
        if session is None or self._screen not in ("step", "intro"):
            return
        identity = session.run.context.get("identity")
        # the card that identified the citizen left its reader before the paper: the session ends
        if identity and identity.get("source") == reader and session.run.current.type not in CARD_MAY_LEAVE:
            self._end_session("card_removed", message_key="session.card_removed")

    def _on_card_failed(self, error: DeviceError) -> None:
        session = self._session
        if session is not None and self._screen == "step" and session.run.current.type == "identify":
            outcome = identify_outcome(
                CardReadFailed("", error),
                session.run.current.params.get("accept"),
                assurance=session.run.current.params.get("assurance"),
            )
            self._identify_failed(
                session,
                outcome.outcome,
                outcome.key if outcome.key.startswith("error.") else "identify.failed",
            )

    def _identify_failed(self, session: Session, outcome: str, key: str) -> None:
        """A refused or unreadable card: follow the flow's own path for it, or ask for another card here."""
        step = session.run.current
        if step.on.get(outcome) not in (None, step.id):
            session.run.context["error"] = {"key": key}
            self._advance(outcome)
            return
        session.status = key
        self._render()

    # -- the flow --------------------------------------------------------------------------------
    def _advance(self, outcome: str, data: dict[str, Any] | None = None) -> None:
        session = self._session
        if session is None or session.run.finished:
            return
        try:
            session.run.advance(outcome, data)
        except FlowError:
            log.exception("flow %s cannot continue from %s", session.flow.id, session.run.current_id)
            self._end_session("error", message_key="error.unexpected")
            return
        self._record_step(session, outcome)
        self._enter_step()

    def _record_step(self, session: Session, outcome: str) -> None:
        record = session.run.history[-1]

        def save() -> None:
            if session.case_no:
                self.ctx.store.record_step(session.case_no, record.step_id, record.step_type, record.outcome)

        self.ctx.tasks.run("db", save, on_error=lambda e: log.error("step not stored: %s", type(e).__name__))

    def _enter_step(self) -> None:
        """Show the current step and start what it does by itself (read a card, query, print)."""
        session = self._session
        if session is None:
            return
        step = session.run.current
        session.status = ""
        if step.type == "form" and session.form_step != step.id:
            session.form_step = step.id
            session.form_errors = {}
            session.active_field = ""
            session.form_values = {**views.form_defaults(step), **session.run.context.get("form", {})}
        if step.type == "rate":
            session.rating_level, session.rating_indicators, session.rating_comment = 0, [], ""
        if step.type == "finish":
            self._finish(session)
        if step.params.get("timeout") and "timeout" in step.on:
            # a step with its own time limit (e.g. reading a commitment) follows its timeout path
            step_id, entered = step.id, len(session.run.history)
            QTimer.singleShot(
                int(float(step.params["timeout"]) * 1000),
                lambda: self._guard(session, self._step_timed_out, session, step_id, entered),
            )
        self._render()
        if step.type == "identify":
            self._identify(session)
        elif step.type == "query":
            self._query(session)
        elif step.type == "print":
            self._print(session)

    def _identify(self, session: Session) -> None:
        identity = self._pending_identity
        if identity is None:
            session.status = "identify.prompt"
            return
        if not card_type_allowed(identity.card_type, session.run.current.params.get("accept")):
            self._pending_identity = None
            self._identify_failed(session, "refused", KEY_CARD_REFUSED)
            return
        if not assurance_met(identity, session.run.current.params.get("assurance")):
            self._pending_identity = None  # e.g. a social-security card no PSAM has authenticated
            self._identify_failed(session, "refused", NOT_AUTHENTICATED_KEY)
            return
        data = {
            **identity.public_dict(),
            "name": identity.name,
            "id_number": identity.id_number,
            "masked_name": display_text(identity.masked_name),
            "masked_id_number": identity.masked_id_number,
        }
        session.run.context["identity"] = data
        self.ctx.tasks.run(
            "db",
            lambda: (
                session.case_no
                and self.ctx.store.set_subject(
                    session.case_no, identity.id_number, identity.name, identity.card_type
                )
            ),
        )
        opener = getattr(self.ctx.query_service, "open_session", None)  # the back office's citizen session
        if opener is not None:
            self.ctx.tasks.run(
                "net",
                lambda: opener(identity.id_number, identity.card_type, session.case_no),
                on_error=lambda e: log.warning("citizen session not opened: %s", type(e).__name__),
            )
        self._advance("ok")

    def _step_timed_out(self, session: Session, step_id: str, entered: int) -> None:
        if session.run.current_id == step_id and len(session.run.history) == entered:
            self._advance("timeout")

    def _query(self, session: Session) -> None:
        step = session.run.current
        params = {k: render(v, session.run.context) for k, v in step.params.get("params", {}).items()}
        service = step.params["service"]
        session.status = "query.working"
        self.ctx.tasks.run(
            "net",
            lambda: self._ask(service, params, session.flow.offline),
            on_done=lambda result: self._guard(session, self._query_done, session, result),
            on_error=lambda error: self._guard(session, self._query_failed, session, error),
        )

    def _ask(self, service: str, params: dict[str, Any], allow_cached: bool) -> dict[str, Any]:
        """Runs on the network lane; a flow that works offline may be answered from cached data."""
        return self.ctx.query_service.query(service, params, allow_cached=allow_cached)

    def _query_done(self, session: Session, result: dict[str, Any]) -> None:
        self._advance("ok", result)

    def _query_failed(self, session: Session, error: BaseException) -> None:
        if isinstance(error, ServiceOffline):
            outcome = "offline"
        elif (
            isinstance(error, ServiceError)
            and error.key == services.E_NO_RECORD
            and "empty" in session.run.current.on
        ):
            outcome = "empty"
        else:
            outcome = "error"
        session.run.context["error"] = {"key": getattr(error, "key", services.E_FAILED)}
        self._advance(outcome)

    def _print(self, session: Session) -> None:
        step = session.run.current
        printer_class = step.params.get("printer", "receipt")
        printer = self.ctx.devices.get(printer_class)
        session.run.context["case"] = {
            "case_no": session.case_no or "",
            "time": datetime.now().strftime("%Y-%m-%d %H:%M"),
        }
        session.status = "print.printing"
        if printer is None:
            self._print_failed(session, DeviceError("no printer configured", key="error.device.no_device"))
            return
        context = copy.deepcopy(session.run.context)
        template, data_path = step.params["template"], step.params.get("data")

        def work():
            context["case"]["case_no"] = session.case_no or ""  # set by the db lane by now
            return self.ctx.printing.print_step(
                printer,
                printer_class,
                template,
                context,
                case_no=session.case_no or "",
                step_id=step.id,
                data_path=data_path,
            )

        self.ctx.tasks.run(
            printer_class,
            work,
            on_done=lambda _result: self._guard(session, self._advance, "ok"),
            on_error=lambda error: self._guard(session, self._print_failed, session, error),
        )

    def _print_failed(self, session: Session, error: BaseException) -> None:
        key = getattr(error, "key", "error.printer.generic")
        session.run.context["error"] = {"key": key}
        log.warning("print failed for case %s: %s", session.case_no, key)
        self._advance("error")

    def _finish(self, session: Session) -> None:
        session.run.context.setdefault("case", {})["case_no"] = session.case_no or ""
        self._close_case(session, "completed")
        self._done_timer.start()

    def _close_case(self, session: Session, outcome: str) -> None:
        if session.closed:
            return
        session.closed = True
        data = {"last_step": session.run.current_id}
        if session.signature:
            data["signature"] = session.signature

        def close() -> None:
            if session.case_no:
                self.ctx.store.close_case(session.case_no, outcome, data)
                self.ctx.outbox_changed()

        self.ctx.tasks.run("db", close, on_error=lambda e: log.error("case not closed: %s", type(e).__name__))
        self._close_citizen_session()

    def _close_citizen_session(self) -> None:
        """The back office's session for the citizen ends with the case (or when the citizen leaves)."""
        closer = getattr(self.ctx.query_service, "close_session", None)
        if closer is not None:
            self.ctx.tasks.run(
                "net", closer, on_error=lambda e: log.warning("session not closed: %s", type(e).__name__)
            )

    def _end_session(self, outcome: str | None, *, message_key: str = "", to: str = "attract") -> None:
        """Close the case (if any), wipe everything personal, and go home (or show a message first)."""
        session, self._session = self._session, None
        if session is not None and outcome is not None:
            self._close_case(session, outcome)
        elif session is not None:
            self._close_citizen_session()
        self._pending_identity = None
        self._done_timer.stop()
        self._inactivity.stop()
        self._tick.stop()
        self._set_countdown(-1)
        self._view = {}
        self._message_key = message_key
        if message_key:
            self._message = tr(message_key, self._lang)
            self.messageChanged.emit()
            self._set_screen("message")
            self._done_timer.start(6000)
        else:
            self._set_screen(to)
        if session is not None:
            session.run.context.clear()
            session.form_values.clear()

    def _fail(self, error: BaseException) -> None:
        key = getattr(error, "key", "error.unexpected")
        self._end_session("error", message_key=key if key.startswith("error.") else "error.unexpected")

    def _guard(self, session: Session, fn, *args) -> None:
        """Run a callback only if its session is still the current one."""
        if self._session is session:
            fn(*args)

    # -- timeouts --------------------------------------------------------------------------------
    def _on_inactive(self) -> None:
        if self._screen in ("attract",):
            return
        self._set_countdown(int(self.ctx.config.countdown_s))
        self._tick.start()

    def _on_tick(self) -> None:
        if self._countdown <= 1:
            self._tick.stop()
            self._set_countdown(-1)
            self._end_session("timeout")
            return
        self._set_countdown(self._countdown - 1)

    def _set_countdown(self, value: int) -> None:
        if value != self._countdown:
            self._countdown = value
            self.countdownChanged.emit()

    # -- rendering -------------------------------------------------------------------------------
    def _set_screen(self, screen: str) -> None:
        if screen == "attract":
            self._terminal_defaults()
            self._inactivity.stop()
        else:
            self._inactivity.start()
        if screen == "catalog":
            self._refresh_catalog()
        if screen != self._screen:
            self._screen = screen
            self.screenChanged.emit()

    def _terminal_defaults(self) -> None:
        """Every citizen starts clean: the terminal's language (and, in the QML, its keyboard locale)."""
        if self._lang != self.ctx.config.locale:
            self._lang = self.ctx.config.locale
            self.langChanged.emit()
            self._refresh_catalog()

    def _render(self) -> None:
        session = self._session
        if self._screen == "intro" and session is not None:
            self._view = views.intro_view(session.flow, self._lang)
        elif self._screen == "step" and session is not None:
            extra: dict[str, Any] = {"status": tr(session.status, self._lang) if session.status else ""}
            step = session.run.current
            if step.type == "form":
                extra["fields"] = views.form_fields(
                    step, session.run.context, session.form_values, self._lang
                )
                extra["errors"] = {k: self._field_error(step, k, v) for k, v in session.form_errors.items()}
                extra["activeField"] = session.active_field
            if step.type == "identify":
                takes_sscard = "sscard" in (step.params.get("accept") or [])
                extra["prompt"] = tr(
                    "identify.prompt_sscard" if takes_sscard else "identify.prompt", self._lang
                )
            if step.type == "commitment":
                extra["commitment"] = text(step.params.get("commitment"), self._lang)
                extra["needsSignature"] = bool(step.params.get("signature"))
            if step.type == "rate":
                subject = step.params.get("subject")
                if subject:
                    extra["subject"] = tr(
                        "rate.subject",
                        self._lang,
                        title=views.case_title(
                            render(subject.get("title", ""), session.run.context), self.ctx.flows, self._lang
                        ),
                    )
                extra["selectedLevel"] = session.rating_level
                extra["comment"] = session.rating_comment
                extra["selectedIndicators"] = list(session.rating_indicators)
            if step.type == "finish" and not self._online:
                extra["queued"] = tr("done.queued", self._lang)  # the case waits in the outbox
            if step.type == "notice" and session.run.context.get("error"):
                extra["detail"] = tr(session.run.context["error"]["key"], self._lang)
            self._view = views.step_view(session.run, self._lang, extra)
        else:
            return
        self.viewChanged.emit()

    def _refresh_catalog(self) -> None:
        flows = sorted(self.ctx.flows.values(), key=lambda f: (f.category, f.id))
        availability = {f.id: service_availability(f, self._device_states, self._online) for f in flows}
        self._catalog = views.catalog_view(flows, availability, self._lang)
        self.catalogChanged.emit()

    def flows_replaced(self) -> None:
        """A new flow bundle became active (only ever between sessions)."""
        self._refresh_catalog()

    @property
    def device_states(self) -> dict[str, DeviceStatus]:
        return self._device_states

    @property
    def pending_card_kind(self) -> str | None:
        """'idcard' or 'sscard' when a card was read before a service was chosen, else None."""
        identity = self._pending_identity
        if identity is None:
            return None
        return "sscard" if identity.card_type == "sscard" else "idcard"

    # -- for tests and the scripted demo --------------------------------------------------------
    @property
    def session(self) -> Session | None:
        return self._session
