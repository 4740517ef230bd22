"""Flow bundles: signed sets of flow files, verified and activated atomically on the terminal.

A bundle is a directory::

    manifest.json     {"type", "spec", "version", "expires", "groups", "threshold", "created",
                       "files": {"definitions/x.yaml": {"sha256": ..., "length": ...}, ...}}
    signatures.json   {"signatures": [{"keyid": sha256(public key) hex, "sig": Ed25519 hex}, ...]}
    definitions/ templates/ document_templates.yaml ratings.yaml assets/...

Signatures are detached and cover the exact bytes of ``manifest.json``; the manifest covers every other
file by hash and length, so nothing unsigned is ever read as a flow. The terminal pins the root keys
(``DATA_DIR/trust/bundle_root_keys.json``) at provisioning and applies the TUF minimum: threshold of
signatures, a version that only grows, an expiry, a target group, exact hashes and lengths, a size bound.

On the terminal (:class:`BundleManager`)::

    DATA_DIR/bundles/<version>/     verified bundles (complete before they get their name)
    DATA_DIR/bundles/active         symlink to the active version, switched with os.replace
    DATA_DIR/bundles/previous       symlink to the one before, kept for rollback
    DATA_DIR/bundles/<version>.failed   a bundle that failed to load at activation (never retried)

Every step that changes what is active is a single rename, so a power cut leaves the old or the new
bundle active, never a mix.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from flows.lint import LintContext, errors_only, lint_paths
from flows.loader import FLOWS_DIR, load_directory
from flows.model import Flow
from wire.limits import MAX_BUNDLE_BYTES, MAX_MANIFEST_BYTES

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
SIGNATURES = "signatures.json"
BUNDLE_TYPE = "kiosk-flow-bundle"
SPEC = 1
MAX_FILES = 2000
ROOT_KEYS_FILE = Path("trust") / "bundle_root_keys.json"  # under the data dir; provisioning and the demo write it
PACKED = ("definitions", "templates", "assets")  # directories taken into a bundle
PACKED_FILES = ("document_templates.yaml", "ratings.yaml", "terminals.yaml")

EventSink = Callable[[str, dict[str, Any]], None]

# Test hook: called with the name of each point of an activation; the power-cut test kills the process there.
_crash_hook: Callable[[str], None] | None = None


class BundleRefused(Exception):
    """A bundle the terminal will not take; ``reason`` is a stable code the back office receives."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class RootKeys:
    """The pinned trust root: which operator keys may sign and how many must."""

    threshold: int
    keys: dict[str, Ed25519PublicKey]  # key id -> key

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RootKeys:
        keys = {}
        for hex_key in data["keys"]:
            raw = bytes.fromhex(hex_key)
            keys[key_id(raw)] = Ed25519PublicKey.from_public_bytes(raw)
        threshold = int(data.get("threshold", 1))
        if threshold < 1 or threshold > len(keys):
            raise ValueError(f"threshold {threshold} with {len(keys)} keys")
        return cls(threshold, keys)

    @classmethod
    def load(cls, path: Path) -> RootKeys:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


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


# -- keys -------------------------------------------------------------------------------------------------

def key_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()


def public_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def generate_key(path: Path) -> str:
    """Write a new operator key (kept offline, mode 0600) and return its public key in hex."""
    key = Ed25519PrivateKey.generate()
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

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


# -- operator side: pack and sign ---------------------------------------------------------------------------

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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(65536), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


