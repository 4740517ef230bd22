"""Rate later on a phone: the verification code on a receipt's QR code, and the page's URL.

The code is an HMAC of the terminal id and the case number under a key derived from the terminal's own secret
(the one that signs its requests). The back office, which holds that secret sealed, recomputes it: it needs no
code stored or sent with the case, a terminal cannot vouch for another terminal's case numbers, and guessing
a code for somebody else's case means guessing 8 digits under a rate limit. Standard library only: the
terminal and the back office both import it.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote

CODE_DIGITS = 8
RATE_PATH = "/rate/"  # the back office's page: /rate/<case_no>?v=<code>
_PURPOSE = b"rate-later/v1"  # derives a key for this use only: the signing secret is not used twice


def rate_code(secret: str, terminal_id: str, case_no: str) -> str:
    """The 8-digit verification code of one case (digits: typed easily on a phone if the QR will not scan)."""
    key = hmac.new(secret.encode("utf-8"), _PURPOSE, hashlib.sha256).digest()
    digest = hmac.new(key, f"{terminal_id}\n{case_no}".encode(), hashlib.sha256).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def code_matches(secret: str, terminal_id: str, case_no: str, code: str) -> bool:
    return hmac.compare_digest(rate_code(secret, terminal_id, case_no), str(code).strip())


def rate_url(base_url: str, case_no: str, code: str) -> str:
    """The URL the QR code carries: ``<base>/rate/<case_no>?v=<code>``."""
    return f"{base_url.rstrip('/')}{RATE_PATH}{quote(case_no, safe='')}?v={code}"
