"""The identify step's reading of reader events: which card a flow takes, refusals, early removal.

Flow logic, so it lives where steps run (the kiosk), not in ``drivers/``: a reader reports what it saw
(:mod:`drivers.events`), and this module decides what that means for the step. Qt-free, so the UI
controller and the tests share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drivers.assurance import NOT_AUTHENTICATED_KEY, assurance_met
from drivers.events import CardPresented, CardReadFailed, CardRemoved
from drivers.identity import Identity

# Outcomes of a flow's identify step (flows.model.STEP_OUTCOMES['identify']).
OUTCOME_OK, OUTCOME_REFUSED, OUTCOME_ERROR, OUTCOME_REMOVED = "ok", "refused", "error", "removed"
# Read failures that are the card's nature, not a fault: the citizen should use another card.
REFUSAL_KEYS = frozenset(
    {
        "error.sscard.needs_psam",
        "error.sscard.not_sscard",
        "error.idcard.unsupported_card",
        "error.sscard.not_genuine",
    }
)
# The one text key for "this flow does not take this kind of card" (assets/i18n/*.json).
KEY_CARD_REFUSED = "identify.refused"


def card_type_allowed(card_type: str, allowed: list[str] | tuple[str, ...] | set[str] | None) -> bool:
    """Whether a flow that accepts ``allowed`` card types (None or empty: any) takes this card."""
    return not allowed or card_type in allowed


@dataclass(frozen=True, repr=False)
class IdentifyOutcome:
    """What a reader event means for an identify step: an outcome, the identity (if ok) and a text key."""

    outcome: str
    identity: Identity | None = None
    key: str = ""

    def __repr__(self) -> str:  # never the identity itself
        return f"IdentifyOutcome({self.outcome}, {self.key or '-'})"


def identify_outcome(
    event: Any,
    accept: list[str] | tuple[str, ...] | set[str] | None,
    identified: bool = False,
    assurance: str | None = None,
) -> IdentifyOutcome | None:
    """Map a reader event (drivers.events) to an identify-step outcome; None if it means nothing here.

    ``accept`` lists the card types the flow allows (None: any). ``identified`` says whether this
    session already holds an identity: a removal then ends the session ('removed'), as a card
    lifted early must. ``assurance`` is what the step requires (:mod:`drivers.assurance`; None: authenticated):
    a social-security card the terminal could not authenticate with its PSAM is refused where that matters.
    """
    if isinstance(event, CardPresented):
        if not card_type_allowed(event.identity.card_type, accept):
            return IdentifyOutcome(OUTCOME_REFUSED, None, KEY_CARD_REFUSED)
        if not assurance_met(event.identity, assurance):
            return IdentifyOutcome(OUTCOME_REFUSED, None, NOT_AUTHENTICATED_KEY)
        return IdentifyOutcome(OUTCOME_OK, event.identity)
    if isinstance(event, CardReadFailed):
        key = getattr(event.error, "key", "error.device.generic")
        return IdentifyOutcome(OUTCOME_REFUSED if key in REFUSAL_KEYS else OUTCOME_ERROR, None, key)
    if isinstance(event, CardRemoved) and identified:
        return IdentifyOutcome(OUTCOME_REMOVED, None, "identity.card_lifted_session_ended")
    return None
