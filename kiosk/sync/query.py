"""HttpQueryService: the flows' :class:`flows.services.QueryService` over HTTP to the back office.

It raises :class:`flows.services.ServiceOffline` when the back office cannot be reached (the flow then
shows 'temporarily unavailable'), and :class:`flows.services.ServiceError` with the back office's key when
it refuses. Blocking: the UI calls it from its worker thread, never the Qt thread.

``allow_cached=True`` (the flow works offline): answers of services that hold no personal data
(``CACHEABLE``, e.g. the service guide) are kept in the store's reference data and answer when the back
office cannot. Answers about a person are never cached on the terminal.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Any, Protocol
from urllib.parse import quote

from flows.services import ServiceError, ServiceOffline
from kiosk.sync.transport import Refused, Revoked, Signer, Transport, TransportError, Unreachable
from wire import services

FAIL_FAST_SECONDS = 5.0
CACHEABLE = frozenset({"guide.services"})  # answers with no personal data in them  # right after a failure, answer 'offline' at once instead of waiting on a timeout


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
    def __init__(self, base_url: str, signer: Signer, *, store: ReferenceCache | None = None,
                 health: LinkHealth | None = None, timeout: tuple[float, float] = (3.05, 15.0)):
        self.base_url = base_url
        self.signer = signer
        self.store = store
        self.health = health
        self.timeout = timeout
        self._local = threading.local()  # one HTTP session per calling thread
        self._last_failure = 0.0

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
        try:
            answer = self._transport().call("POST", f"/api/v1/query/{quote(service, safe='.-_')}", params)
        except Revoked as exc:
            self._failed(exc)
            raise ServiceOffline("terminal revoked") from None
        except Unreachable as exc:
            self._failed(exc)
            raise ServiceOffline(str(exc)) from None
        except Refused as exc:
            if exc.status in (401, 403):  # our credentials or clock: not the citizen's fault
                self._failed(exc)
                raise ServiceOffline(str(exc)) from None
            raise ServiceError(exc.code if exc.code.startswith("error.") else services.E_FAILED,
                               str(exc)) from None
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
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    return f"query:{service}:{digest[:32]}"
