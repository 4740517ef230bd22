"""The one exception a bundle check raises, and the manifest's constants both sides share.

Every reason is a stable code the back office receives and operators read (``kiosk flows status``), so
a refusal is never a traceback: see :data:`REASONS` for the list.
"""

from __future__ import annotations

from pathlib import Path

MANIFEST = "manifest.json"
SIGNATURES = "signatures.json"
ROTATION = "root_rotation.json"  # optional: signed new root keys carried beside the manifest (keys.py)
BUNDLE_TYPE = "kiosk-flow-bundle"
SPEC = 1
MAX_FILES = 2000
ROOT_KEYS_FILE = Path("trust") / "bundle_root_keys.json"  # under the data dir; provisioning and the demo write it

REASONS = frozenset({
    "malformed", "oversized", "missing_signature", "bad_signature", "threshold_not_met", "old_version",
    "expired", "wrong_group", "unexpected_file", "missing_file", "length_mismatch", "hash_mismatch",
    "lint_failed", "no_root_keys", "corrupt_archive", "bad_compression", "yaml_bomb", "out_of_memory",
    "unreadable", "bad_rotation", "internal_error",
})


class BundleRefused(Exception):
    """A bundle the terminal will not take; ``reason`` is a stable code the back office receives."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail
