"""Terminal authentication and the request guard, before any handler sees a request.

``RequestGuard`` is a pure ASGI middleware, so nothing is parsed before it has decided:

1. the body limit (a bundle upload's is larger) — ``Content-Length`` is checked first, then the bytes are counted as they arrive, and
   a request over the limit is answered 413 without reading the rest (``wire.limits``);
2. for a terminal route, the signature headers — all four present, an integer timestamp within the
   window, a known and active terminal — before the body is read at all;
3. then the signature over the body read, and the nonce (``state.NonceStore``, shared by every process).

The cost of a signed request is kept to one database statement, the nonce's INSERT: the terminal and
its opened secret come from ``backoffice.terminal_cache`` (revocations still reach every process within
half a second), the header checks and the HMAC run on the event loop (microseconds), and only the
database work goes to a worker thread — the terminal's row when it is not cached, then the nonce.

The route dependency ``Signed`` yields the terminal the guard authenticated.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from backoffice.errors import ApiError
from backoffice.models import Terminal
from backoffice.state import Backoffice
from backoffice.terminal_cache import Credentials
from wire import signing
from wire.commands import SCREENSHOT_PATH
from wire.limits import (
    MAX_BUNDLE_FORM_BYTES,
    MAX_BUNDLE_UPLOAD_BYTES,
    MAX_REQUEST_BYTES,
    MAX_SCREENSHOT_BYTES,
)

UNSIGNED_PATHS = frozenset({f"{signing.API}/health", f"{signing.API}/enrol"})
HEARTBEAT_PATH = f"{signing.API}/heartbeat"
OPERATOR_PREFIX = f"{signing.API}/operator"
PHONE_RATING_PREFIX = (
    f"{signing.API}/rate/"  # a citizen's phone: the case's code, not a signature (rate_later)
)
TIMESTAMP_DIGITS = 12
STATE_KEY = "kiosk_terminal"


def needs_signature(path: str) -> bool:
    return (
        path.startswith(signing.API + "/")
        and path not in UNSIGNED_PATHS
        and not path.startswith(OPERATOR_PREFIX)
        and not path.startswith(PHONE_RATING_PREFIX)
    )


CONSOLE_BUNDLE_UPLOAD = "/console/updates/upload"  # the console's upload form (backoffice.console.updates)


def body_limit(path: str) -> int:
    if path.startswith(SCREENSHOT_PATH + "/"):
        return MAX_SCREENSHOT_BYTES
    if path == f"{OPERATOR_PREFIX}/bundles":
        return MAX_BUNDLE_UPLOAD_BYTES
    return MAX_BUNDLE_FORM_BYTES if path == CONSOLE_BUNDLE_UPLOAD else MAX_REQUEST_BYTES


def check_plain_headers(bo: Backoffice, headers: Any) -> str:
    """Everything decided from the headers alone (no database); the terminal id, or ApiError."""
    terminal_id = headers.get(signing.H_TERMINAL)
    timestamp = headers.get(signing.H_TIMESTAMP)
    nonce = headers.get(signing.H_NONCE)
    signature = headers.get(signing.H_SIGNATURE)
    if not (terminal_id and timestamp and nonce and signature):
        raise ApiError(401, signing.E_MISSING, "signed request headers missing")
    now = bo.clock()
    # whole Unix seconds in ASCII digits: no 'nan', 'inf', '1e9', '١٢' or fractions
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= TIMESTAMP_DIGITS):
        raise ApiError(401, signing.E_SIGNATURE, "bad timestamp")
    if abs(now - int(timestamp)) > signing.WINDOW:
        raise ApiError(401, signing.E_CLOCK, "timestamp outside the window", server_time=now)
    return terminal_id[:64]


def check_terminal(credentials: Credentials | None) -> Credentials:
    if credentials is None:
        raise ApiError(401, signing.E_UNKNOWN, "unknown terminal")
    if credentials.terminal.status != "active":
        raise ApiError(403, signing.E_REVOKED, "terminal revoked")
    return credentials


def check_signature(credentials: Credentials, method: str, path: str, headers: Any, body: bytes) -> None:
    timestamp, nonce = headers.get(signing.H_TIMESTAMP), headers.get(signing.H_NONCE)
    if not signing.verify(
        credentials.secret, method, path, timestamp, nonce, body, headers.get(signing.H_SIGNATURE)
    ):
        raise ApiError(401, signing.E_SIGNATURE, "bad signature")


def remember_nonce(bo: Backoffice, terminal_id: str, nonce: str, path: str) -> None:
    """Blocking (a worker thread): the nonce's INSERT; a heartbeat's is ephemeral (``state.NonceStore``)."""
    if not bo.nonces.add(terminal_id, nonce[:64], bo.clock(), durable=path != HEARTBEAT_PATH):
        raise ApiError(401, signing.E_REPLAY, "nonce already used")


class BodyTooLarge(Exception):
    pass


class RequestGuard:
    """Body limit, then terminal signatures, before routing (see the module docstring)."""

    def __init__(
        self,
        app: Any,
        backoffice: Backoffice,
        page_too_large: Callable[[dict[str, Any]], Any] | None = None,
        page_prefix: str = "/console/",
    ):
        self.app = app
        self.bo = backoffice
        self.page_too_large = page_too_large  # a browser's page (the console's) for a 413 under page_prefix
        self.page_prefix = page_prefix

    async def _too_large(self, scope: dict, receive: Any, send: Any) -> None:
        if self.page_too_large is not None and scope["path"].startswith(self.page_prefix):
            await self.page_too_large(scope)(scope, receive, send)
            return
        await _answer(send, 413, "request.too_large", "request body too large")

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = body_limit(path)
        headers = Headers(scope=scope)
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > limit:
            await self._too_large(scope, receive, send)
            return
        signed = needs_signature(path)
        try:
            credentials = None
            if signed:
                terminal_id = check_plain_headers(self.bo, headers)
                credentials = self.bo.terminals.cached(terminal_id)
                if credentials is None:  # not cached, or the revision is due a read
                    credentials = await run_in_threadpool(self.bo.credentials, terminal_id)
                credentials = check_terminal(credentials)
            body = await _read_body(receive, limit)
            if credentials is not None:
                query = scope.get("query_string", b"").decode("latin-1")
                full_path = path + (f"?{query}" if query else "")
                check_signature(credentials, scope["method"], full_path, headers, body)
                terminal = credentials.terminal
                nonce = headers.get(signing.H_NONCE, "")  # present: check_plain_headers saw it
                await run_in_threadpool(remember_nonce, self.bo, terminal.id, nonce, path)
                scope.setdefault("state", {})[STATE_KEY] = terminal
        except ApiError as exc:
            await _answer(send, exc.status_code, exc.code, str(exc.detail), **exc.extra)
            return
        except BodyTooLarge:
            await self._too_large(scope, receive, send)
            return
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _read_body(receive: Any, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _answer(send: Any, status: int, code: str, detail: str, **extra: Any) -> None:
    body = json.dumps({"error": code, "detail": detail, **extra}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *([(b"connection", b"close")] if status == 413 else []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def signed_terminal(request: Request) -> Terminal:
    """Dependency: the terminal the guard authenticated for this request (async: no thread hop)."""
    terminal = request.scope.get("state", {}).get(STATE_KEY)
    if terminal is None:
        raise ApiError(401, signing.E_MISSING, "signed request headers missing")
    return terminal


Signed = Annotated[Terminal, Depends(signed_terminal)]

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "not authenticated"},
    403: {"description": "revoked"},
    413: {"description": "request body too large"},
}
