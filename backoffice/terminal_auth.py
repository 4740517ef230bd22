"""Terminal authentication: every terminal request is signed (``wire.signing``).

Checked in this order: the four headers are there, the timestamp is within the window, the terminal is
known, the signature matches, the terminal is active, the nonce is new. ``Signed`` is the route
dependency that yields the authenticated terminal.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from backoffice.errors import ApiError
from backoffice.models import Terminal
from backoffice.state import Backoffice
from wire import signing


def authenticate(bo: Backoffice, method: str, path: str, headers: Any, body: bytes) -> Terminal:
    terminal_id = headers.get(signing.H_TERMINAL)
    timestamp = headers.get(signing.H_TIMESTAMP)
    nonce = headers.get(signing.H_NONCE)
    signature = headers.get(signing.H_SIGNATURE)
    if not (terminal_id and timestamp and nonce and signature):
        raise ApiError(401, signing.E_MISSING, "signed request headers missing")
    now = bo.clock()
    try:
        stamp = float(timestamp)
    except ValueError:
        raise ApiError(401, signing.E_SIGNATURE, "bad timestamp") from None
    if abs(now - stamp) > signing.WINDOW:
        raise ApiError(401, signing.E_CLOCK, "timestamp outside the window", server_time=now)
    terminal = bo.terminal(terminal_id[:64])
    if terminal is None:
        raise ApiError(401, signing.E_UNKNOWN, "unknown terminal")
    if not signing.verify(terminal.secret, method, path, timestamp, nonce, body, signature):
        raise ApiError(401, signing.E_SIGNATURE, "bad signature")
    if terminal.status != "active":
        raise ApiError(403, signing.E_REVOKED, "terminal revoked")
    if not bo.nonces.add(terminal.id, nonce[:64], now):
        raise ApiError(401, signing.E_REPLAY, "nonce already used")
    return terminal


async def signed_terminal(request: Request) -> Terminal:
    """Dependency: the terminal whose signature this request carries (see wire.signing)."""
    bo: Backoffice = request.app.state.backoffice
    body = await request.body()
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return await run_in_threadpool(authenticate, bo, request.method, path, request.headers, body)


Signed = Annotated[Terminal, Depends(signed_terminal)]

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {401: {"description": "not authenticated"},
                                                403: {"description": "revoked"}}
