"""What went wrong in a TLS handshake, in words a technician can act on.

``requests`` wraps OpenSSL's verdict several exceptions deep; "certificate does not match" for
every case sent technicians after the wrong problem (the real one was a certificate without
the host's name in its subjectAltName). The verdict is read from the
``ssl.SSLCertVerificationError`` in the chain (``verify_code`` / ``verify_message``), with the
message text as the fallback.
"""

from __future__ import annotations

import ssl

# OpenSSL X509_V_ERR_* codes -> what to tell the technician
_BY_CODE = {
    10: "the back office's certificate has expired (check its validity dates and this terminal's clock)",
    9: "the back office's certificate is not valid yet (check this terminal's clock)",
    62: "the certificate does not name this host (hostname not in its subjectAltName)",
    18: "the back office's certificate does not match the pinned one (it presented another self-signed certificate)",
    19: "the back office's certificate chain does not match: it ends in a CA other than the pinned certificate",
    20: "the back office's certificate chain does not match the pinned certificate (incomplete or another issuer)",
    21: "the back office's certificate chain does not match the pinned certificate (incomplete or another issuer)",
}

_BY_TEXT = (
    ("hostname mismatch", _BY_CODE[62]),
    ("doesn't match", _BY_CODE[62]),
    ("ip address mismatch", "the certificate does not name this IP address (not in its subjectAltName)"),
    ("certificate has expired", _BY_CODE[10]),
    ("not yet valid", _BY_CODE[9]),
    ("self-signed certificate", _BY_CODE[18]),
    ("self signed certificate", _BY_CODE[18]),
    ("unable to get local issuer", _BY_CODE[20]),
    ("wrong version number", "the back office does not speak TLS on this port (is the URL http://?)"),
    ("unsupported protocol", "the back office offers only a TLS version this terminal refuses"),
)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, its causes, contexts, urllib3's ``reason`` and exceptions passed as arguments."""
    seen: list[BaseException] = []
    todo: list[object] = [exc]
    while todo:
        item = todo.pop(0)
        if not isinstance(item, BaseException) or any(item is known for known in seen):
            continue
        seen.append(item)
        todo.extend([item.__cause__, item.__context__, getattr(item, "reason", None), *item.args])
    return seen


def describe_tls_error(exc: BaseException) -> str:
    """One sentence naming the TLS problem: hostname/SAN, expiry, chain, a different certificate, or the text."""
    chain = _chain(exc)
    for item in chain:
        if isinstance(item, ssl.SSLCertVerificationError):
            code = getattr(item, "verify_code", None)
            if code in _BY_CODE:
                return _BY_CODE[code]
            message = str(getattr(item, "verify_message", "") or item)
            return _from_text(message) or f"the certificate was refused ({message})"
    text = " ".join(str(item) for item in chain)
    return _from_text(text) or f"the TLS handshake failed ({type(chain[-1]).__name__})"


def _from_text(text: str) -> str | None:
    lowered = text.lower()
    for needle, meaning in _BY_TEXT:
        if needle in lowered:
            return meaning
    return None
