"""Operator keys and the pinned trust root, and rotating that root without re-provisioning (TUF's root rotation).

The terminal pins ``{"version", "threshold", "keys": [hex, ...]}`` at provisioning. A new root is a
document ``{"signed": <root>, "signatures": [...]}`` whose ``signed.version`` is exactly one above the
pinned one and which carries a threshold of signatures by the *old* keys and a threshold by the *new*
keys: a thief holding fewer than the old threshold cannot hand the fleet his own keys, and the new keys
prove they are held. A chain of such documents walks a terminal from an old root to the newest.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from flows.bundles.errors import BundleRefused
from flows.bundles.manifest import canonical_json

MAX_ROTATIONS = 32  # root versions walked in one bundle; more is "endless data"


def key_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()


def public_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def generate_key(path: Path) -> str:
    """Write a new operator key (kept offline, mode 0600) and return its public key in hex."""
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"type": "ed25519", "private": raw.hex(), "public": public_hex(key)}, out)
    return public_hex(key)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("type") != "ed25519":
        raise ValueError(f"{path}: not an ed25519 key file")
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(data["private"]))


@dataclass(frozen=True)
class RootKeys:
    """The pinned trust root: which operator keys may sign, how many must, and which root version this is."""

    threshold: int
    keys: dict[str, Ed25519PublicKey]  # key id -> key
    version: int = 1

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RootKeys:
        keys = {}
        for hex_key in data["keys"]:
            raw = bytes.fromhex(hex_key)
            keys[key_id(raw)] = Ed25519PublicKey.from_public_bytes(raw)
        threshold = int(data.get("threshold", 1))
        if threshold < 1 or threshold > len(keys):
            raise ValueError(f"threshold {threshold} with {len(keys)} keys")
        version = data.get("version", 1)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ValueError(f"root version {version!r}")
        return cls(threshold, keys, version)

    @classmethod
    def load(cls, path: Path) -> RootKeys:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "threshold": self.threshold,
            "keys": sorted(public_hex(k) for k in self.keys.values()),
        }


def count_signatures(payload: bytes, entries: Any, keys: dict[str, Ed25519PublicKey]) -> tuple[int, int]:
    """(valid signatures by distinct listed keys, signatures that do not verify)."""
    valid: set[str] = set()
    bad = 0
    for entry in entries if isinstance(entries, list) else []:
        kid = entry.get("keyid") if isinstance(entry, dict) else None
        key = keys.get(kid or "")
        if key is None or kid in valid:
            continue
        try:
            key.verify(bytes.fromhex(str(entry.get("sig", ""))), payload)
            valid.add(str(kid))
        except (InvalidSignature, ValueError):
            bad += 1
    return len(valid), bad


def sign_payload(payload: bytes, keys: list[Ed25519PrivateKey]) -> list[dict[str, str]]:
    return [{"keyid": key_id(bytes.fromhex(public_hex(k))), "sig": k.sign(payload).hex()} for k in keys]


def sign_root(new_root: dict[str, Any], keys: list[Ed25519PrivateKey]) -> dict[str, Any]:
    """A rotation document: ``new_root`` signed by ``keys`` (a threshold of the old ones and of the new ones)."""
    RootKeys.from_json(new_root)  # refuse to sign something a terminal could not read
    return {"signed": new_root, "signatures": sign_payload(canonical_json(new_root), keys)}


def rotate(current: RootKeys, chain: Any) -> RootKeys:
    """Walk a chain of rotation documents from ``current``; each step one version up, signed by both roots.

    Documents at or below the current version are skipped (a terminal that already rotated); anything
    else wrong refuses the whole chain, with reason ``bad_rotation``.
    """
    documents = chain.get("roots") if isinstance(chain, dict) else None
    if not isinstance(documents, list) or len(documents) > MAX_ROTATIONS:
        raise BundleRefused("bad_rotation", "root_rotation.json is not a short list of roots")
    root = current
    for document in documents:
        try:
            signed = document["signed"]
            new = RootKeys.from_json(signed)
        except (KeyError, TypeError, ValueError) as exc:
            raise BundleRefused("bad_rotation", f"unreadable root: {type(exc).__name__}") from None
        if new.version <= root.version:
            continue
        if new.version != root.version + 1:
            raise BundleRefused("bad_rotation", f"root {new.version} does not follow root {root.version}")
        payload = canonical_json(signed)
        by_old, _ = count_signatures(payload, document.get("signatures"), root.keys)
        by_new, _ = count_signatures(payload, document.get("signatures"), new.keys)
        if by_old < root.threshold:
            raise BundleRefused(
                "bad_rotation", f"root {new.version}: {by_old} of {root.threshold} old-key signatures"
            )
        if by_new < new.threshold:
            raise BundleRefused(
                "bad_rotation", f"root {new.version}: {by_new} of {new.threshold} new-key signatures"
            )
        root = new
    return root
