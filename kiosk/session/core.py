"""The citizen's session without Qt: runs the flow, performs each step type, decides the case's outcome.

Everything the session touches comes through small ports (:class:`Ports`): the store, the query
service, the print service, the clock, lanes that run blocking work off the caller's thread and
timers. The Qt controller (:mod:`kiosk.ui.controller`) plugs in the TaskRunner lanes and QTimers; the
tests and the scripted citizen plug in synchronous ones — both run this same code, so what the tests
walk is what a citizen gets.

The core owns the session lifecycle: which screen is up (attract, catalog, intro, step, message),
the card on the reader (card first: read on the attract screen, confirmed once, offered to the next
service), the grace period of a lifted card, and the outcome the case is closed with
(:mod:`kiosk.session.outcomes`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from drivers.base import DeviceStatus
from drivers.identity import Identity
from flows.engine import FlowError, FlowRun
from flows.model import Flow
from flows.services import ServiceError, ServiceOffline
from flows.templating import render
from kiosk.availability import service_availability
from kiosk.session import outcomes
from kiosk.session.cards import CARD_GRACE_S, CARD_MAY_LEAVE, CardEvents, identify_outcome_ok
from kiosk.session.input import StepInput, form_defaults
from kiosk.session.printing import PrintStep
from kiosk.session.state import Lanes, Ports, Session, Timers
from wire import services

__all__ = ["CARD_GRACE_S", "CARD_MAY_LEAVE", "Lanes", "Ports", "Session", "SessionCore", "Timers"]

log = logging.getLogger(__name__)

AUTO_STEPS = ("identify", "query", "print")
DONE_S = 12.0  # the end screen stays this long
MESSAGE_S = 6.0


class SessionCore(CardEvents, StepInput, PrintStep):
    """One terminal's sessions, one at a time. ``on_change`` is called after every change of state."""

    def __init__(self, flows: dict[str, Flow], ports: Ports, on_change: Callable[[], None] = lambda: None):
        self.flows = flows
        self.lang = "zh_CN"  # the citizen's language, set by the UI: flows may ask services in it (${lang})
        self.ports = ports
        self.on_change = on_change
        self.screen = "attract"
        self.session: Session | None = None
        self.message_key = ""
        self.reader_card: Identity | None = None  # the card lying on a reader now
        self.card_confirmed = False  # card first: the citizen confirmed the card on the reader
        self.device_states: dict[str, DeviceStatus] = {}
        self.online = False
        self.paused_services: frozenset[str] = frozenset()  # the console's (controller.apply_settings)
        self._generation = 0  # bumps at each end, so timers of an ended screen do nothing

    # -- screens ------------------------------------------------------------------------------------
    def _show(self, screen: str) -> None:
        if self.screen == "message":
            self._generation += 1  # leaving a message: its timer must not send the next screen home
        self.screen = screen
        self.on_change()

    def tap_start(self, _value: Any = None) -> None:
        self._show("catalog")

    def tap_dismiss(self, _value: Any = None) -> None:
        self._show("attract")

    def available(self, flow: Flow) -> tuple[bool, str]:
        return service_availability(flow, self.device_states, self.online, self.paused_services)

    def offers(self, flow: Flow) -> bool:
        """Whether the catalog offers this service now: with a confirmed card, only those that take it."""
        if not self.card_confirmed or self.reader_card is None:
            return True
        step = next((s for s in flow.steps.values() if s.type == "identify"), None)
        if step is None:
            return flow.identity == "none"
        return identify_outcome_ok(self.reader_card, step.params)

    def set_lang(self, lang: str) -> None:
        """The citizen's language (the UI's toggle): a flow asks services in it with ``${lang}``."""
        self.lang = lang
        if self.session is not None:
            self.session.run.context["lang"] = lang

    def tap_service(self, flow_id: Any) -> None:
        flow = self.flows.get(str(flow_id))
        if flow is None or not self.available(flow)[0] or not self.offers(flow):
            return
        self.session = Session(flow=flow, run=FlowRun(flow))
        if self.card_confirmed and self.reader_card is not None:
            self.tap_begin()  # card first: the notice was about bringing the card, which is here
            return
        self._show("intro")

    def tap_begin(self, _value: Any = None) -> None:
        session = self.session
        if session is None:
            return
        flow = session.flow

        def open_case() -> None:
            session.case_no = self.ports.store.open_case(flow.id, flow.item_code, flow.version)

        # a visit that is not a 办件 (the service guide) opens no case: nothing stored, counted or reported,
        # and with no case number its steps and end are not recorded either
        if flow.opens_case:
            self.ports.lanes.run("db", open_case, on_error=self._open_failed, guard=session)
        session.run.context["terminal"] = dict(self.ports.terminal)
        session.run.context["lang"] = self.lang
        self.screen = "step"
        self._enter_step()

    def _open_failed(self, error: BaseException) -> None:
        key = getattr(error, "key", "error.unexpected")
        self.end(
            outcomes.FAILED,
            reason=outcomes.TERMINAL,
            message_key=key if key.startswith("error.") else "error.unexpected",
        )

    def tap_back(self, _value: Any = None) -> None:
        session = self.session
        if self.screen == "catalog" or (self.screen == "step" and session is None):
            self.card_confirmed = False
            self._show("attract")
            return
        if session is None:
            return
        if self.screen == "intro":
            self.end(None, to="catalog")
            return
        if not session.run.can_go_back:
            return
        session.run.back()
        # steps that run by themselves (a query, a print) are stepped over, or Back would re-run them
        while session.run.current.type in ("query", "print") and session.run.can_go_back:
            session.run.back()
        self._record_step(session, "back")
        self._enter_step()

    def tap_confirm(self, _value: Any = None) -> None:
        if self.session is None and self.reader_card is not None and self.screen == "step":
            self.card_confirmed = True  # card first: now the services that take this card
            self._show("catalog")
            return
        self.advance("ok")

    def tap_continue(self, _value: Any = None) -> None:
        self.advance("ok")

    def tap_not_me(self, _value: Any = None) -> None:
        if self.session is None:
            self.card_confirmed = False
            self._show("attract")
            return
        self.end(outcomes.DECLINED)

    def tap_home(self, _value: Any = None) -> None:
        self.end(outcomes.CANCELLED)

    def tap_retry(self, _value: Any = None) -> None:
        """A failed print's end screen: print again once the printer is back (same job key: never twice)."""
        session = self.session
        step_id = self.retry_step()
        if session is None or not step_id:
            return
        session.closed, session.outcome, session.reason, session.failure = False, "", "", ""
        session.run.finished = False
        session.run.current_id = step_id
        self._record_step_raw(session, step_id, "print", "retry")
        self._enter_step()

    def retry_step(self) -> str:
        """The print step a failed case can retry, if its printer is usable again ('' if none)."""
        session = self.session
        if session is None or session.outcome != outcomes.FAILED or session.reason != outcomes.PRINTER:
            return ""
        step = next((r for r in reversed(session.run.history) if r.step_type == "print"), None)
        if step is None:
            return ""
        printer = session.flow.step(step.step_id).params.get("printer", "receipt")
        state = self.device_states.get(printer)
        return step.step_id if state is not None and state.state.usable else ""

    # -- the flow -----------------------------------------------------------------------------------
    def advance(self, outcome: str, data: dict[str, Any] | None = None) -> None:
        session = self.session
        if session is None or session.run.finished:
            return
        try:
            session.run.advance(outcome, data)
        except FlowError:
            log.exception("flow %s cannot continue from %s", session.flow.id, session.run.current_id)
            self.end(outcomes.FAILED, reason=outcomes.TERMINAL, message_key="error.unexpected")
            return
        self._record_step(session, outcome)
        self._enter_step()

    def _record_step(self, session: Session, outcome: str) -> None:
        record = session.run.history[-1]
        self._record_step_raw(session, record.step_id, record.step_type, record.outcome)

    def _record_step_raw(self, session: Session, step_id: str, step_type: str, outcome: str) -> None:
        def save() -> None:
            if session.case_no:
                self.ports.store.record_step(session.case_no, step_id, step_type, outcome)

        self.ports.lanes.run(
            "db", save, on_error=lambda e: log.error("step not stored: %s", type(e).__name__)
        )

    def _enter_step(self) -> None:
        """Show the current step and start what it does by itself (read a card, query, print)."""
        session = self.session
        if session is None:
            return
        step = session.run.current
        session.status = ""
        if step.type == "form" and session.form_step != step.id:
            session.form_step, session.form_errors, session.active_field = step.id, {}, ""
            session.form_values = {**form_defaults(step), **session.run.context.get("form", {})}
        if step.type == "rate":
            session.reset_rating()
        if step.type == "finish":
            self._finish(session)
        if step.type == "confirm_identity" and self.card_confirmed and session.run.context.get("identity"):
            self.advance("ok")  # card first: confirmed on the card screen already
            return
        if step.params.get("timeout") and "timeout" in step.on:
            # a step with its own time limit (e.g. reading a commitment) follows its timeout path
            step_id, entered = step.id, len(session.run.history)
            self.ports.timers.after(
                float(step.params["timeout"]),
                lambda: self._step_timed_out(session, step_id, entered),
                guard=session,
            )
        self.screen = "step"
        self.on_change()
        if step.type == "identify":
            self._identify(session)
        elif step.type == "query":
            self._query(session)
        elif step.type == "print":
            self._print(session)

    def _step_timed_out(self, session: Session, step_id: str, entered: int) -> None:
        if (
            session is self.session
            and session.run.current_id == step_id
            and len(session.run.history) == entered
        ):
            self.advance("timeout")

    def _query(self, session: Session) -> None:
        step = session.run.current
        params = {k: render(v, session.run.context) for k, v in step.params.get("params", {}).items()}
        service, offline = step.params["service"], session.flow.offline
        session.status = "query.working"
        self.ports.lanes.run(
            "net",
            lambda: self.ports.query(service, params, offline),
            on_done=lambda result: self.advance("ok", result),
            on_error=lambda error: self._query_failed(session, error),
            guard=session,
        )

    def _query_failed(self, session: Session, error: BaseException) -> None:
        if isinstance(error, ServiceOffline):
            outcome, session.failure = "offline", outcomes.NETWORK
        elif (
            isinstance(error, ServiceError)
            and error.key == services.E_NO_RECORD
            and "empty" in session.run.current.on
        ):
            outcome = "empty"
        else:
            outcome, session.failure = "error", outcomes.SERVICE
        session.run.context["error"] = {"key": getattr(error, "key", services.E_FAILED)}
        self.advance(outcome)

    def _finish(self, session: Session) -> None:
        step = session.run.current
        session.run.context.setdefault("case", {})["case_no"] = session.case_no or ""
        outcome = step.params.get("outcome") or outcomes.COMPLETED
        reason = (
            (step.params.get("reason") or session.failure or outcomes.SERVICE)
            if outcome == outcomes.FAILED
            else ""
        )
        if outcome == outcomes.FAILED and session.failure:
            reason = session.failure  # what actually failed (a network error routed to the service's end)
        if reason == outcomes.PRINTER:
            session.outcome, session.reason = outcome, reason  # closed on leaving: a retry may still print
        else:
            self._close_case(session, outcome, reason)
        self.ports.timers.after(DONE_S, self._unless_moved_on(lambda: self.end(None)), guard=session)

    def _unless_moved_on(self, fn: Callable[[], None]) -> Callable[[], None]:
        """``fn`` for a timer, done only if no session ended or began since it was set."""
        generation = self._generation

        def fire() -> None:
            if self._generation == generation:
                fn()

        return fire

    def _close_case(self, session: Session, outcome: str, reason: str = "") -> None:
        if session.closed:
            return
        session.closed, session.outcome, session.reason = True, outcome, reason
        data: dict[str, Any] = {"last_step": session.run.current_id}
        if reason:
            data["reason"] = reason
        if session.signature:
            data["signature"] = session.signature

        def close() -> None:
            if session.case_no:
                self.ports.store.close_case(session.case_no, outcome, data)
                self.ports.outbox_changed()

        self.ports.lanes.run(
            "db", close, on_error=lambda e: log.error("case not closed: %s", type(e).__name__)
        )
        self._close_citizen_session()

    def _close_citizen_session(self) -> None:
        """The back office's session for the citizen ends with the case (or when the citizen leaves)."""
        closer = self.ports.close_session
        if closer is not None:
            self.ports.lanes.run(
                "net", closer, on_error=lambda e: log.warning("session not closed: %s", type(e).__name__)
            )

    def end(
        self, outcome: str | None, *, reason: str = "", message_key: str = "", to: str = "attract"
    ) -> None:
        """End the session: close the case with its true outcome, wipe everything personal, go home (or show
        a message first). ``outcome`` is what ended it (cancelled, abandoned, declined, failed); None for
        leaving an intro or an end screen."""
        session, self.session = self.session, None
        self._generation += 1
        if session is not None and outcome is None and not session.outcome:
            self._close_citizen_session()
        if session is not None and not session.closed and session.outcome:
            self._close_case(
                session, session.outcome, session.reason
            )  # left the end screen of a failed print
        elif session is not None and not session.closed and outcome is not None:
            if session.printing:
                session.end_requested = (
                    outcome  # closed when the printer answers: the outcome follows the paper
                )
            elif outcome == outcomes.FAILED:
                self._close_case(session, outcome, reason or outcomes.TERMINAL)
            else:
                self._close_case(session, outcomes.ended_early(outcome, session.delivered))
        if session is not None and session.run.context.get("identity"):
            self.card_confirmed = False  # the next citizen confirms again
        if session is not None and not session.printing:
            session.run.context.clear()
            session.form_values.clear()
        self.message_key = message_key
        if message_key:
            self.screen = "message"
            self.ports.timers.after(MESSAGE_S, self._unless_moved_on(lambda: self._show("attract")))
        else:
            self.screen = to
        self.on_change()
