"""Reader events in a session: card first on the attract screen, the identify step, a card lifted early.

A mixin of :class:`kiosk.session.core.SessionCore` (its session, screens, advance and end); what a reader
event means for a step is decided by :mod:`kiosk.session.identify`.
"""

from __future__ import annotations

import logging
from typing import Any

from drivers.base import DeviceError
from drivers.events import CardPresented, CardReadFailed
from drivers.identity import Identity, display_text
from kiosk.session import outcomes
from kiosk.session.identify import identify_outcome
from kiosk.session.state import CoreParts, Session

log = logging.getLogger(__name__)

# Steps after which lifting the ID card is expected rather than a cancellation.
CARD_MAY_LEAVE = ("print", "rate", "finish")
CARD_GRACE_S = 3.0  # a lifted card may come back this long (personal data hidden meanwhile)


class CardEvents(CoreParts):
    """``card_presented``, ``card_removed``, ``card_failed`` and the identify step itself."""

    def card_presented(self, identity: Identity) -> None:
        session = self.session
        if session is not None and session.card_away:
            held = session.run.context.get("identity") or {}
            if identity.id_number == held.get("id_number"):
                session.card_away = False  # the same card came back within the grace period
                self.reader_card = identity
                self.on_change()
                return
            self.end(outcomes.CANCELLED, message_key="session.card_removed")
        self.reader_card = identity
        self.card_confirmed = False
        if self.screen in ("attract", "message") and self.session is None:
            self._show("step")  # card first: "已读取：*秀英", confirm, then the services that take it
            return
        if session is not None and self.screen == "step" and session.run.current.type == "identify":
            self._enter_step()

    def card_removed(self, reader: str) -> None:
        self.reader_card = None
        self.card_confirmed = False
        session = self.session
        if session is None:
            if self.screen == "step":  # the card-first confirm screen of a card now gone
                self._show("attract")
            return
        identity = session.run.context.get("identity")
        if (
            not identity
            or identity.get("source") != reader
            or self.screen != "step"
            or session.run.current.type in CARD_MAY_LEAVE
            or session.printing
        ):
            return
        session.card_away = True
        self.on_change()
        self.ports.timers.after(CARD_GRACE_S, lambda: self._grace_over(session), guard=session)

    def _grace_over(self, session: Session) -> None:
        if session is self.session and session.card_away:
            self.end(outcomes.CANCELLED, message_key="session.card_removed")

    def card_failed(self, error: DeviceError) -> None:
        session = self.session
        if session is not None and self.screen == "step" and session.run.current.type == "identify":
            step = session.run.current
            result = identify_outcome(
                CardReadFailed("", error), step.params.get("accept"), assurance=step.params.get("assurance")
            )
            assert result is not None  # a read failure always means something to an identify step
            self._identify_failed(
                session, result.outcome, result.key if result.key.startswith("error.") else "identify.failed"
            )

    def _identify_failed(self, session: Session, outcome: str, key: str) -> None:
        """A refused or unreadable card: follow the flow's own path for it, or ask for another card here."""
        step = session.run.current
        if step.on.get(outcome) not in (None, step.id):
            session.run.context["error"] = {"key": key}
            self.advance(outcome)
            return
        session.status = key
        self.on_change()

    def _identify(self, session: Session) -> None:
        identity = self.reader_card
        step = session.run.current
        if identity is None:
            session.status = "identify.prompt"
            return
        result = identify_outcome_for(identity, step.params)
        if result.outcome != "ok":
            self._identify_failed(session, result.outcome, result.key)
            return
        data = {
            **identity.public_dict(),
            "name": identity.name,
            "id_number": identity.id_number,
            "masked_name": display_text(identity.masked_name),
            "masked_id_number": identity.masked_id_number,
        }
        session.run.context["identity"] = data

        def subject() -> None:
            if session.case_no:
                self.ports.store.set_subject(
                    session.case_no, identity.id_number, identity.name, identity.card_type
                )

        self.ports.lanes.run("db", subject)
        opener = self.ports.open_session  # the back office's session for this citizen
        if opener is not None:
            self.ports.lanes.run(
                "net",
                lambda: opener(identity.id_number, identity.card_type, session.case_no),
                on_error=lambda e: log.warning("citizen session not opened: %s", type(e).__name__),
            )
        self.advance("ok")


def identify_outcome_for(identity: Identity, params: dict[str, Any]) -> Any:
    """The identify step's verdict on a card on the reader (accepted type, assurance)."""
    return identify_outcome(
        CardPresented("", identity), params.get("accept"), assurance=params.get("assurance")
    )


def identify_outcome_ok(identity: Identity, params: dict[str, Any]) -> bool:
    return identify_outcome_for(identity, params).outcome == "ok"
