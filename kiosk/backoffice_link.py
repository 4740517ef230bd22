"""The terminal's link to its back office, started without delaying the first screen.

``kiosk demo`` embeds the reference back office on 127.0.0.1 (``kiosk.demo.link`` passes the
``connect`` that starts it); a provisioned terminal uses the URL and credentials ``kiosk provision``
stored. Either way the
link starts on a background thread (the web stack takes a moment to import), and
until it is up the terminal is simply offline: queries raise ``ServiceOffline``,
cases queue in the outbox.

Flow bundles the sync client fetches go to ``bundles`` (a :class:`flows.bundles.BundleManager`) through
its one path, ``receive``: verified, staged, and activated at once unless ``in_session()`` says a citizen
is being served. ``on_bundle_change`` then tells the app to reload its flows.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drivers.base import EventSource
from flows.services import ServiceError, ServiceOffline
from kiosk.config import Config
from offline_cache.store import Store
from wire.ratelater import rate_code, rate_url

log = logging.getLogger(__name__)

# data dir -> (url, credentials, a started back office with stop() or None): how a demo link connects
Connect = Callable[[Path], tuple[str, Any, Any]]
OfflineAnswer = Callable[[str, dict[str, Any]], dict[str, Any]]


class BackofficeLink:
    """The sync client's owner. ``connect`` replaces reading provisioned credentials (``kiosk.demo`` passes
    one that starts the embedded back office); ``offline_answer`` answers a flow that works offline when
    the back office cannot (the demo's synthetic dataset). Both None on a production terminal."""

    def __init__(
        self,
        config: Config,
        store: Store,
        device_states: Callable[[], list[dict[str, Any]]],
        *,
        connect: Connect | None = None,
        offline_answer: OfflineAnswer | None = None,
        bundles: Any = None,
        in_session: Callable[[], bool] = lambda: False,
    ):
        self.config = config
        self.connect = connect
        self.offline_answer = offline_answer
        self.store = store
        self.device_states = device_states
        self.bundles = bundles  # flows.bundles.BundleManager, or None (no bundles taken)
        self.in_session = in_session
        self.maintenance: Callable[[], bool] = lambda: False  # services paused (the app sets it)
        self.bundle_changes = EventSource()  # the active bundle changed (from the sync thread): reload flows
        self.events = EventSource()  # SyncStatus changes, from the sync thread
        self.standing_changes = (
            EventSource()
        )  # new standing values fetched (kiosk.sync.standing), sync thread
        self.sync: Any = None
        self.embedded: Any = None  # the back office ``connect`` started in this process, if any
        self.credentials: Any = None  # kiosk.sync.Credentials once the link started (rate-later codes)
        self.rate_base = config.rate_later_url  # the address phones open; the back office's if empty
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
            if self.connect is not None:
                url, credentials, self.embedded = self.connect(data_dir)
            else:
                credentials = Credentials.load(data_dir)
                url = (
                    self.config.backoffice_url or credentials.base_url
                )  # no url in the file: the enrolment's
            if self._stopped:
                return
            self.rate_base = self.config.rate_later_url or url
            self.credentials = credentials
            bundles = self.bundles
            wiring: dict[str, Any] = (
                {}
                if bundles is None
                else {
                    "on_bundle": self.receive_bundle,
                    "bundle_status": bundles.status,
                    "on_withdraw": self.withdraw_bundle,
                }
            )
            self.sync = SyncClient(
                self.store,
                url,
                credentials,
                device_states=self.device_states,
                heartbeat_interval=self.config.heartbeat_s,
                maintenance=lambda: self.maintenance(),
                **wiring,
            )
            self.sync.events.subscribe(self.events.emit)
            self.sync.standing_changes.subscribe(self.standing_changes.emit)
            self.sync.start()
        except FileNotFoundError:
            log.warning("no back-office credentials: run `kiosk provision` (working offline)")
        except Exception:
            log.exception("the back-office link did not start (working offline)")

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

    def rate_later(self, case_no: str) -> dict[str, str] | None:
        """The phone link of a case (``wire.ratelater``): its URL and 8-digit code, or None before the link
        knows the terminal's credentials (the receipt then carries no rating QR; nothing else changes)."""
        credentials = self.credentials
        if credentials is None or not self.rate_base or not case_no:
            return None
        code = rate_code(credentials.secret, credentials.terminal_id, case_no)
        return {"rate_url": rate_url(self.rate_base, case_no, code), "rate_code": code}

    def wake(self) -> None:
        """Something new is in the outbox: deliver it soon."""
        if self.sync is not None:
            self.sync.wake()

    def query(self, service: str, params: dict[str, Any], *, allow_cached: bool = False) -> dict[str, Any]:
        """Ask the back office; a flow that works offline falls back to ``offline_answer``
        (in the demo: the synthetic dataset) when the back office cannot be reached."""
        try:
            if self.sync is None:
                raise ServiceOffline("the back-office link is not up")
            return self.sync.query_service.query(service, params, allow_cached=allow_cached)
        except ServiceOffline:
            if not (allow_cached and self.offline_answer is not None):
                raise
            return {**self.offline_answer(service, params), "cached": True}

    def open_session(self, id_number: str, card_type: str, case_no: str | None = None) -> None:
        """A citizen was identified: open the back office's session for that person (best effort; a
        personal query opens it itself if this one did not get through)."""
        if self.sync is not None:
            try:
                self.sync.query_service.open_session(id_number, card_type, case_no)
            except ServiceError as exc:  # offline, or refused: the query step will say so
                log.warning("citizen session not opened: %s", exc.key)

    def close_session(self) -> None:
        """The case ended: the citizen's session ends with it."""
        if self.sync is not None:
            self.sync.query_service.close_session()

    def receive_bundle(self, path: Path, version: int) -> Any:
        """A bundle the sync client fetched: the manager's one path (verify, stage, activate when idle)."""
        outcome = self.bundles.receive(path, in_session=self.in_session, version=version)
        if outcome.state == "installed":
            self.bundle_changes.emit(outcome)
        return outcome

    def withdraw_bundle(self, version: int) -> None:
        """The back office withdrew ``version``: if it runs here, go back to the one before."""
        if self.bundles.withdraw(version, reason="withdrawn by the operator"):
            self.bundle_changes.emit(version)
