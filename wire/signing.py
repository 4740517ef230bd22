"""Request signing between terminals and the back office: paths, headers, request signatures.

Pure standard library, shared by the server (``backoffice.terminal_auth``) and the terminal (``kiosk.sync``) so
the two can never disagree on what is signed.

Every terminal request carries four headers::

    X-Kiosk-Terminal   the terminal id given at enrolment
    X-Kiosk-Timestamp  Unix seconds (the terminal's clock corrected by the offset it learnt)
    X-Kiosk-Nonce      32 random hex digits, never reused within the window
    X-Kiosk-Signature  hex HMAC-SHA256(secret, METHOD \\n PATH?QUERY \\n TIMESTAMP \\n NONCE \\n sha256(body))

The server refuses a timestamp more than ``WINDOW`` seconds away from its clock (answering with its
time so the terminal can correct), a nonce already seen in the window (replay), a bad signature, and a
revoked terminal. Every answer carries ``X-Server-Time``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

API = "/api/v1"
WINDOW = 300  # seconds either side of the server's clock

H_TERMINAL = "X-Kiosk-Terminal"
H_TIMESTAMP = "X-Kiosk-Timestamp"
H_NONCE = "X-Kiosk-Nonce"
H_SIGNATURE = "X-Kiosk-Signature"
H_SERVER_TIME = "X-Server-Time"
H_OPERATOR = "X-Operator-Key"

# Error codes in {"error": ...} bodies; the terminal acts on them.
E_CLOCK = "auth.clock_skew"
E_REPLAY = "auth.replay"
E_SIGNATURE = "auth.bad_signature"
E_UNKNOWN = "auth.unknown_terminal"
E_REVOKED = "auth.revoked"
E_MISSING = "auth.missing"


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return "\n".join([method.upper(), path, timestamp, nonce, body_hash(body)]).encode()


def sign(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    return hmac.new(
        secret.encode(), canonical(method, path, timestamp, nonce, body), hashlib.sha256
    ).hexdigest()


def signed_headers(
    terminal_id: str, secret: str, method: str, path: str, body: bytes, now: float
) -> dict[str, str]:
    timestamp = str(int(now))
    nonce = secrets.token_hex(16)
    return {
        H_TERMINAL: terminal_id,
        H_TIMESTAMP: timestamp,
        H_NONCE: nonce,
        H_SIGNATURE: sign(secret, method, path, timestamp, nonce, body),
    }


def verify(
    secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes, signature: str
) -> bool:
    return hmac.compare_digest(sign(secret, method, path, timestamp, nonce, body), signature)


def token_hash(token: str) -> str:
    """Enrolment tokens are stored hashed: a leaked database does not enrol anyone."""
    return hashlib.sha256(token.encode()).hexdigest()


# A citizen's session (POST /api/v1/sessions): personal queries carry its token in this header.
H_SESSION = "X-Kiosk-Session"
