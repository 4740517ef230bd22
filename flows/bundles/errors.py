"""The one exception a bundle check raises, and the manifest's constants both sides share.

Every reason is a stable code the back office receives and operators read (``kiosk flows status``), so
a refusal is never a traceback: see :data:`REASONS` for the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest.json"
SIGNATURES = "signatures.json"
ROTATION = "root_rotation.json"  # optional: signed new root keys carried beside the manifest (keys.py)
BUNDLE_TYPE = "kiosk-flow-bundle"
SPEC = 1
MAX_FILES = 2000
ROOT_KEYS_FILE = (
    Path("trust") / "bundle_root_keys.json"
)  # under the data dir; provisioning and the demo write it

REASONS = frozenset(
    {
        "malformed",
        "oversized",
        "missing_signature",
        "bad_signature",
        "threshold_not_met",
        "old_version",
        "expired",
        "wrong_group",
        "unexpected_file",
        "missing_file",
        "length_mismatch",
        "hash_mismatch",
        "lint_failed",
        "no_root_keys",
        "corrupt_archive",
        "bad_compression",
        "yaml_bomb",
        "out_of_memory",
        "unreadable",
        "bad_rotation",
        "internal_error",
    }
)


class BundleRefused(Exception):
    """A bundle the terminal will not take; ``reason`` is a stable code the back office receives."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class Outcome:
    """What became of one bundle handed to :meth:`BundleManager.receive`."""

    state: str  # "installed" (active now), "staged" (until the current citizen leaves), "refused"
    version: int | None = None
    reason: str = ""
    detail: str = ""

    def line(self) -> str:
        if self.state == "installed":
            return f"installed: bundle {self.version} is active"
        if self.state == "staged":
            return f"staged: bundle {self.version} becomes active when the current citizen leaves"
        return f"refused: {self.reason}" + (f" ({self.detail})" if self.detail else "")


def refusal_of(exc: BaseException) -> BundleRefused:
    """Any failure of a bundle as a refusal with a stable reason (nothing about a bundle escapes as a crash)."""
    if isinstance(exc, BundleRefused):
        return exc
    if isinstance(exc, MemoryError):
        return BundleRefused("out_of_memory", "the bundle exhausted the memory bound")
    if isinstance(exc, RecursionError):
        return BundleRefused("malformed", "nested too deeply")
    if isinstance(exc, OSError):
        return BundleRefused("unreadable", f"{type(exc).__name__}: {exc}"[:300])
    return BundleRefused("internal_error", f"{type(exc).__name__}: {exc}"[:300])
