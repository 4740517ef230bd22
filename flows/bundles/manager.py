"""The terminal's bundles: receive (verify + stage), activate when idle, load, expire, withdraw, roll back.

On disk::

    DATA_DIR/bundles/<version>/     verified bundles (complete before they get their name)
    DATA_DIR/bundles/active         symlink to the active version, switched with os.replace
    DATA_DIR/bundles/previous       symlink to the one before, kept for rollback
    DATA_DIR/bundles/<version>.failed     failed to load at activation (never retried)
    DATA_DIR/bundles/<version>.expired    expired while active; <version>.withdrawn: withdrawn by an operator
    DATA_DIR/bundles/journal.json   the last refusals, rollbacks, expiries and withdrawals, with reasons

Every step that changes what is active is a single rename, so a power cut leaves the old or the new
bundle active, never a mix. Every bundle, whether the sync client fetched it or a technician carried it
in (``kiosk flows install``), goes through :meth:`BundleManager.receive`; any failure of a bundle is a
recorded refusal, and a refused bundle never counts as a version seen, so it blocks no later one.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows.bundles.archive import extract_archive
from flows.bundles.durable import fsync_dir, fsync_tree, make_private, write_atomic
from flows.bundles.errors import ROOT_KEYS_FILE, BundleRefused, Outcome, refusal_of
from flows.bundles.journal import EventSink, emit, read_journal
from flows.bundles.keys import RootKeys
from flows.bundles.manifest import Manifest, read_manifest
from flows.bundles.verify import bundle_root, verify
from flows.loader import FLOWS_DIR, load_directory
from flows.model import Flow
from wire.limits import MAX_BUNDLE_BYTES

log = logging.getLogger(__name__)

CrashHook = Callable[[str], None]  # called at each point of an activation; the power-cut test kills there


class BundleManager:
    """``on_event(kind, detail)`` receives every refusal, staging, activation, deferral, rollback, expiry
    and withdrawal; see :func:`store_sink` for recording them in the terminal's store (and so the
    back office's outbox). ``crash_hook(point)`` is for the power-cut tests only."""

    def __init__(
        self,
        data_dir: Path,
        group: str,
        *,
        on_event: EventSink | None = None,
        max_bytes: int = MAX_BUNDLE_BYTES,
        terminal_devices: frozenset[str] | None = None,
        root_keys_path: Path | None = None,
        now: Callable[[], datetime] | None = None,
        crash_hook: CrashHook | None = None,
    ):
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / "bundles"
        self.group = group
        self.on_event = on_event
        self.max_bytes = max_bytes
        self.terminal_devices = terminal_devices
        self.root_keys_path = root_keys_path or self.data_dir / ROOT_KEYS_FILE
        self.now = now or (lambda: datetime.now(UTC))
        self.crash_hook = crash_hook
        self._lock = threading.RLock()
        self._depth = 0
        self._lock_fd: int | None = None
        self.root.mkdir(parents=True, exist_ok=True)
        with self._exclusive():
            self._clean_leftovers()

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """One changer at a time: the sync thread, the app's bundle lane and ``kiosk flows install`` in
        another process (an flock on ``bundles/.lock``, released by the kernel if the holder dies)."""
        with self._lock:
            self._depth += 1
            try:
                if self._depth == 1:
                    self._lock_fd = os.open(self.root / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
                    fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._lock_fd is not None:
                    os.close(self._lock_fd)
                    self._lock_fd = None

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
        """The highest version ever verified here (failed, expired, withdrawn included): none lower or
        equal is taken again. A refused bundle is not counted: its version was never proven."""
        versions = [
            int(p.name.split(".")[0])
            for p in self.root.iterdir()
            if p.is_dir() and p.name.split(".")[0].isdigit() and p.name.count(".") <= 1
        ]
        return max(versions, default=0)

    def pending(self) -> list[int]:
        """Installed versions above the active one, waiting for an idle moment to be activated."""
        active = self.active_version() or 0
        return [v for v in self.installed() if v > active]

    def journal(self) -> list[dict[str, Any]]:
        """The last refusals, rollbacks, expiries and withdrawals, newest last."""
        return read_journal(self.root)

    def status(self) -> dict[str, Any]:
        """What runs and what does not, honestly: for the heartbeat and ``kiosk status``."""
        journal = self.journal()
        return {
            "active": self.active_version(),
            "previous": self.previous_version(),
            "staged": self.pending(),
            "refused": [e for e in journal if e.get("kind") in ("bundle_refused", "bundle_rolled_back")][-5:],
            "notices": journal[-5:],
        }

    def _emit(self, kind: str, **detail: Any) -> None:
        emit(self.root, self.on_event, self.now().strftime("%Y-%m-%dT%H:%M:%SZ"), kind, detail)

    def _clean_leftovers(self) -> None:
        for path in self.root.iterdir():
            if path.name.startswith(".staging-"):
                shutil.rmtree(path, ignore_errors=True)
            elif path.name.startswith(".") and path.is_symlink():
                path.unlink()

    def _crash_point(self, name: str) -> None:
        if self.crash_hook is not None:
            self.crash_hook(name)

    # receive and install ------------------------------------------------------------------------------------
    def root_keys(self) -> RootKeys:
        try:
            return RootKeys.load(self.root_keys_path)
        except FileNotFoundError:
            raise BundleRefused("no_root_keys", f"no pinned root keys at {self.root_keys_path}") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise BundleRefused("no_root_keys", f"pinned root keys unreadable: {exc}") from None

    def receive(
        self, source: Path, *, in_session: bool | Callable[[], bool] = False, version: int | None = None
    ) -> Outcome:
        """The one path for every bundle: verify and stage, then activate unless a citizen is in a session."""
        with self._exclusive():
            return self._receive(source, in_session, version)

    def _receive(self, source: Path, in_session: bool | Callable[[], bool], version: int | None) -> Outcome:
        try:
            installed = self.install(source, version=version)
        except BundleRefused as exc:
            return Outcome("refused", version, exc.reason, exc.detail)
        if self.activate(installed, in_session=in_session):
            return Outcome("installed", installed)
        if installed in self.pending():
            return Outcome("staged", installed)
        entry = self.journal()[-1] if self.journal() else {}
        return Outcome("refused", installed, "load_failed", str(entry.get("detail", ""))[:300])

    def install(self, source: Path, *, version: int | None = None) -> int:
        """Verify a bundle (directory or archive) and stage it under its version. Returns the version.

        Every failure, whatever raised it, is a recorded ``bundle_refused`` and a :class:`BundleRefused`.
        """
        source = Path(source)
        try:
            with self._exclusive():
                manifest = self._install(source)
        except BaseException as exc:
            if not isinstance(exc, Exception):
                raise  # KeyboardInterrupt, SystemExit: not the bundle's fault
            refusal = refusal_of(exc)
            for path in self.root.glob(".staging-*"):
                shutil.rmtree(path, ignore_errors=True)
            self._emit(
                "bundle_refused",
                version=version,
                reason=refusal.reason,
                detail=refusal.detail[:500],
                source=source.name,
            )
            raise refusal from None
        self._emit(
            "bundle_staged", version=manifest.version, files=len(manifest.files), bytes=manifest.total_bytes
        )
        return manifest.version

    def _install(self, source: Path) -> Manifest:
        with tempfile.TemporaryDirectory(dir=self.root, prefix=".staging-x") as unpack:
            directory = extract_archive(source, Path(unpack), self.max_bytes) if source.is_file() else source
            manifest = self._verify(directory)
            staging = self.root / f".staging-{manifest.version}-{os.getpid()}"
            shutil.rmtree(staging, ignore_errors=True)
            shutil.copytree(directory, staging, symlinks=True)
        # Verify the copy we keep, not the one we were handed: it may change under us.
        manifest = self._verify(staging)
        rotated = bundle_root(staging, self.root_keys())
        make_private(staging)
        fsync_tree(staging)
        os.rename(staging, self.root / str(manifest.version))
        fsync_dir(self.root)
        if rotated.version > self.root_keys().version:
            write_atomic(self.root_keys_path, json.dumps(rotated.to_json(), indent=1).encode())
            self._emit("bundle_root_rotated", root_version=rotated.version, keys=len(rotated.keys))
        return manifest

    def _verify(self, directory: Path) -> Manifest:
        return verify(
            directory,
            self.root_keys(),
            group=self.group,
            above_version=self.highest_version(),
            now=self.now(),
            max_bytes=self.max_bytes,
            terminal_devices=self.terminal_devices,
        )

    # activate ---------------------------------------------------------------------------------------------
    def _point(self, name: str, version: int | None) -> None:
        """Make symlink ``name`` point at ``version`` in one rename (or remove it)."""
        link = self.root / name
        if version is None:
            if link.is_symlink():
                link.unlink()
                fsync_dir(self.root)
            return
        temp = self.root / f".{name}.tmp-{os.getpid()}"
        if temp.is_symlink() or temp.exists():
            temp.unlink()
        os.symlink(str(version), temp)
        os.replace(temp, link)
        fsync_dir(self.root)

    def activate(self, version: int | None = None, *, in_session: bool | Callable[[], bool] = False) -> bool:
        """Switch to ``version`` (default: the highest pending) unless a citizen is in a session.

        Returns True when the new bundle is active and loads; False when deferred or rolled back.
        """
        with self._exclusive():
            return self._activate(version, in_session)

    def _activate(self, version: int | None, in_session: bool | Callable[[], bool]) -> bool:
        pending = self.pending()
        if version is None:
            if not pending:
                return False
            version = pending[-1]
        if version not in pending:
            raise BundleRefused(
                "old_version", f"version {version} is not an installed version above the active one"
            )
        busy = in_session() if callable(in_session) else in_session
        if busy:
            self._emit("bundle_deferred", version=version, reason="citizen_in_session")
            return False
        current = self.active_version()
        self._crash_point("before_previous")
        if current is not None:
            self._point("previous", current)
        self._crash_point("after_previous")
        self._point("active", version)
        self._crash_point("after_active")
        try:
            self._load(self.root / str(version))
        except Exception as exc:  # any failure to load means roll back
            self._rollback(version, current, f"{type(exc).__name__}: {exc}")
            return False
        self._prune()
        self._emit("bundle_activated", version=version, previous=current)
        return True

    def _retire(self, version: int, suffix: str) -> None:
        os.rename(self.root / str(version), self.root / f"{version}.{suffix}")
        fsync_dir(self.root)

    def _rollback(self, failed: int, to: int | None, reason: str) -> None:
        self._point("active", to)
        self._crash_point("after_rollback")
        self._retire(failed, "failed")
        self._emit("bundle_rolled_back", version=failed, to=to, reason="load_failed", detail=reason[:500])

    def _prune(self) -> None:
        """Keep the active and previous bundles (and any pending above them); drop older ones."""
        keep = {self.active_version(), self.previous_version()}
        active = self.active_version() or 0
        for version in self.installed():
            if version not in keep and version < active:
                shutil.rmtree(self.root / str(version), ignore_errors=True)

    def withdraw(self, version: int, reason: str = "withdrawn") -> bool:
        """An operator withdrew ``version``: never run it again; if active, return to the one before it.
        Returns True when the active bundle changed (the caller reloads its flows)."""
        with self._exclusive():
            return self._withdraw(version, reason)

    def _withdraw(self, version: int, reason: str) -> bool:
        if version not in self.installed():
            return False
        active, previous = self.active_version(), self.previous_version()
        if version == active:
            self._point("active", previous)
            self._point("previous", None)
        elif version == previous:
            self._point("previous", None)
        self._retire(version, "withdrawn")
        self._emit(
            "bundle_withdrawn", version=version, to=previous if version == active else active, reason=reason
        )
        return version == active

    # load -------------------------------------------------------------------------------------------------
    def _load(self, directory: Path) -> dict[str, Flow]:
        """Re-check the bundle on disk (hashes, lint, expiry) and load its flows."""
        verify(
            directory,
            self.root_keys(),
            above_version=0,
            now=self.now(),
            max_bytes=self.max_bytes,
            terminal_devices=self.terminal_devices,
        )
        flows = load_directory(directory / "definitions")
        if not flows:
            raise ValueError("the bundle holds no flows")
        return flows

    def expired_active(self) -> bool:
        """True when the active bundle's signed expiry has passed (cheap: reads the manifest only)."""
        directory = self.active_dir()
        try:
            return directory is not None and read_manifest(directory).expires <= self.now()
        except BundleRefused:
            return True

    def load_active(self) -> tuple[dict[str, Flow], Path]:
        """The flows to offer and the root their templates are under.

        A bundle that fails to load is rolled back; one past its expiry is retired with a
        ``bundle_expired`` event; either way the previous bundle is tried, then the built-in flows.
        """
        with self._exclusive():
            return self._load_active()

    def _load_active(self) -> tuple[dict[str, Flow], Path]:
        while True:
            version = self.active_version()
            if version is None:
                return load_directory(FLOWS_DIR), FLOWS_DIR.parent
            directory = self.root / str(version)
            try:
                return self._load(directory), directory
            except Exception as exc:  # the bundle on disk is damaged or expired: go back
                previous = self.previous_version()
                to = previous if previous != version else None
                if isinstance(exc, BundleRefused) and exc.reason == "expired":
                    self._point("active", to)
                    self._retire(version, "expired")
                    self._emit("bundle_expired", version=version, to=to, reason="expired", detail=exc.detail)
                else:
                    self._rollback(version, to, f"{type(exc).__name__}: {exc}")
                if previous is not None:
                    self._point("previous", None)
