"""The sync worker: relay the outbox, heartbeat, fetch standing values (settings, announcements) and bundles. Qt-free.

One daemon thread does all of the network work, so the UI never waits on it; the UI only calls
``wake()`` (after a case is closed) and listens to ``events``.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from drivers.base import EventSource
from kiosk.sync import revocation
from kiosk.sync.bundle_fetch import fetch_bundle
from kiosk.sync.credentials import Credentials, pin_next_certificate
from kiosk.sync.query import HttpQueryService
from kiosk.sync.screenshots import upload_screenshots
from kiosk.sync.standing import fetch_standing
from kiosk.sync.standing import heartbeat_fields as standing_heartbeat
from kiosk.sync.transport import Refused, Revoked, Signer, Transport, TransportError, Unreachable
from offline_cache.store import Store
from wire.commands import parse_commands
from wire.events import EVENT_SUBMISSION

log = logging.getLogger(__name__)

SOFTWARE_VERSION = "0.1.0"


@dataclass(frozen=True)
class SyncStatus:
    """What the UI shows about the link: emitted through ``SyncClient.events`` whenever it changes."""

    online: bool
    revoked: bool = False
    queue_depth: int = 0
    reason: str = ""  # technician detail ('HTTP 503', 'ConnectionError'); never personal data
    last_success_at: float | None = None
    at: float = field(default_factory=time.time)


def full_jitter(failures: int, base: float, cap: float, rng: random.Random) -> float:
    """Capped exponential backoff with full jitter: uniform in [0, min(cap, base * 2**failures)]."""
    return rng.uniform(0.0, min(cap, base * (2 ** min(failures, 30))))


class SyncClient:
    """Delivers the store's outbox to the back office exactly once from the back office's point of view.

    Delivery is at least once (an event is marked delivered only after the back office answered for
    it); the back office deduplicates on the event's idempotency key.
    """

    def __init__(
        self,
        store: Store,
        base_url: str,
        credentials: Credentials,
        *,
        batch_size: int = 200,
        heartbeat_interval: float = 60.0,
        fetch_interval: float = 300.0,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        timeout: tuple[float, float] = (3.05, 15.0),
        device_states: Callable[[], list[dict[str, Any]]] | None = None,
        software_version: str = SOFTWARE_VERSION,
        bundle_dir: Path | str | None = None,
        on_bundle: Callable[[Path, int], Any] | None = None,
        bundle_version: Callable[[], int | None] | None = None,
        bundle_status: Callable[[], dict[str, Any]] | None = None,
        on_withdraw: Callable[[int], Any] | None = None,
        maintenance: Callable[[], bool] | None = None,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ):
        self.store = store
        self.base_url = base_url.rstrip("/")
        self.signer = Signer(credentials, clock)
        self.signer.offset = float(store.get_state("clock_offset", 0.0) or 0.0)
        self.batch_size = batch_size
        self.heartbeat_interval = heartbeat_interval
        self.fetch_interval = fetch_interval
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.timeout = timeout
        self.device_states = device_states or (lambda: [])
        self.software_version = software_version
        self.bundle_dir = Path(bundle_dir) if bundle_dir else store.path.parent / "downloads"
        self.on_bundle = on_bundle  # e.g. flows.bundles.BundleManager.install: verify and stage
        self.bundle_version = bundle_version  # e.g. BundleManager.active_version, for the heartbeat
        self.bundle_status = bundle_status  # e.g. BundleManager.status: active, staged, refused (heartbeat)
        self.on_withdraw = on_withdraw  # e.g. BundleManager.withdraw: the back office withdrew a version
        self.maintenance = maintenance  # services paused (heartbeat: the console shows it)
        self.rng = rng or random.Random()
        self.events = EventSource()  # SyncStatus changes and the console's commands
        self.standing_changes = EventSource()  # StandingFetched: new settings or announcements in the store
        self.query_service = HttpQueryService(
            self.base_url, self.signer, store=store, health=_ClientHealth(self), timeout=timeout
        )
        self._status = SyncStatus(online=False, reason="not started")
        self._commands_seen: set[str] = set()
        self._status_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = 0
        self._next_attempt = 0.0  # monotonic time before which the network is left alone
        self._next_heartbeat = 0.0
        self._next_fetch = 0.0
        self._transport: Transport | None = None
        self.delivered_total = 0

    # -- the UI's side -------------------------------------------------------------------------------
    @property
    def online(self) -> bool:
        return self._status.online

    @property
    def status(self) -> SyncStatus:
        return self._status

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="kiosk-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def wake(self) -> None:
        """Something was queued (or the link may be back): try now unless backing off. Never blocks."""
        self._wake.set()

    def check_now(self) -> None:
        """Heartbeat and look for updates at the next pass (an operator's 'update now', tests)."""
        self._next_heartbeat = 0.0
        self._next_fetch = 0.0
        self._wake.set()

    def heartbeat_soon(self) -> None:
        """Heartbeat at the next pass (the UI applied new standing values: the console hears of it at once)."""
        self._next_heartbeat = 0.0
        self._wake.set()

    def retry_now(self) -> None:
        """Forget the current backoff and try at once (a technician's 'retry' button)."""
        self._next_attempt = 0.0
        self._wake.set()

    # -- status --------------------------------------------------------------------------------------
    def _set_status(self, **changes: Any) -> None:
        with self._status_lock:
            old = self._status
            new = replace(old, **changes, at=time.time())
            self._status = new
        if (old.online, old.revoked) != (new.online, new.revoked) or old.reason == "not started":
            if new.revoked:  # a security event: the back office no longer accepts this terminal
                log.error(
                    "back office revoked this terminal (%s): working offline until it is re-enrolled",
                    self.signer.credentials.terminal_id,
                )
            else:
                log.info(
                    "back office %s%s",
                    "online" if new.online else "offline",
                    f" ({new.reason})" if new.reason and not new.online else "",
                )
            self.events.emit(new)

    def report_success(self) -> None:
        self._failures = 0
        self._next_attempt = 0.0
        self._set_status(online=True, revoked=False, reason="", last_success_at=time.time())
        revocation.clear(self.store)

    def report_failure(self, exc: TransportError) -> float:
        """Back off after a failure; returns the delay chosen."""
        if isinstance(exc, Revoked):
            revocation.record(self.store, self.signer.credentials)  # kept for `kiosk status`, run or not
            self._set_status(online=False, revoked=True, reason="revoked")
            delay = self.backoff_cap
        else:
            delay = full_jitter(self._failures, self.backoff_base, self.backoff_cap, self.rng)
            if exc.retry_after is not None:
                delay = max(delay, min(exc.retry_after, 3600.0))
            self._failures += 1
            self._set_status(online=False, reason=str(exc)[:120])
        self._next_attempt = time.monotonic() + delay
        return delay

    # -- the worker ----------------------------------------------------------------------------------
    def _run(self) -> None:
        self._transport = Transport(self.base_url, self.signer, timeout=self.timeout)
        while not self._stop.is_set():
            try:
                wait = self.run_once()
            except Exception:  # the worker must survive anything (a bug here must not stop delivery)
                log.exception("sync worker error")
                wait = self.backoff_cap
            self._wake.wait(timeout=max(0.0, wait))
            self._wake.clear()

    def run_once(self) -> float:
        """One pass: heartbeat and fetch when due, then drain. Returns seconds until the next pass."""
        if self._transport is None:
            self._transport = Transport(self.base_url, self.signer, timeout=self.timeout)
        now = time.monotonic()
        if now < self._next_attempt:
            return self._next_attempt - now
        try:
            if now >= self._next_heartbeat:
                self.heartbeat()
                self._next_heartbeat = now + self.heartbeat_interval
            if now >= self._next_fetch:
                self.fetch_updates()
                self._next_fetch = now + self.fetch_interval
            upload_screenshots(self._transport, self.store, self.store.path.parent / "screenshots")
            self.drain()
        except TransportError as exc:
            return self.report_failure(exc)
        return max(0.0, min(self._next_heartbeat, self._next_fetch) - time.monotonic())

    def drain(self, max_batches: int | None = None) -> int:
        """Send queued events batch by batch until the queue is empty; returns how many were delivered."""
        delivered = 0
        batches = 0
        while not self._stop.is_set() and (max_batches is None or batches < max_batches):
            pending = self.store.pending_events(self.batch_size)
            if not pending:
                break
            delivered += self._send_batch(pending)
            batches += 1
        if delivered:
            self._set_status(queue_depth=self.store.queue_depth())
        return delivered

    def _send_batch(self, pending: list[dict[str, Any]]) -> int:
        keys = [e["idem_key"] for e in pending]
        body = {
            "events": [
                {"idem_key": e["idem_key"], "kind": e["kind"], "payload": e["payload"]} for e in pending
            ]
        }
        assert self._transport is not None
        try:
            answer = self._transport.call("POST", "/api/v1/events", body)
        except Refused as exc:
            if exc.status == 413 and len(pending) > 1:  # too big for the server: halve and retry
                half = len(pending) // 2
                return self._send_batch(pending[:half]) + self._send_batch(pending[half:])
            self.store.mark_failed(keys, str(exc))
            raise
        except TransportError as exc:
            self.store.mark_failed(keys, str(exc))
            raise
        acknowledged = _acknowledged(answer, set(keys))
        if acknowledged is None:
            self.store.mark_failed(keys, "answer not understood")
            raise Unreachable("events answer not understood", code="garbage")
        submissions = {e["idem_key"] for e in pending if e["kind"] == EVENT_SUBMISSION}
        for result in answer["results"]:
            if result.get("idem_key") in submissions and isinstance(result.get("answer"), dict):
                self.store.set_state(f"submission:{result['idem_key']}", result["answer"])
        self.store.mark_delivered(acknowledged)
        self.delivered_total += len(acknowledged)
        rejected = [r.get("idem_key") for r in answer["results"] if r.get("status") == "rejected"]
        if rejected:
            log.warning("back office rejected %d event(s): %s", len(rejected), ", ".join(map(str, rejected)))
        self.report_success()
        return len(acknowledged)

    def active_bundle(self) -> int | None:
        """The version that runs: never one merely downloaded, staged or refused."""
        if self.bundle_status is not None:
            return self.bundle_status().get("active")
        if self.bundle_version is not None:
            return self.bundle_version()
        return self.store.bundle_versions()["active"]

    def heartbeat(self) -> dict[str, Any]:
        assert self._transport is not None
        body: dict[str, Any] = {
            "devices": self.device_states(),
            "software_version": self.software_version,
            "bundle_version": self.active_bundle(),
            "queue_depth": self.store.queue_depth(),
            "oldest_pending_age": self.store.oldest_pending_age(),
            "clock": self.signer.clock(),
        }
        if self.bundle_status is not None:
            body["bundles"] = self.bundle_status()
        if self.maintenance is not None:
            body["maintenance"] = bool(self.maintenance())
        body.update(standing_heartbeat(self.store))  # the standing values' versions the UI applied
        answer = self._transport.call("POST", "/api/v1/heartbeat", body)
        if not isinstance(answer, dict) or not isinstance(answer.get("server_time"), int | float):
            raise Unreachable("heartbeat answer not understood", code="garbage")
        self.signer.learn(float(answer["server_time"]))
        self.store.set_state("clock_offset", self.signer.offset)
        self.store.set_state("last_contact", time.time())  # `kiosk status` and the maintenance screen show it
        self.store.set_state("heartbeat_s", self.heartbeat_interval)  # status: how old 'last contact' may be
        self.report_success()
        for command in parse_commands(answer):  # the console's remote commands, each run once
            if command.id not in self._commands_seen and not self.store.command_done(command.id):
                self._commands_seen.add(command.id)
                self.events.emit(command)
        if answer.get("config_version") != self.store.get_state("config_version"):
            self._next_fetch = 0.0
        if answer.get("announcements_version") != self.store.get_state("announcements_version"):
            self._next_fetch = 0.0
        self._learn_certificate(answer.get("server_cert_next"))
        latest = answer.get("bundle_version")
        if (
            isinstance(latest, int)
            and latest != self.active_bundle()
            and self.store.bundle_state(latest) is None
        ):
            self._next_fetch = 0.0  # a version this terminal has not seen: fetch now, not at the next fetch
        withdrawn = answer.get("bundle_withdrawn")
        if isinstance(withdrawn, list) and any(
            isinstance(v, int) and self.store.bundle_state(v) not in (None, "withdrawn") for v in withdrawn
        ):
            self._next_fetch = 0.0  # a version this terminal holds was withdrawn: act now
        return answer

    def _learn_certificate(self, pem: Any) -> None:
        """The back office announced its next certificate over the pinned connection: pin it too."""
        path = self.signer.credentials.server_cert
        if path and self.base_url.startswith("https://") and pin_next_certificate(Path(path), pem):
            assert self._transport is not None
            self._transport.trust(pem)

    def fetch_updates(self) -> None:
        """Standing settings and announcements (``kiosk.sync.standing``), catalog and a newer flow bundle, cached in
        the store."""
        assert self._transport is not None
        changed = fetch_standing(self._transport, self.store)
        if changed is not None:
            self.standing_changes.emit(changed)  # the UI applies them (kiosk.ui.standing)
        catalog = self._transport.call("GET", "/api/v1/catalog")
        if isinstance(catalog, dict):
            self.store.put_reference("catalog", catalog.get("services", []))
        self.fetch_bundle()

    def fetch_bundle(self) -> int | None:
        """The group's latest bundle, if never seen, handed to ``on_bundle`` (``kiosk.sync.bundle_fetch``)."""
        return fetch_bundle(self)


def _acknowledged(answer: Any, sent: set[str]) -> list[str] | None:
    """The keys the back office answered for (accepted or rejected: both are final), or None if garbage."""
    if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
        return None
    keys = []
    for result in answer["results"]:
        if not isinstance(result, dict) or result.get("idem_key") not in sent:
            return None
        if result.get("status") in ("accepted", "rejected"):
            keys.append(result["idem_key"])
    return keys


class _ClientHealth:
    """The sync client's link state as the query service sees it (:class:`kiosk.sync.query.LinkHealth`)."""

    def __init__(self, client: SyncClient):
        self._client = client

    @property
    def online(self) -> bool:
        return self._client.online

    @property
    def revoked(self) -> bool:
        return self._client.status.revoked

    def succeeded(self) -> None:
        self._client.report_success()

    def failed(self, exc: TransportError) -> None:
        self._client.report_failure(exc)
        self._client.wake()
