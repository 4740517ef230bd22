"""What happened to the terminal's bundles, told three ways: the log, a short journal on disk, and events.

The journal (``bundles/journal.json``) keeps the last refusals, rollbacks, expiries and withdrawals with their
reasons, so ``kiosk status`` and the heartbeat can say why a version is not running even after a restart;
events go to whoever listens (:func:`store_sink`: the terminal's store, and so the back office's outbox).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flows.bundles.durable import write_atomic

log = logging.getLogger("flows.bundles.manager")

EventSink = Callable[[str, dict[str, Any]], None]
JOURNAL = "journal.json"
JOURNAL_KEEP = 20
NOTICES = ("bundle_refused", "bundle_rolled_back", "bundle_expired", "bundle_withdrawn")


def read_journal(root: Path) -> list[dict[str, Any]]:
    """The last notices, newest last ([] when there is no readable journal)."""
    try:
        entries = json.loads((root / JOURNAL).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return entries if isinstance(entries, list) else []


def emit(root: Path, on_event: EventSink | None, at: str, kind: str, detail: dict[str, Any]) -> None:
    """Log the event, journal it if it is a notice, hand it to ``on_event``; never raises."""
    level = logging.WARNING if kind in NOTICES else logging.INFO
    log.log(level, "%s %s", kind, json.dumps(detail, ensure_ascii=False, sort_keys=True))
    if kind in NOTICES:
        try:
            entries = read_journal(root) + [{"kind": kind, "at": at, **detail}]
            write_atomic(root / JOURNAL, json.dumps(entries[-JOURNAL_KEEP:], ensure_ascii=False).encode())
        except OSError:
            log.exception("bundle journal not written")
    if on_event is not None:
        try:
            on_event(kind, detail)
        except Exception:  # recording an event must not break the terminal
            log.exception("bundle event %s not recorded", kind)


def store_sink(store: Any) -> EventSink:
    """Record bundle events in the terminal's store (device events, queued for the back office)."""

    def sink(kind: str, detail: dict[str, Any]) -> None:
        store.record_device_event(
            "flows",
            kind,
            str(detail.get("reason", "")),
            json.dumps(detail, ensure_ascii=False, sort_keys=True),
        )

    return sink