def pack(src: Path, out: Path, version: int, expires: str | date | datetime, groups: list[str],
         threshold: int = 1, terminal: str | None = None) -> Manifest:
    """Build a bundle directory from a tree laid out like ``flows/``; refuses a tree that fails lint."""
    if version < 1:
        raise BundleRefused("malformed", "version must be a positive integer")
    if not groups:
        raise BundleRefused("malformed", "a bundle targets at least one group")
    if not (src / "definitions").is_dir():
        raise BundleRefused("malformed", f"{src} has no definitions/ directory")
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
        files[name] = {"sha256": _sha256(target), "length": target.stat().st_size}
    manifest = {"type": BUNDLE_TYPE, "spec": SPEC, "version": version,
                "expires": parse_expiry(expires).strftime("%Y-%m-%dT%H:%M:%SZ"), "groups": sorted(set(groups)),
                "threshold": threshold, "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "files": files}
    (out / MANIFEST).write_bytes(canonical_json(manifest))
    (out / SIGNATURES).write_text(json.dumps({"signatures": []}), encoding="utf-8")
    return _parse_manifest(manifest)


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(bundle: Path, keys: list[Ed25519PrivateKey]) -> list[str]:
    """Add detached signatures over manifest.json (one per key, replacing an older one by the same key)."""
    manifest = (bundle / MANIFEST).read_bytes()
    path = bundle / SIGNATURES
    existing = json.loads(path.read_text(encoding="utf-8"))["signatures"] if path.is_file() else []
    by_key = {s["keyid"]: s for s in existing}
    for key in keys:
        kid = key_id(bytes.fromhex(public_hex(key)))
        by_key[kid] = {"keyid": kid, "sig": key.sign(manifest).hex()}
    path.write_text(json.dumps({"signatures": sorted(by_key.values(), key=lambda s: s["keyid"])}, indent=1),
                    encoding="utf-8")
    return sorted(by_key)


# -- verification (both sides) ---------------------------------------------------------------------------------

def _parse_manifest(data: Any) -> Manifest:
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
            if (name.startswith("/") or "\\" in name or not parts or ".." in parts or name in (MANIFEST, SIGNATURES)
                    or not isinstance(spec.get("length"), int) or spec["length"] < 0
                    or not isinstance(spec.get("sha256"), str) or len(spec["sha256"]) != 64):
                raise BundleRefused("malformed", f"bad file entry {name[:80]!r}")
        groups = data["groups"]
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise BundleRefused("malformed", "groups is not a list of names")
        return Manifest(version=version, expires=parse_expiry(str(data["expires"])), groups=tuple(groups),
                        threshold=int(data.get("threshold", 1)), files=files, created=str(data.get("created", "")),
                        raw=data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BundleRefused("malformed", f"manifest: {type(exc).__name__}: {exc}") from None


def check_signatures(manifest_bytes: bytes, signatures: Any, root: RootKeys, wanted: int = 1) -> int:
    """Count valid signatures by distinct pinned keys; refuse below the threshold."""
    entries = signatures.get("signatures") if isinstance(signatures, dict) else None
    if not entries:
        raise BundleRefused("missing_signature", "the bundle is not signed")
    valid, bad = set(), 0
    for entry in entries:
        kid = entry.get("keyid") if isinstance(entry, dict) else None
        key = root.keys.get(kid or "")
        if key is None or kid in valid:
            continue
        try:
            key.verify(bytes.fromhex(str(entry.get("sig", ""))), manifest_bytes)
            valid.add(kid)
        except (InvalidSignature, ValueError):
            bad += 1
    threshold = max(root.threshold, wanted, 1)
    if len(valid) < threshold:
        if bad:
            raise BundleRefused("bad_signature", f"{bad} signature(s) do not verify; {len(valid)} of {threshold} valid")
        if not valid:
            raise BundleRefused("missing_signature", "no signature by a pinned key")
        raise BundleRefused("threshold_not_met", f"{len(valid)} of {threshold} required signatures")
    return len(valid)


def verify(bundle: Path, root: RootKeys, *, group: str | None = None, above_version: int = 0,
           now: datetime | None = None, max_bytes: int = MAX_BUNDLE_BYTES, lint: bool = True,
           terminal_devices: frozenset[str] | None = None) -> Manifest:
    """Check a bundle directory completely; raise :class:`BundleRefused` with the first reason found."""
    manifest_path = bundle / MANIFEST
    if not manifest_path.is_file() or manifest_path.is_symlink():
        raise BundleRefused("malformed", "no manifest.json")
    if manifest_path.stat().st_size > MAX_MANIFEST_BYTES:
        raise BundleRefused("oversized", "manifest.json is too large")
    manifest_bytes = manifest_path.read_bytes()
    sig_path = bundle / SIGNATURES
    if not sig_path.is_file() or sig_path.stat().st_size > MAX_MANIFEST_BYTES:
        raise BundleRefused("missing_signature", "no signatures.json")
    try:
        signatures = json.loads(sig_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise BundleRefused("missing_signature", "signatures.json is not JSON") from None
    check_signatures(manifest_bytes, signatures, root)
    try:
        data = json.loads(manifest_bytes)
    except (ValueError, UnicodeDecodeError):
        raise BundleRefused("malformed", "manifest.json is not JSON") from None
    manifest = _parse_manifest(data)
    check_signatures(manifest_bytes, signatures, root, manifest.threshold)
    if manifest.version <= above_version:
        raise BundleRefused("old_version", f"version {manifest.version} is not above {above_version}")
    if manifest.expires <= (now or datetime.now(UTC)):
        raise BundleRefused("expired", f"expired {manifest.expires:%Y-%m-%dT%H:%M:%SZ}")
    if group is not None and group not in manifest.groups:
        raise BundleRefused("wrong_group", f"for groups {list(manifest.groups)}, this terminal is in {group!r}")
    if len(manifest.files) > MAX_FILES or manifest.total_bytes > max_bytes:
        raise BundleRefused("oversized", f"{len(manifest.files)} files, {manifest.total_bytes} bytes")
    _check_files(bundle, manifest, max_bytes)
    if lint:
        problems = errors_only(lint_paths([bundle]) if terminal_devices is None else
                               _lint_for(bundle, terminal_devices))
        if problems:
            raise BundleRefused("lint_failed", "; ".join(str(p) for p in problems[:5]))
    return manifest


def _lint_for(bundle: Path, devices: frozenset[str]) -> list[Any]:
    from flows.lint import lint_directory

    return lint_directory(bundle / "definitions", LintContext.for_root(bundle, devices))


def _check_files(bundle: Path, manifest: Manifest, max_bytes: int) -> None:
    present, total = set(), 0
    for path in bundle.rglob("*"):
        rel = path.relative_to(bundle).as_posix()
        if path.is_symlink():
            raise BundleRefused("unexpected_file", f"{rel} is a link")
        if path.is_file():
            total += path.stat().st_size
            if total > max_bytes + 2 * MAX_MANIFEST_BYTES:
                raise BundleRefused("oversized", "the bundle directory holds more than its bound")
            present.add(rel)
    extra = present - set(manifest.files) - {MANIFEST, SIGNATURES}
    if extra:
        raise BundleRefused("unexpected_file", f"not in the manifest: {sorted(extra)[:3]}")
    for name, spec in manifest.files.items():
        path = bundle / name
        if name not in present:
            raise BundleRefused("missing_file", name)
        if path.stat().st_size != spec["length"]:
            raise BundleRefused("length_mismatch", f"{name}: {path.stat().st_size} bytes, manifest says {spec['length']}")
        if _sha256(path) != spec["sha256"]:
            raise BundleRefused("hash_mismatch", name)


def extract_archive(archive: Path, target: Path, max_bytes: int = MAX_BUNDLE_BYTES) -> Path:
    """Unpack a .tar/.tar.gz bundle safely (regular files and directories only, bounded size)."""
    total = 0
    with tarfile.open(archive) as tar:
        members = []
        for member in tar:
            parts = PurePosixPath(member.name).parts
            if member.name.startswith("/") or ".." in parts or not (member.isfile() or member.isdir()):
                raise BundleRefused("malformed", f"archive member {member.name[:80]!r} not allowed")
            total += member.size
            if total > max_bytes + 2 * MAX_MANIFEST_BYTES or len(members) > MAX_FILES + 10:
                raise BundleRefused("oversized", "archive larger than the bundle bound")
            members.append(member)
        tar.extractall(target, members=members, filter="data")
    entries = [p for p in target.iterdir()]
    if not (target / MANIFEST).is_file() and len(entries) == 1 and entries[0].is_dir():
        return entries[0]  # archived with a top directory
    return target


# -- terminal side ------------------------------------------------------------------------------------------

def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_file():
            with path.open("rb+") as stream:
                os.fsync(stream.fileno())
        elif path.is_dir():
            _fsync_dir(path)
    _fsync_dir(root)


def _crash_point(name: str) -> None:
    if _crash_hook is not None:
        _crash_hook(name)


class BundleManager:
    """The terminal's bundles: install (verify + stage), activate when idle, load, roll back.

    ``on_event(kind, detail)`` receives every refusal, staging, activation, deferral and rollback; see
    :func:`store_sink` for recording them in the terminal's store (and so the back office's outbox).
    """

    def __init__(self, data_dir: Path, group: str, *, on_event: EventSink | None = None,
                 max_bytes: int = MAX_BUNDLE_BYTES, terminal_devices: frozenset[str] | None = None,
                 root_keys_path: Path | None = None, now: Callable[[], datetime] | None = None):
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / "bundles"
        self.group = group
        self.on_event = on_event
        self.max_bytes = max_bytes
        self.terminal_devices = terminal_devices
        self.root_keys_path = root_keys_path or self.data_dir / ROOT_KEYS_FILE
        self.now = now or (lambda: datetime.now(UTC))
        self.root.mkdir(parents=True, exist_ok=True)
        self._clean_leftovers()

    # state ------------------------------------------------------------------------------------------------
    def _link_version(self, name: str) -> int | None:
        link = self.root / name
        if not link.is_symlink():
            return None
        target = os.readlink(link)
        return int(target) if target.isdigit() and (self.root / target).is_dir() else None

    def active_version(self) -> int | None:
        return self._link_version("active")

    def previous_version(self) -> int | None:
        return self._link_version("previous")

    def active_dir(self) -> Path | None:
        version = self.active_version()
        return self.root / str(version) if version else None

    def installed(self) -> list[int]:
        return sorted(int(p.name) for p in self.root.iterdir() if p.name.isdigit() and p.is_dir())

    def highest_version(self) -> int:
        """The highest version ever accepted here, failed ones included: none lower or equal is taken again."""
        versions = [int(p.name.split(".")[0]) for p in self.root.iterdir()
                    if p.name.split(".")[0].isdigit() and p.name.count(".") <= 1]
        return max(versions, default=0)

    def pending(self) -> list[int]:
        """Installed versions above the active one, waiting for an idle moment to be activated."""
        active = self.active_version() or 0
        return [v for v in self.installed() if v > active]

    def _emit(self, kind: str, **detail: Any) -> None:
        level = logging.WARNING if kind in ("bundle_refused", "bundle_rolled_back") else logging.INFO
        log.log(level, "%s %s", kind, json.dumps(detail, ensure_ascii=False, sort_keys=True))
        if self.on_event is not None:
            try:
                self.on_event(kind, detail)
            except Exception:  # recording an event must not break the terminal
                log.exception("bundle event %s not recorded", kind)

    def _clean_leftovers(self) -> None:
        for path in self.root.iterdir():
            if path.name.startswith(".staging-"):
                shutil.rmtree(path, ignore_errors=True)
            elif path.name.startswith(".") and path.is_symlink():
                path.unlink()

    # install ----------------------------------------------------------------------------------------------
    def root_keys(self) -> RootKeys:
        try:
            return RootKeys.load(self.root_keys_path)
        except FileNotFoundError:
            raise BundleRefused("no_root_keys", f"no pinned root keys at {self.root_keys_path}") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise BundleRefused("no_root_keys", f"pinned root keys unreadable: {exc}") from None

    def install(self, source: Path) -> int:
        """Verify a received bundle (directory or archive) and stage it under its version. Returns the version."""
        source = Path(source)
        try:
            with tempfile.TemporaryDirectory(dir=self.root, prefix=".staging-x") as unpack:
                directory = extract_archive(source, Path(unpack), self.max_bytes) if source.is_file() else source
                manifest = self._verify(directory)
                staging = self.root / f".staging-{manifest.version}-{os.getpid()}"
                shutil.rmtree(staging, ignore_errors=True)
                shutil.copytree(directory, staging, symlinks=True)
            # Verify the copy we keep, not the one we were handed: it may change under us.
            manifest = self._verify(staging)
            _fsync_tree(staging)
            os.rename(staging, self.root / str(manifest.version))
            _fsync_dir(self.root)
        except BundleRefused as exc:
            self._emit("bundle_refused", reason=exc.reason, detail=exc.detail[:500], source=source.name)
            for path in self.root.glob(".staging-*"):
                shutil.rmtree(path, ignore_errors=True)
            raise
        except (OSError, tarfile.TarError) as exc:
            self._emit("bundle_refused", reason="unreadable", detail=f"{type(exc).__name__}: {exc}"[:500],
                       source=source.name)
            raise BundleRefused("unreadable", str(exc)) from exc
        self._emit("bundle_staged", version=manifest.version, files=len(manifest.files), bytes=manifest.total_bytes)
        return manifest.version

    def _verify(self, directory: Path) -> Manifest:
        return verify(directory, self.root_keys(), group=self.group, above_version=self.highest_version(),
                      now=self.now(), max_bytes=self.max_bytes, terminal_devices=self.terminal_devices)

    # activate ---------------------------------------------------------------------------------------------
    def _point(self, name: str, version: int | None) -> None:
        """Make symlink ``name`` point at ``version`` in one rename (or remove it)."""
        link = self.root / name
        if version is None:
            if link.is_symlink():
                link.unlink()
                _fsync_dir(self.root)
            return
        temp = self.root / f".{name}.tmp-{os.getpid()}"
        if temp.is_symlink() or temp.exists():
            temp.unlink()
        os.symlink(str(version), temp)
        os.replace(temp, link)
        _fsync_dir(self.root)

    def activate(self, version: int | None = None, *, in_session: bool | Callable[[], bool] = False) -> bool:
        """Switch to ``version`` (default: the highest pending) unless a citizen is in a session.

        Returns True when the new bundle is active and loads; False when deferred or rolled back.
        """
        pending = self.pending()
        if version is None:
            if not pending:
                return False
            version = pending[-1]
        if version not in pending:
            raise BundleRefused("old_version", f"version {version} is not an installed version above the active one")
        busy = in_session() if callable(in_session) else in_session
        if busy:
            self._emit("bundle_deferred", version=version, reason="citizen_in_session")
            return False
        current = self.active_version()
        _crash_point("before_previous")
        if current is not None:
            self._point("previous", current)
        _crash_point("after_previous")
        self._point("active", version)
        _crash_point("after_active")
        try:
            self._load(self.root / str(version))
        except Exception as exc:  # any failure to load means roll back
            self._rollback(version, current, f"{type(exc).__name__}: {exc}")
            return False
        self._prune()
        self._emit("bundle_activated", version=version, previous=current)
        return True

    def _rollback(self, failed: int, to: int | None, reason: str) -> None:
        self._point("active", to)
        _crash_point("after_rollback")
        os.rename(self.root / str(failed), self.root / f"{failed}.failed")
        _fsync_dir(self.root)
        self._emit("bundle_rolled_back", version=failed, to=to, reason="load_failed", detail=reason[:500])

    def _prune(self) -> None:
        """Keep the active and previous bundles (and any pending above them); drop older ones."""
        keep = {self.active_version(), self.previous_version()}
        active = self.active_version() or 0
        for version in self.installed():
            if version not in keep and version < active:
                shutil.rmtree(self.root / str(version), ignore_errors=True)

    # load -------------------------------------------------------------------------------------------------
    def _load(self, directory: Path) -> dict[str, Flow]:
        """Re-check the bundle on disk (hashes, lint) and load its flows."""
        verify(directory, self.root_keys(), above_version=0, now=datetime.min.replace(tzinfo=UTC),
               max_bytes=self.max_bytes, terminal_devices=self.terminal_devices)
        flows = load_directory(directory / "definitions")
        if not flows:
            raise ValueError("the bundle holds no flows")
        return flows

    def load_active(self) -> tuple[dict[str, Flow], Path]:
        """The flows to offer and the root their templates are under; rolls back a bundle that fails.

        With no bundle active (a new terminal) the flows shipped with the software are used.
        """
        while True:
            version = self.active_version()
            if version is None:
                return load_directory(FLOWS_DIR), FLOWS_DIR.parent
            directory = self.root / str(version)
            try:
                return self._load(directory), directory
            except Exception as exc:  # the bundle on disk is damaged: go back
                previous = self.previous_version()
                self._rollback(version, previous if previous != version else None, f"{type(exc).__name__}: {exc}")
                if previous is not None:
                    self._point("previous", None)


def store_sink(store: Any) -> EventSink:
    """Record bundle events in the terminal's store (device events, queued for the back office)."""

    def sink(kind: str, detail: dict[str, Any]) -> None:
        store.record_device_event("flows", kind, str(detail.get("reason", "")),
                                  json.dumps(detail, ensure_ascii=False, sort_keys=True))
        if kind == "bundle_staged" and hasattr(store, "record_bundle"):
            store.record_bundle(int(detail["version"]), str(detail["version"]), "received")

    return sink
