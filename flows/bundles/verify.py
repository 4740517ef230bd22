"""Checking a bundle directory completely, on the terminal and in the back office alike.

Order matters: signatures are checked over the manifest bytes before the manifest is even parsed,
hashes and lengths before any file is read as YAML, YAML structure before lint builds anything.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows.bundles.errors import MANIFEST, MAX_FILES, ROTATION, SIGNATURES, BundleRefused
from flows.bundles.keys import RootKeys, count_signatures, rotate
from flows.bundles.manifest import Manifest, parse_manifest, sha256_file
from flows.bundles.yaml_bounds import check_yaml_structure
from flows.lint import LintContext, errors_only, lint_directory, lint_paths
from wire.limits import MAX_BUNDLE_BYTES, MAX_MANIFEST_BYTES


def check_signatures(manifest_bytes: bytes, signatures: Any, root: RootKeys, wanted: int = 1) -> int:
    """Count valid signatures by distinct pinned keys; refuse below the threshold."""
    entries = signatures.get("signatures") if isinstance(signatures, dict) else None
    if not entries:
        raise BundleRefused("missing_signature", "the bundle is not signed")
    valid, bad = count_signatures(manifest_bytes, entries, root.keys)
    threshold = max(root.threshold, wanted, 1)
    if valid < threshold:
        if bad:
            raise BundleRefused(
                "bad_signature", f"{bad} signature(s) do not verify; {valid} of {threshold} valid"
            )
        if not valid:
            raise BundleRefused("missing_signature", "no signature by a pinned key")
        raise BundleRefused("threshold_not_met", f"{valid} of {threshold} required signatures")
    return valid


def _small_json(path: Path, reason: str, what: str) -> Any:
    if not path.is_file() or path.is_symlink():
        raise BundleRefused(reason, f"no {what}")
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise BundleRefused("oversized", f"{what} is too large")
    try:
        return json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BundleRefused(reason, f"{what} is not JSON") from None


def bundle_root(bundle: Path, root: RootKeys) -> RootKeys:
    """The root keys this bundle is checked against: the pinned ones, rotated by the bundle's
    ``root_rotation.json`` if it carries one (see :func:`flows.bundles.keys.rotate`)."""
    if not (bundle / ROTATION).exists():
        return root
    return rotate(root, _small_json(bundle / ROTATION, "bad_rotation", ROTATION))


def verify(
    bundle: Path,
    root: RootKeys,
    *,
    group: str | None = None,
    above_version: int = 0,
    now: datetime | None = None,
    max_bytes: int = MAX_BUNDLE_BYTES,
    lint: bool = True,
    terminal_devices: frozenset[str] | None = None,
) -> Manifest:
    """Check a bundle directory completely; raise :class:`BundleRefused` with the first reason found."""
    manifest_path = bundle / MANIFEST
    if not manifest_path.is_file() or manifest_path.is_symlink():
        raise BundleRefused("malformed", "no manifest.json")
    if manifest_path.stat().st_size > MAX_MANIFEST_BYTES:
        raise BundleRefused("oversized", "manifest.json is too large")
    manifest_bytes = manifest_path.read_bytes()
    signatures = _small_json(bundle / SIGNATURES, "missing_signature", SIGNATURES)
    root = bundle_root(bundle, root)
    check_signatures(manifest_bytes, signatures, root)
    try:
        data = json.loads(manifest_bytes)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BundleRefused("malformed", "manifest.json is not JSON") from None
    manifest = parse_manifest(data)
    check_signatures(manifest_bytes, signatures, root, manifest.threshold)
    if manifest.version <= above_version:
        raise BundleRefused("old_version", f"version {manifest.version} is not above {above_version}")
    if manifest.expires <= (now or datetime.now(UTC)):
        raise BundleRefused("expired", f"expired {manifest.expires:%Y-%m-%dT%H:%M:%SZ}")
    if group is not None and group not in manifest.groups:
        raise BundleRefused(
            "wrong_group", f"for groups {list(manifest.groups)}, this terminal is in {group!r}"
        )
    if len(manifest.files) > MAX_FILES or manifest.total_bytes > max_bytes:
        raise BundleRefused("oversized", f"{len(manifest.files)} files, {manifest.total_bytes} bytes")
    _check_files(bundle, manifest, max_bytes)
    for name in manifest.files:
        if name.endswith((".yaml", ".yml")):
            check_yaml_structure(bundle / name)
    if lint:
        problems = errors_only(
            lint_paths([bundle])
            if terminal_devices is None
            else lint_directory(bundle / "definitions", LintContext.for_root(bundle, terminal_devices))
        )
        if problems:
            raise BundleRefused("lint_failed", "; ".join(str(p) for p in problems[:5]))
    return manifest


def _check_files(bundle: Path, manifest: Manifest, max_bytes: int) -> None:
    present, total = set(), 0
    for path in bundle.rglob("*"):
        rel = path.relative_to(bundle).as_posix()
        if path.is_symlink():
            raise BundleRefused("unexpected_file", f"{rel} is a link")
        if path.is_file():
            total += path.stat().st_size
            if total > max_bytes + 3 * MAX_MANIFEST_BYTES:
                raise BundleRefused("oversized", "the bundle directory holds more than its bound")
            present.add(rel)
    extra = present - set(manifest.files) - {MANIFEST, SIGNATURES, ROTATION}
    if extra:
        raise BundleRefused("unexpected_file", f"not in the manifest: {sorted(extra)[:3]}")
    for name, spec in manifest.files.items():
        path = bundle / name
        if name not in present:
            raise BundleRefused("missing_file", name)
        if path.stat().st_size != spec["length"]:
            raise BundleRefused(
                "length_mismatch", f"{name}: {path.stat().st_size} bytes, manifest says {spec['length']}"
            )
        if sha256_file(path) != spec["sha256"]:
            raise BundleRefused("hash_mismatch", name)
