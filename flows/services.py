"""What the flow engine's ``query`` step may call: named back-office services.

A flow names a service (``si.contributions``); the terminal supplies an
implementation of :class:`QueryService` — over HTTP to the back office when
online, from cached or demo data where the flow allows offline use. The engine
never runs anything else.
"""

from __future__ import annotations

from typing import Any, Protocol

from wire.services import E_FAILED, E_OFFLINE


class ServiceError(Exception):
    """The back office answered but refused or failed; ``key`` is what the citizen is told."""

    def __init__(self, key: str = E_FAILED, detail: str = ""):
        super().__init__(detail or key)
        self.key = key
        self.detail = detail


class ServiceOffline(ServiceError):
    """The back office cannot be reached now."""

    def __init__(self, detail: str = ""):
        super().__init__(E_OFFLINE, detail)


class QueryService(Protocol):
    def query(self, service: str, params: dict[str, Any], *, allow_cached: bool = False) -> dict[str, Any]:
        """Blocking call; raise :class:`ServiceOffline` or :class:`ServiceError`. ``allow_cached``: the flow
        works offline, so cached data may answer when the back office cannot."""
        ...

    @property
    def online(self) -> bool: ...
