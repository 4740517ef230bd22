"""The signed manifest: parsing it strictly, canonical JSON, expiry dates and file hashes.

The manifest is the only thing the signatures cover; everything else in a bundle is trusted only
through the hash and length the manifest gives for it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path, PurePosixPath
from typing import Any

from flows.bundles.errors import BUNDLE_TYPE, MANIFEST, ROTATION, SIGNATURES, SPEC, BundleRefused


@dataclass(frozen=True)
class Manifest:
    version: int
    expires: datetime
    groups: tuple[str, ...]
    threshold: int
    files: dict[str, dict[str, Any]]
    created: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def total_bytes(self) -> int:
        return sum(int(f["length"]) for f in self.files.values())


def canonical_json(data: Any) -> bytes:
    """The exact bytes signatures cover: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse_expiry(value: str | date | datetime) -> datetime:
    """A date means the end of that day (UTC); a datetime without zone is UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(23, 59, 59), UTC)
    text = value.strip().replace("Z", "+00:00")
    if len(text) == 10:
        return parse_expiry(date.fromisoformat(text))
    return parse_expiry(datetime.fromisoformat(text))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(65536), b""):
            digest.update(chunk)
    return digest.hexdigest()


def parse_manifest(data: Any) -> Manifest:
    """A manifest from its JSON, or :class:`BundleRefused` ``malformed`` naming what is wrong."""
    try:
        if data["type"] != BUNDLE_TYPE or data["spec"] != SPEC:
            raise BundleRefused("malformed", f"not a flow bundle of spec {SPEC}")
        version, files = data["version"], data["files"]
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise BundleRefused("malformed", "version is not a positive integer")
        if not isinstance(files, dict):
            raise BundleRefused("malformed", "files is not a mapping")
        for name, spec in files.items():
            parts = PurePosixPath(name).parts
            if (
                name.startswith("/")
                or "\\" in name
                or not parts
                or ".." in parts
                or name in (MANIFEST, SIGNATURES, ROTATION)
                or not isinstance(spec.get("length"), int)
                or spec["length"] < 0
                or not isinstance(spec.get("sha256"), str)
                or len(spec["sha256"]) != 64
            ):
                raise BundleRefused("malformed", f"bad file entry {name[:80]!r}")
        groups = data["groups"]
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise BundleRefused("malformed", "groups is not a list of names")
        return Manifest(
            version=version,
            expires=parse_expiry(str(data["expires"])),
            groups=tuple(groups),
            threshold=int(data.get("threshold", 1)),
            files=files,
            created=str(data.get("created", "")),
            raw=data,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BundleRefused("malformed", f"manifest: {type(exc).__name__}: {exc}") from None


def read_manifest(bundle: Path) -> Manifest:
    """The manifest of a bundle directory, unverified (for display and the back office's version check)."""
    try:
        return parse_manifest(json.loads((bundle / MANIFEST).read_bytes()))
    except (OSError, ValueError, RecursionError) as exc:
        raise BundleRefused("malformed", f"manifest.json: {type(exc).__name__}") from None
