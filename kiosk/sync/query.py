"""HttpQueryService: the flows' :class:`flows.services.QueryService` over HTTP to the back office.

It raises :class:`flows.services.ServiceOffline` when the back office cannot be reached (the flow then
shows 'temporarily unavailable'), and :class:`flows.services.ServiceError` with the back office's key when
it refuses. Blocking: the UI calls it from its worker thread, never the Qt thread.

``allow_cached=True`` (the flow works offline): answers of services that hold no personal data
(``CACHEABLE``, e.g. the service guide) are kept in the store's reference data and answer when the back
office cannot. Answers about a person are never cached on the terminal.

Citizen sessions: the back office answers a personal service (``wire.services.PERSONAL_SERVICES``) only
inside a session for that person at this terminal. ``open_session`` is called when the identify step
accepts a card (subject, card type, case), ``close_session`` when the case ends; a personal query carries
the token in ``X-Kiosk-Session``. A personal query for a subject with no session opens one first (the
card was read, or the flow would not have the ID number), so callers that skip the hook still work.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from typing import Any, Protocol
from urllib.parse import quote

from flows.services import ServiceError, ServiceOffline
from kiosk.sync.transport import Refused, Revoked, Signer, Transport, TransportError, Unreachable
from wire import services, signing

FAIL_FAST_SECONDS = 5.0
CACHEABLE = frozenset(
    {"guide.services"}
)  # answers with no personal data in them  # right after a failure, answer 'offline' at once instead of waiting on a timeout


class LinkHealth(Protocol):
    """What the query service tells, and asks, the link it shares with the sync client.

    Injected (the sync client hands one in) so this module never reaches back through the client: the
    link is up or not, the terminal is revoked or not, and a query's success or failure moves the link's
    state and backoff like any sync request's would.
    """

    @property
    def online(self) -> bool: ...

    @property
    def revoked(self) -> bool: ...

    def succeeded(self) -> None: ...

    def failed(self, exc: TransportError) -> None: ...


class ReferenceCache(Protocol):
    """Where answers without personal data are kept for offline use (``offline_cache.store.Store``)."""

    def put_reference(self, key: str, value: Any) -> None: ...

    def get_reference(self, key: str) -> Any: ...


class HttpQueryService:
    def __init__(
        self,
        base_url: str,
        signer: Signer,
        *,
        store: ReferenceCache | None = None,
        health: LinkHealth | None = None,
        timeout: tuple[float, float] = (3.05, 15.0),
    ):
        self.base_url = base_url
        self.signer = signer
        self.store = store
        self.health = health
        self.timeout = timeout
        self._local = threading.local()  # one HTTP session per calling thread
        self._last_failure = 0.0
        self._citizen_lock = threading.Lock()
        self._citizen: tuple[str, str] | None = (
            None  # (ID number, session token) of the citizen at the terminal
        )

    # -- the citizen's session -------------------------------------------------------------------------
    def open_session(self, id_number: str, card_type: str = "resident", case_no: str | None = None) -> str:
        """Open the back office's session for the citizen just identified; its token (kept for the
        queries). Raises ServiceOffline / ServiceError like a query."""
        self.close_session()
        payload = {
            "id_number": id_number,
            "card_type": card_type or "resident",
            **({"case_no": case_no} if case_no else {}),
        }
        token = str(self._call("POST", "/api/v1/sessions", payload)["session"])
        with self._citizen_lock:
            self._citizen = (id_number.upper(), token)
        return token

    def close_session(self) -> None:
        """End the citizen's session (the case ended): the token stops working at once. Best effort: an
        unreachable back office lets it expire by itself."""
        with self._citizen_lock:
            citizen, self._citizen = self._citizen, None
        if citizen is None:
            return
        with contextlib.suppress(TransportError):
            self._transport().call("POST", "/api/v1/sessions/close", {"session": citizen[1]})

    @property
    def session_token(self) -> str | None:
        """The current citizen's session token (a submission queued offline carries it)."""
        with self._citizen_lock:
            return self._citizen[1] if self._citizen else None

    def _session_for(self, params: dict[str, Any]) -> str:
        id_number = params.get("id_number")
        if not isinstance(id_number, str) or not id_number:
            raise ServiceError(services.E_BAD_REQUEST, "no id_number for a personal service")
        with self._citizen_lock:
            citizen = self._citizen
        if citizen is not None and citizen[0] == id_number.upper():
            return citizen[1]
        return self.open_session(id_number, "resident")

    @property
    def online(self) -> bool:
        if self.health is not None:
            return self.health.online
        return time.monotonic() - self._last_failure > FAIL_FAST_SECONDS

    def _transport(self) -> Transport:
        transport = getattr(self._local, "transport", None)
        if transport is None:
            transport = self._local.transport = Transport(self.base_url, self.signer, timeout=self.timeout)
        return transport

    def query(self, service: str, params: dict[str, Any], *, allow_cached: bool = False) -> dict[str, Any]:
        try:
            answer = self._query(service, params)
        except ServiceOffline:
            cached = self._cached(service, params) if allow_cached else None
            if cached is None:
                raise
            return {**cached, "cached": True}
        if service in CACHEABLE and self.store is not None:
            self.store.put_reference(_cache_key(service, params), answer)
        return answer

    def _cached(self, service: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if service not in CACHEABLE or self.store is None:
            return None
        return self.store.get_reference(_cache_key(service, params))

    def _query(self, service: str, params: dict[str, Any]) -> dict[str, Any]:
        if self.health is not None and self.health.revoked:
            raise ServiceOffline("terminal revoked")
        if not self.online and time.monotonic() - self._last_failure < FAIL_FAST_SECONDS:
            raise ServiceOffline("back office unreachable")
        headers = (
            {signing.H_SESSION: self._session_for(params)} if service in services.PERSONAL_SERVICES else None
        )
        return self._call("POST", f"/api/v1/query/{quote(service, safe='.-_')}", params, headers)

    def _call(
        self, method: str, path: str, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        if self.health is not None and self.health.revoked:
            raise ServiceOffline("terminal revoked")
        try:
            answer = self._transport().call(method, path, payload, headers=headers)
        except Revoked as exc:
            self._failed(exc)
            raise ServiceOffline("terminal revoked") from None
        except Unreachable as exc:
            self._failed(exc)
            raise ServiceOffline(str(exc)) from None
        except Refused as exc:
            if exc.status in (401, 403) and not exc.code.startswith("error."):  # our credentials or clock
                self._failed(exc)
                raise ServiceOffline(str(exc)) from None
            raise ServiceError(
                exc.code if exc.code.startswith("error.") else services.E_FAILED, str(exc)
            ) from None
        if not isinstance(answer, dict):
            raise ServiceOffline("answer not understood")
        if self.health is not None:
            self.health.succeeded()
        return answer

    def _failed(self, exc: TransportError) -> None:
        self._last_failure = time.monotonic()
        if self.health is not None:
            self.health.failed(exc)


def _cache_key(service: str, params: dict[str, Any]) -> str:
    digest = hashlib.sha256(
        json.dumps(params, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()
    return f"query:{service}:{digest[:32]}"
