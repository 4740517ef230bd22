"""Flow bundles: signed sets of flow files, verified and activated atomically on the terminal.

A bundle is a directory::

    manifest.json       {"type", "spec", "version", "expires", "groups", "threshold", "created",
                         "files": {"definitions/x.yaml": {"sha256": ..., "length": ...}, ...}}
    signatures.json     {"signatures": [{"keyid": sha256(public key) hex, "sig": Ed25519 hex}, ...]}
    root_rotation.json  optional: new root keys signed by the old and the new threshold (keys.py)
    definitions/ templates/ document_templates.yaml ratings.yaml assets/...

Signatures are detached and cover the exact bytes of ``manifest.json``; the manifest covers every other
file by hash and length, so nothing unsigned is ever read as a flow. The terminal pins the root keys
(``DATA_DIR/trust/bundle_root_keys.json``) at provisioning and applies the TUF minimum: threshold of
signatures, a version that only grows, an expiry, a target group, exact hashes and lengths, size bounds.

The package, by responsibility:

- :mod:`~flows.bundles.errors` — :class:`BundleRefused`, its reasons, the file names.
- :mod:`~flows.bundles.manifest` — parsing the manifest, canonical JSON, expiry dates, hashes.
- :mod:`~flows.bundles.keys` — operator keys, the pinned root, root rotation.
- :mod:`~flows.bundles.packing` — the operator's side: pack, sign, archive.
- :mod:`~flows.bundles.archive` — unpacking an archive within bounds (headers, members, bytes).
- :mod:`~flows.bundles.yaml_bounds` — YAML structure bounds (depth, aliases, billion laughs).
- :mod:`~flows.bundles.verify` — the complete check, the same on the terminal and the back office.
- :mod:`~flows.bundles.durable` — fsync and atomic writes.
- :mod:`~flows.bundles.manager` — the terminal: receive, activate, load, expire, withdraw, roll back;
  :mod:`~flows.bundles.journal` — what happened to them: log, journal on disk, events.
"""

from __future__ import annotations

from flows.bundles.archive import extract_archive, prescan
from flows.bundles.errors import (
    BUNDLE_TYPE,
    MANIFEST,
    MAX_FILES,
    REASONS,
    ROOT_KEYS_FILE,
    ROTATION,
    SIGNATURES,
    SPEC,
    BundleRefused,
)
from flows.bundles.journal import EventSink, store_sink
from flows.bundles.keys import RootKeys, generate_key, key_id, load_private_key, public_hex, rotate, sign_root
from flows.bundles.manager import BundleManager, CrashHook, Outcome
from flows.bundles.manifest import (
    Manifest,
    canonical_json,
    parse_expiry,
    parse_manifest,
    read_manifest,
    sha256_file,
)
from flows.bundles.packing import PACKED, PACKED_FILES, archive_bytes, pack, sign
from flows.bundles.verify import bundle_root, check_signatures, verify

_sha256 = sha256_file  # the name the tests used before the split

__all__ = [
    "BUNDLE_TYPE",
    "MANIFEST",
    "MAX_FILES",
    "PACKED",
    "PACKED_FILES",
    "REASONS",
    "ROOT_KEYS_FILE",
    "ROTATION",
    "SIGNATURES",
    "SPEC",
    "BundleManager",
    "BundleRefused",
    "CrashHook",
    "EventSink",
    "Manifest",
    "Outcome",
    "RootKeys",
    "archive_bytes",
    "bundle_root",
    "canonical_json",
    "check_signatures",
    "extract_archive",
    "generate_key",
    "key_id",
    "load_private_key",
    "pack",
    "parse_expiry",
    "parse_manifest",
    "prescan",
    "public_hex",
    "read_manifest",
    "rotate",
    "sha256_file",
    "sign",
    "sign_root",
    "store_sink",
    "verify",
]
