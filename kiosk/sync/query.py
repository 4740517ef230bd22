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
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from flows.services import ServiceError, ServiceOffline
from kiosk.sync.transport import Refused, Revoked, Signer, Transport, Unreachable

if TYPE_CHECKING:
    from kiosk.sync.client import SyncClient

FAIL_FAST_SECONDS = 5.0
CACHEABLE = frozenset({"guide.services"})  # answers with no personal data in them  # right after a failure, answer 'offline' at once instead of waiting on a timeout


class HttpQueryService:
    def __init__(self, base_url: str, signer: Signer, client: SyncClient | None = None, *,
                 timeout: tuple[float, float] = (3.05, 15.0)):
        self.base_url = base_url
        self.signer = signer
        self.client = client
        self.timeout = timeout
        self._local = threading.local()  # one HTTP session per calling thread
        self._last_failure = 0.0

    @property
    def online(self) -> bool:
        if self.client is not None:
            return self.client.online
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
        if service in CACHEABLE and self.client is not None:
            self.client.store.put_reference(_cache_key(service, params), answer)
        return answer

    def _cached(self, service: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if service not in CACHEABLE or self.client is None:
            return None
        return self.client.store.get_reference(_cache_key(service, params))

    def _query(self, service: str, params: dict[str, Any]) -> dict[str, Any]:
        if self.client is not None and self.client.status.revoked:
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
            raise ServiceError(exc.code if exc.code.startswith("error.") else "error.service.failed",
                               str(exc)) from None
        if not isinstance(answer, dict):
            raise ServiceOffline("answer not understood")
        if self.client is not None:
            self.client.report_success()
        return answer

    def _failed(self, exc: Exception) -> None:
        self._last_failure = time.monotonic()
        if self.client is not None:
            self.client.report_failure(exc)  # type: ignore[arg-type]
            self.client.wake()


def _cache_key(service: str, params: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    return f"query:{service}:{digest[:32]}"
