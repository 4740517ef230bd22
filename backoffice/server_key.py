"""The server key: terminal secrets are encrypted at rest under it, and subjects are hashed with it.

A 256-bit key in a file of its own (mode 0600), created at first start. Every server process of a
deployment reads the same file (a secret store mounts it on each node); the database alone — a backup,
a replica, a dump — holds no usable terminal secret and no ID number.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "v1:"
KEY_BYTES = 32


def load_or_create(path: Path) -> bytes:
    """Read the key, or create it (0600) if there is none. Two processes starting at once agree: the key
    is written to a private temporary file and linked into place, which fails if another won."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(base64.b64encode(secrets.token_bytes(KEY_BYTES)))
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    key = base64.b64decode(path.read_bytes().strip())
    if len(key) != KEY_BYTES:
        raise ValueError(f"server key file {path} is not a {KEY_BYTES}-byte key")
    return key


class ServerKey:
    def __init__(self, key: bytes):
        self._aead = AESGCM(key)
        self._mac_key = hashlib.sha256(b"subject-hash:" + key).digest()

    def encrypt(self, plain: str, context: str) -> str:
        """AES-256-GCM, the terminal id as associated data (a row copied to another id does not decrypt)."""
        nonce = secrets.token_bytes(12)
        sealed = nonce + self._aead.encrypt(nonce, plain.encode(), context.encode())
        return PREFIX + base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def decrypt(self, stored: str, context: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # written before encryption at rest; re-encrypted at start (Backoffice)
        raw = stored[len(PREFIX) :]
        sealed = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        return self._aead.decrypt(sealed[:12], sealed[12:], context.encode()).decode()

    def subject_hash(self, id_number: str) -> str:
        """A keyed hash of an ID number: sessions are matched on it, and it reveals nothing by itself."""
        return hmac.new(self._mac_key, id_number.upper().encode(), hashlib.sha256).hexdigest()


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)
