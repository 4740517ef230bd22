"""The back office's revocation of this terminal, kept in the store so it outlives the kiosk process.

The sync client records it when the back office answers "revoked" and clears it at the next accepted
request; ``kiosk status``, ``kiosk selftest`` and the maintenance screen read it. The record names the
enrolment it was about by a fingerprint of the credentials, so a terminal re-provisioned with a new token
is not shown as revoked before its kiosk has run again.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from kiosk.sync.credentials import Credentials

STATE_KEY = "revoked"


def fingerprint(credentials: Credentials) -> str:
    """Which enrolment: a short hash of id and secret (never the secret itself)."""
    return hashlib.sha256(f"{credentials.terminal_id}\0{credentials.secret}".encode()).hexdigest()[:16]


def record(store: Any, credentials: Credentials) -> None:
    """The back office refused these credentials as revoked: remember it (the first time only)."""
    current = store.get_state(STATE_KEY)
    if isinstance(current, dict) and current.get("enrolment") == fingerprint(credentials):
        return
    store.set_state(
        STATE_KEY,
        {"terminal_id": credentials.terminal_id, "at": time.time(), "enrolment": fingerprint(credentials)},
    )


def clear(store: Any) -> None:
    """The back office accepted a request again (re-enrolled, or the revocation was undone)."""
    if store.get_state(STATE_KEY):
        store.set_state(STATE_KEY, None)


def applies(saved: Any, credentials: Credentials | None) -> dict[str, Any] | None:
    """The saved revocation if it is about these credentials (any, when they cannot be read)."""
    if not isinstance(saved, dict):
        return None
    if credentials is not None and saved.get("enrolment") != fingerprint(credentials):
        return None  # re-provisioned since: the new enrolment has not been refused
    return saved


def describe(saved: dict[str, Any]) -> str:
    """The problem line: what happened and the one fix."""
    at = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(saved.get("at") or 0)))
    return (
        f"REVOKED: the back office revoked terminal {saved.get('terminal_id')} (refused since {at}); "
        "re-provision it with a new token from the operator: kiosk provision --force --token NEW ..."
    )
