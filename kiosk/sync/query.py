"""HttpQueryService: the flows' :class:`flows.services.QueryService` over HTTP to the back office.

It raises :class:`flows.services.ServiceOffline` when the back office cannot be reached (the flow then
shows 'temporarily unavailable'), and :class:`flows.services.ServiceError` with the back office's key when
it refuses. Blocking: the UI calls it from its worker thread, never the Qt thread.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from flows.services import ServiceError, ServiceOffline
from kiosk.sync.transport import Refused, Revoked, Signer, Transport, Unreachable

if TYPE_CHECKING:
    from kiosk.sync.client import SyncClient

FAIL_FAST_SECONDS = 5.0  # right after a failure, answer 'offline' at once instead of waiting on a timeout


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

    def query(self, service: str, params: dict[str, Any]) -> dict[str, Any]:
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
