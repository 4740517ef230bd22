"""How far the terminal can trust an identity, and whether a flow's identify step may take it.

An ID card is read through the SAM, which authenticates the card's chip itself (status ``32``
otherwise): its identity is *authenticated*. A social-security card is authenticated only after
card authentication with the terminal's PSAM (drivers/sscard/psam.py); without a PSAM its data is
whatever the card answered — a programmable card can answer with anyone's number — so it is
*unauthenticated*. An identify step declares what it needs (``assurance: authenticated``, the
default, or ``any`` for a service that shows no personal data).
"""

from __future__ import annotations

from typing import Any

ASSURANCE_AUTHENTICATED = "authenticated"
ASSURANCE_UNAUTHENTICATED = "unauthenticated"
ASSURANCE_ANY = "any"
REQUIRED_LEVELS = (ASSURANCE_AUTHENTICATED, ASSURANCE_ANY)
DEFAULT_REQUIRED = ASSURANCE_AUTHENTICATED  # fail closed: a flow must say it can do with less
NOT_AUTHENTICATED_KEY = "identity.card_not_authenticated"


def assurance_of(identity: Any) -> str:
    """``authenticated`` for ID cards and PSAM-authenticated social-security cards, else ``unauthenticated``."""
    if getattr(identity, "source", "") == "idcard":
        return ASSURANCE_AUTHENTICATED
    extra = getattr(identity, "extra", None) or {}
    return (
        ASSURANCE_AUTHENTICATED
        if extra.get("assurance") == ASSURANCE_AUTHENTICATED
        else ASSURANCE_UNAUTHENTICATED
    )


def assurance_met(identity: Any, required: str | None) -> bool:
    """Whether ``identity`` is trusted enough for a step that requires ``required`` (None: the default)."""
    if (required or DEFAULT_REQUIRED) == ASSURANCE_ANY:
        return True
    return assurance_of(identity) == ASSURANCE_AUTHENTICATED
