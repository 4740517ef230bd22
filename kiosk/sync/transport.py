"""Signed HTTP to the back office: one ``requests`` session per thread, clock correction, TLS pinning.

Every failure is classified for the caller: :class:`Unreachable` (connection refused or reset, timeout,
5xx, a body that is not what the protocol says) means "offline, retry later"; :class:`Refused` is a 4xx
the back office meant; :class:`Revoked` means this terminal's credentials no longer work.
"""

from __future__ import annotations

import email.utils
import json
import logging
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from kiosk.sync.credentials import Credentials
from wire import signing
from wire.limits import MAX_RESPONSE_BYTES

log = logging.getLogger(__name__)


class TransportError(Exception):
    def __init__(
        self, message: str, *, status: int | None = None, code: str = "", retry_after: float | None = None
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after


class Unreachable(TransportError):
    """Offline for now: retry with backoff (honouring ``retry_after`` when the server gave one)."""


class Refused(TransportError):
    """The back office understood and said no (4xx); ``code`` is its error code."""


class Revoked(Refused):
    """The terminal was revoked by an operator: nothing more will be accepted with these credentials."""


class Signer:
    """Credentials plus the learnt offset between our clock and the server's (shared across threads)."""

    def __init__(self, credentials: Credentials, clock: Callable[[], float] = time.time):
        self.credentials = credentials
        self.clock = clock
        self.offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        return self.clock() + self.offset

    def learn(self, server_time: float) -> None:
        with self._lock:
            self.offset = server_time - self.clock()

    def headers(self, method: str, path: str, body: bytes) -> dict[str, str]:
        c = self.credentials
        return signing.signed_headers(c.terminal_id, c.secret, method, path, body, self.now())


class _PinnedAdapter(HTTPAdapter):
    """Trust exactly the configured certificate (a self-signed one, or a CA-issued leaf: partial chain)."""

    def __init__(self, cafile: str, **kwargs: Any):
        self._context = ssl.create_default_context(cafile=cafile)
        self._context.verify_flags |= getattr(ssl, "VERIFY_X509_PARTIAL_CHAIN", 0)
        super().__init__(**kwargs)

    def trust(self, pem: str) -> None:
        """Also trust ``pem`` from now on (new connections): the server's next certificate."""
        self._context.load_verify_locations(cadata=pem)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class Transport:
    """Signed requests from one thread (``requests.Session`` is not shared between threads)."""

    def __init__(self, base_url: str, signer: Signer, *, timeout: tuple[float, float] = (3.05, 15.0)):
        self.base_url = base_url.rstrip("/")
        self.signer = signer
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "gov-kiosk-sync/1"
        cert = signer.credentials.server_cert
        self._pinned: _PinnedAdapter | None = None
        if self.base_url.startswith("https://") and cert:
            self.session.verify = cert
            self._pinned = _PinnedAdapter(cert)
            self.session.mount("https://", self._pinned)

    def trust(self, pem: str) -> None:
        """Add a certificate to the pin of a running transport (the file is the caller's business)."""
        if self._pinned is not None:
            self._pinned.trust(pem)

    def close(self) -> None:
        self.session.close()

    def call(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        timeout: tuple[float, float] | None = None,
        raw: bool = False,
        max_bytes: int = MAX_RESPONSE_BYTES,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
        content_type: str = "application/octet-stream",
    ) -> Any:
        """Send one signed request; the JSON answer (or bytes with ``raw``). Retries once after a clock fix.
        ``headers``: extra ones, e.g. the citizen session's token (``wire.signing.H_SESSION``);
        ``content``: a body of bytes instead of JSON (a screenshot), sent as ``content_type``."""
        body = (
            b""
            if payload is None
            else json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        )
        if content is not None:
            body, headers = content, {**(headers or {}), "Content-Type": content_type}
        for attempt in range(2):
            response = self._send(method, path, body, timeout or self.timeout, max_bytes, headers)
            if response.status_code == 401 and attempt == 0:
                error = _json_or_none(response)
                if isinstance(error, dict) and error.get("error") == signing.E_CLOCK:
                    server_time = error.get("server_time")
                    if isinstance(server_time, int | float):
                        self.signer.learn(float(server_time))
                        continue
            return self._answer(response, raw)
        raise AssertionError("unreachable")

    def _send(
        self,
        method: str,
        path: str,
        body: bytes,
        timeout: tuple[float, float],
        max_bytes: int,
        extra: dict[str, str] | None = None,
    ) -> requests.Response:
        headers = {**(extra or {}), **self.signer.headers(method, path, body)}
        if body:
            headers.setdefault("Content-Type", "application/json")
        try:
            response = self.session.request(
                method, self.base_url + path, data=body or None, headers=headers, timeout=timeout, stream=True
            )
            content = bytearray()
            for chunk in response.iter_content(65536):
                content += chunk
                if len(content) > max_bytes:
                    response.close()
                    raise Unreachable("answer larger than allowed")
            response._content = bytes(content)
            return response
        except requests.exceptions.SSLError as exc:
            from kiosk.sync.tls import describe_tls_error

            problem = describe_tls_error(exc)
            log.warning("TLS refused the back office %s: %s", self.base_url, problem)  # a security event
            raise Unreachable(f"TLS: {problem}", code="tls") from None
        except requests.RequestException as exc:
            raise Unreachable(f"{type(exc).__name__}") from None

    def _answer(self, response: requests.Response, raw: bool) -> Any:
        status = response.status_code
        if status >= 500 or status in (408, 429):
            raise Unreachable(
                f"HTTP {status}",
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 400:
            error = _json_or_none(response)
            code = error.get("error", "") if isinstance(error, dict) else ""
            if status == 403 and code == signing.E_REVOKED:
                raise Revoked("terminal revoked", status=status, code=code)
            raise Refused(f"HTTP {status} {code}", status=status, code=str(code))
        if raw:
            return response.content
        data = _json_or_none(response)
        if data is None:
            raise Unreachable("answer is not JSON", status=status, code="garbage")
        return data


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
