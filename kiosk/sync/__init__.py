"""The terminal's link to the back office (Qt-free): outbox relay, heartbeat, updates, live queries.

API the app uses::

    from kiosk.sync import Credentials, SyncClient, SyncStatus

    credentials = Credentials.load(data_dir)            # written by `kiosk provision`
    #   or Credentials.from_enrolment(embedded.enrolment) for `kiosk demo` (kiosk.demo.embedded)
    sync = SyncClient(store, base_url, credentials,      # store: offline_cache.store.Store
                      device_states=lambda: [s.as_dict() for s in statuses()],
                      heartbeat_interval=60, batch_size=200,
                      on_bundle=lambda path, version: manager.receive(path, version=version),  # flows.bundles
                      bundle_status=manager.status,     # heartbeat: active, staged, refused (never "received")
                      on_withdraw=manager.withdraw)     # the back office withdrew a version
    unsubscribe = sync.events.subscribe(on_status)       # on_status(SyncStatus) from the sync thread
    sync.standing_changes.subscribe(on_standing)         # new settings/announcements fetched (kiosk.sync.standing)
    sync.start()                                         # one daemon thread; never blocks the caller
    store.close_case(...); sync.wake()                   # deliver soon
    sync.online                                          # bool, for flows: live data vs queue
    sync.query_service                                   # HttpQueryService (flows.services.QueryService)
    sync.stop()

``SyncStatus`` carries ``online``, ``revoked``, ``queue_depth``, ``reason``, ``last_success_at``; it is
emitted on every online/offline or revoked change. The Qt layer re-emits it as a queued signal.

Behaviour: the outbox is sent in batches; a failure (connection refused or reset, timeout, 5xx, a
garbled answer) puts the client offline and backs off (capped exponential, full jitter, at least the
server's ``Retry-After``); an event leaves the queue only when the back office has answered for it, and
the back office deduplicates on its idempotency key, so every case, rating and device event is recorded
exactly once. After the acknowledgement the store purges the case's personal data. A terminal clock far
off is corrected from the server's answer. Requests are signed (``wire.signing``); with an https
URL the back office's certificate is pinned (``Credentials.server_cert``).

At start-up the app should call ``store.close_abandoned()`` first: cases left open by a crash or power cut
are closed as ``interrupted`` and reported like any other.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.sync.client import SyncClient, SyncStatus, full_jitter
    from kiosk.sync.credentials import Credentials
    from kiosk.sync.query import HttpQueryService
    from kiosk.sync.transport import Refused, Revoked, TransportError, Unreachable

# Imported on first use (PEP 562): the client brings requests and urllib3, which the terminal needs only once
# the link starts, after the first frame; a module that only reads kiosk.sync.credentials must not pay it.
_HOME = {
    "SyncClient": "kiosk.sync.client",
    "SyncStatus": "kiosk.sync.client",
    "full_jitter": "kiosk.sync.client",
    "Credentials": "kiosk.sync.credentials",
    "HttpQueryService": "kiosk.sync.query",
    "Refused": "kiosk.sync.transport",
    "Revoked": "kiosk.sync.transport",
    "TransportError": "kiosk.sync.transport",
    "Unreachable": "kiosk.sync.transport",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'kiosk.sync' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


__all__ = [
    "Credentials",
    "HttpQueryService",
    "Refused",
    "Revoked",
    "SyncClient",
    "SyncStatus",
    "TransportError",
    "Unreachable",
    "full_jitter",
]
