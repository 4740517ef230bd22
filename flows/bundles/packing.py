"""The operator's side: build a bundle directory from a flows tree, sign it, and archive it for transport."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from datetime import UTC, date, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from flows.bundles.errors import BUNDLE_TYPE, MANIFEST, ROTATION, SIGNATURES, SPEC, BundleRefused
from flows.bundles.keys import sign_payload
from flows.bundles.manifest import Manifest, canonical_json, parse_expiry, parse_manifest, sha256_file
from flows.lint import errors_only, lint_paths

PACKED = ("definitions", "templates", "assets")  # directories taken into a bundle
PACKED_FILES = ("document_templates.yaml", "ratings.yaml", "terminals.yaml")


def _source_files(src: Path) -> list[str]:
    names = []
    for top in PACKED:
        base = src / top
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                rel = path.relative_to(src)
                if path.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
                    names.append(rel.as_posix())
    names += [name for name in PACKED_FILES if (src / name).is_file()]
    return names


def pack(
    src: Path,
    out: Path,
    version: int,
    expires: str | date | datetime,
    groups: list[str],
    threshold: int = 1,
    terminal: str | None = None,
    *,
    allow_past: bool = False,
) -> Manifest:
    """Build a bundle directory from a tree laid out like ``flows/``; refuses a tree that fails lint,
    and an expiry already past (every terminal would refuse the bundle; ``allow_past`` is for the
    tests of that refusal)."""
    if version < 1:
        raise BundleRefused("malformed", "version must be a positive integer")
    if not groups:
        raise BundleRefused("malformed", "a bundle targets at least one group")
    if not (src / "definitions").is_dir():
        raise BundleRefused("malformed", f"{src} has no definitions/ directory")
    expiry = parse_expiry(expires)
    if expiry <= datetime.now(UTC) and not allow_past:
        raise BundleRefused("expired", f"--expires {expiry:%Y-%m-%dT%H:%M:%SZ} is in the past")
    problems = errors_only(lint_paths([src], terminal))
    if problems:
        raise BundleRefused("lint_failed", "; ".join(str(p) for p in problems[:5]))
    if out.exists() and any(out.iterdir()):
        raise BundleRefused("malformed", f"{out} exists and is not empty")
    files = {}
    for name in _source_files(src):
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / name, target)
        files[name] = {"sha256": sha256_file(target), "length": target.stat().st_size}
    manifest = {
        "type": BUNDLE_TYPE,
        "spec": SPEC,
        "version": version,
        "expires": expiry.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "groups": sorted(set(groups)),
        "threshold": threshold,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "files": files,
    }
    (out / MANIFEST).write_bytes(canonical_json(manifest))
    (out / SIGNATURES).write_text(json.dumps({"signatures": []}), encoding="utf-8")
    return parse_manifest(manifest)


def sign(bundle: Path, keys: list[Ed25519PrivateKey]) -> list[str]:
    """Add detached signatures over manifest.json (one per key, replacing an older one by the same key)."""
    manifest = (bundle / MANIFEST).read_bytes()
    path = bundle / SIGNATURES
    existing = json.loads(path.read_text(encoding="utf-8"))["signatures"] if path.is_file() else []
    by_key = {s["keyid"]: s for s in existing}
    for entry in sign_payload(manifest, keys):
        by_key[entry["keyid"]] = entry
    path.write_text(
        json.dumps({"signatures": sorted(by_key.values(), key=lambda s: s["keyid"])}, indent=1),
        encoding="utf-8",
    )
    return sorted(by_key)


def archive_bytes(bundle: Path) -> bytes:
    """The bundle as a .tar.gz in memory (what ``kiosk flows publish`` uploads): regular files only."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(bundle.rglob("*")):
            if path.is_file() and not path.is_symlink():
                tar.add(path, arcname=path.relative_to(bundle).as_posix(), recursive=False)
    return buffer.getvalue()


__all__ = ["PACKED", "PACKED_FILES", "ROTATION", "archive_bytes", "pack", "sign"]
