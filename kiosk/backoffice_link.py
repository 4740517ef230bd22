"""The terminal's link to its back office, started without delaying the first screen.

``kiosk demo`` embeds the reference back office on 127.0.0.1; a provisioned
terminal uses the URL and credentials ``kiosk provision`` stored. Either way the
link starts on a background thread (the web stack takes a moment to import), and
until it is up the terminal is simply offline: queries raise ``ServiceOffline``,
cases queue in the outbox.

It also takes up flow bundles the sync client received: each is verified and
installed by :class:`flows.bundles.BundleManager`, and activated only while no
citizen is in a session.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drivers.base import EventSource
from flows.services import ServiceOffline
from kiosk.config import Config
from offline_cache.store import Store

log = logging.getLogger(__name__)

ROOT_KEYS_FILE = Path("trust") / "bundle_root_keys.json"


DEMO_BUNDLE_KEY = "bundle-signing.key"


def demo_bundle_root_keys(directory: Path) -> dict[str, Any]:
    """The demo operator's bundle signing key (made once, 0600): its public half is the root of trust the
    embedded back office hands the demo terminal, so `kiosk flows sign --key DIR/bundle-signing.key` works."""
    from flows.bundles import generate_key, load_private_key, public_hex

    key_path = directory / DEMO_BUNDLE_KEY
    directory.mkdir(parents=True, exist_ok=True)
    public = public_hex(load_private_key(key_path)) if key_path.exists() else generate_key(key_path)
    return {"threshold": 1, "keys": [public]}


class BackofficeLink:
    def __init__(self, config: Config, store: Store, device_states: Callable[[], list[dict[str, Any]]]):
        self.config = config
        self.store = store
        self.device_states = device_states
        self.events = EventSource()  # SyncStatus changes, from the sync thread
        self.sync: Any = None
        self.embedded: Any = None
        self._stopped = False
        self._thread: threading.Thread | None = None

    # -- life cycle ----------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._start, name="backoffice-link", daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            from kiosk.sync import Credentials, SyncClient

            data_dir = Path(self.config.data_dir)
            if self.config.backoffice_url == "embedded":
                from backoffice.embedded import start_embedded

                self.embedded = start_embedded(data_dir / "backoffice", terminal_id=self.config.terminal_id,
                                               group=self.config.group,
                                               bundle_root_keys=demo_bundle_root_keys(data_dir / "backoffice"))
                credentials = Credentials.from_enrolment(self.embedded.enrolment)
                url = self.embedded.url
                self._pin_root_keys(data_dir, credentials.bundle_root_keys, credentials.bundle_root_threshold)
            else:
                credentials = Credentials.load(data_dir)
                url = self.config.backoffice_url
            if self._stopped:
                return
            self.sync = SyncClient(self.store, url, credentials, device_states=self.device_states,
                                   heartbeat_interval=60)
            self.sync.events.subscribe(self.events.emit)
            self.sync.start()
        except FileNotFoundError:
            log.error("no back-office credentials: run `kiosk provision` (working offline)")
        except Exception:
            log.exception("the back-office link did not start (working offline)")

    @staticmethod
    def _pin_root_keys(data_dir: Path, keys: tuple[str, ...], threshold: int) -> None:
        """The demo's embedded back office hands out its bundle root keys at enrolment."""
        path = data_dir / ROOT_KEYS_FILE
        if keys and not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"threshold": threshold, "keys": list(keys)}), encoding="utf-8")

    def stop(self) -> None:
        self._stopped = True
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self.sync is not None:
            self.sync.stop()
        if self.embedded is not None:
            self.embedded.stop()

    # -- what the app uses ----------------------------------------------------------------------------
    @property
    def online(self) -> bool:
        return self.sync is not None and self.sync.online

    def wake(self) -> None:
        """Something new is in the outbox: deliver it soon."""
        if self.sync is not None:
            self.sync.wake()

    def query(self, service: str, params: dict[str, Any], *, allow_cached: bool = False) -> dict[str, Any]:
        """Ask the back office; a flow that works offline falls back to the terminal's cached data
        (in the demo: the synthetic dataset) when the back office cannot be reached."""
        try:
            if self.sync is None:
                raise ServiceOffline("the back-office link is not up")
            return self.sync.query_service.query(service, params, allow_cached=allow_cached)
        except ServiceOffline:
            if not (allow_cached and self.config.demo):
                raise
            from backoffice.query_services import run_query

            return {**run_query(service, params), "cached": True}

    def received_bundles(self) -> list[Path]:
        """Bundle files the sync client fetched and nobody has installed yet."""
        return self.store.received_bundles()

    def mark_bundle(self, path: Path, state: str, detail: str = "") -> None:
        """Record what became of a fetched bundle (``installed``, or ``refused`` with the reason)."""
        self.store.set_bundle_state(path, state, detail)
