"""Fetching a flow bundle: the sync worker's download of the group's latest version, once per version.

Kept apart from the worker loop (``kiosk.sync.client``) because it is its own protocol: metadata first (the
withdrawn versions, the version, length and digest), the length bounded before a byte is read, the digest
checked, the file handed to the flows' ``BundleManager`` and the outcome recorded in the store — a refused
version is recorded with its reason and never blocks a later one.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from kiosk.sync.transport import Refused, Transport, Unreachable
from offline_cache.store import Store
from wire.limits import MAX_BUNDLE_BYTES

log = logging.getLogger("kiosk.sync.client")

# what became of a bundle (flows.bundles.Outcome.state) -> the store's record of it
_STATES = {"installed": "active", "staged": "installed", "refused": "refused"}


class BundleFetcher(Protocol):
    """What the download needs of the sync worker (``kiosk.sync.client.SyncClient``)."""

    _transport: Transport | None
    store: Store
    bundle_dir: Path
    on_bundle: Callable[[Path, int], Any] | None
    on_withdraw: Callable[[int], Any] | None

    def active_bundle(self) -> int | None: ...


def fetch_bundle(client: BundleFetcher) -> int | None:
    """Download the group's latest bundle if this terminal has never seen that version and hand it to
    ``on_bundle`` (the flows' BundleManager verifies, stages and activates when idle). Each version is
    fetched once: a refused one is recorded with its reason and never blocks a later one."""
    transport = client._transport
    assert transport is not None
    try:
        meta = transport.call("GET", "/api/v1/bundles/latest")
    except Refused as exc:
        if exc.status == 404:
            return None
        raise
    if isinstance(meta, dict) and client.on_withdraw is not None:
        for withdrawn in meta.get("withdrawn") or []:
            if isinstance(withdrawn, int) and client.store.bundle_state(withdrawn) not in (
                None,
                "withdrawn",
            ):
                client.on_withdraw(withdrawn)
                client.store.set_bundle_version_state(withdrawn, "withdrawn")
    version = meta.get("version") if isinstance(meta, dict) else None
    if not isinstance(version, int) or version < 1 or client.store.bundle_state(version) is not None:
        return None
    if version == client.active_bundle():
        return None
    length = meta.get("length")
    if not isinstance(length, int) or not 0 <= length <= MAX_BUNDLE_BYTES:
        log.warning("bundle %s refused: length %r", version, length)
        client.store.record_bundle(version, "", "refused", f"oversized: length {length!r}")
        return None
    content = transport.call("GET", f"/api/v1/bundles/{version}", raw=True, max_bytes=length)
    if len(content) != length or hashlib.sha256(content).hexdigest() != meta.get("sha256"):
        raise Unreachable("bundle does not match its metadata", code="garbage")
    client.bundle_dir.mkdir(parents=True, exist_ok=True)
    path = client.bundle_dir / f"bundle-{version}.tar"
    tmp = path.with_suffix(".part")
    tmp.write_bytes(content)
    tmp.replace(path)
    log.info("bundle %s downloaded (%d bytes)", version, length)
    state, detail = "received", meta.get("sha256", "")
    if client.on_bundle is not None:
        try:
            outcome = client.on_bundle(path, version)
            state, detail = (
                _STATES.get(getattr(outcome, "state", "staged"), "installed"),
                str(getattr(outcome, "reason", "")),
            )
        except Exception as exc:  # refused (signature, version, group...): recorded, not fetched again
            state, detail = "refused", f"{getattr(exc, 'reason', type(exc).__name__)}: {exc}"[:300]
        if state == "refused":
            log.warning("bundle %s refused: %s", version, detail)
        path.unlink(missing_ok=True)  # the manager keeps its own verified copy
    client.store.record_bundle(version, str(path), state, detail)
    return version
