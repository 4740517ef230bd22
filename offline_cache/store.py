"""The terminal's SQLite store: cases, their steps and ratings, the outbox, device events, print jobs.

Durability first: WAL with ``synchronous=FULL`` (kiosks lose power), versioned
migrations, and the transactional outbox: every business record and the event
that reports it to the back office are written in one transaction, so a power
cut leaves either both or neither.

The store is used from one worker thread at a time (the UI's database executor);
a lock guards it anyway so a CLI or a test can share it safely.

:class:`Store` is a facade: callers keep one object and one API, while each concern lives in its own
module, split where the data's owners and lifetimes differ:

- :mod:`offline_cache.database` — the connection, durability pragmas, migrations, the lock, transactions.
- :mod:`offline_cache.outbox` — queued events, delivery, and the purge of personal data on delivery.
- :mod:`offline_cache.cases` — cases, steps, subjects, ratings, queued submissions.
- :mod:`offline_cache.keyvalue` — cached reference data and sync state.
- :mod:`offline_cache.bundle_records` — which flow bundles arrived and what became of them.

What stays here is what crosses them: the size bound (it weighs the whole database and prunes the
outbox before refusing a new case).
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from offline_cache.bundle_records import BundleRecords
from offline_cache.cases import CaseRecord, Cases, RatingExists
from offline_cache.database import Database
from offline_cache.keyvalue import KeyValue
from offline_cache.outbox import NON_PERSONAL_CASE_DATA, Outbox
from wire.events import CHANNEL_TERMINAL

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["NON_PERSONAL_CASE_DATA", "CaseRecord", "RatingExists", "Store", "StoreFull"]


class StoreFull(Exception):
    """The database reached its size bound: new cases are refused, nothing queued is dropped."""

    key = "error.store.full"


class Store:
    def __init__(self, path: Path | str, *, terminal_id: str = "T-0000", max_bytes: int = 512 * 1024 * 1024):
        self._database = Database(path)
        self.path = self._database.path
        self.terminal_id = terminal_id
        self.max_bytes = max_bytes
        self._lock = self._database.lock
        self._conn = self._database.conn  # tests and the soak bench read tables directly
        self._outbox = Outbox(self._database, terminal_id)
        self._cases = Cases(self._database, terminal_id)
        self._kv = KeyValue(self._database)
        self._bundles = BundleRecords(self._database)

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over the store's connection (tests, the soak bench), imported on first use."""
        return self._database.utils

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        self._database.close()

    @property
    def schema_version(self) -> int:
        return self._database.schema_version

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """Hold the store's lock and a write transaction (the print journal writes its own table here)."""
        return self._database.transaction()

    def integrity_check(self) -> str:
        return self._database.integrity_check()

    def size_bytes(self) -> int:
        return self._database.size_bytes()

    def used_bytes(self) -> int:
        """Bytes in live pages: what the size bound compares (free pages are reused, so the file stops growing)."""
        return self._database.used_bytes()

    def is_full(self) -> bool:
        return self.used_bytes() > self.max_bytes

    # -- the outbox ------------------------------------------------------------------------------
    def pending_events(self, limit: int = 100) -> list[dict[str, Any]]:
        return self._outbox.pending_events(limit)

    def mark_delivered(self, idem_keys: list[str]) -> None:
        """The back office acknowledged these events: mark them and purge the personal data they carried."""
        self._outbox.mark_delivered(idem_keys)

    def mark_failed(self, idem_keys: list[str], error: str) -> None:
        """Count a failed attempt (for the technician's view); the events stay queued."""
        self._outbox.mark_failed(idem_keys, error)

    def oldest_pending_age(self) -> float | None:
        return self._outbox.oldest_pending_age()

    def prune_delivered(self, older_than: float = 7 * 86400) -> int:
        """Forget delivered events (and the local device log) older than ``older_than`` seconds."""
        return self._outbox.prune_delivered(older_than)

    def queue_depth(self) -> int:
        return self._outbox.queue_depth()

    def record_device_event(self, device: str, state: str, reason: str = "", detail: str = "") -> None:
        self._outbox.record_device_event(device, state, reason, detail)

    def record_help_call(self, screen: str, service_id: str = "") -> None:
        self._outbox.record_help_call(screen, service_id)

    def record_command_ack(self, command_id: str, kind: str, outcome: str, detail: str = "") -> None:
        """Acknowledge a remote command (``wire.commands``) through the outbox; it is then never run again."""
        self._outbox.record_command_ack(command_id, kind, outcome, detail)

    def command_done(self, command_id: str) -> bool:
        """Whether this remote command was already run (or refused) here."""
        return self._outbox.command_done(command_id)

    # -- cases -----------------------------------------------------------------------------------
    def open_case(self, service_id: str, item_code: str, flow_version: int | str = 1) -> str:
        """Start a case; refused with :class:`StoreFull` when the database is at its bound.

        Only new cases are refused: steps, closes and ratings of cases already open still go in, and
        nothing queued is ever dropped to make room.
        """
        if self.is_full():
            self.prune_delivered(older_than=0)
            used = self.used_bytes()
            if used > self.max_bytes:
                raise StoreFull(f"database holds {used} bytes, bound {self.max_bytes}")
        return self._cases.open_case(service_id, item_code, flow_version)

    def record_step(self, case_no: str, step_id: str, step_type: str, outcome: str) -> None:
        self._cases.record_step(case_no, step_id, step_type, outcome)

    def set_subject(self, case_no: str, id_number: str, name: str, card_type: str) -> None:
        """Who the case is for: kept only until the back office has the case."""
        self._cases.set_subject(case_no, id_number, name, card_type)

    def close_case(self, case_no: str, outcome: str, data: dict[str, Any] | None = None) -> None:
        """Finish a case and queue it for the back office in the same transaction."""
        self._cases.close_case(case_no, outcome, data)

    def close_abandoned(self, outcome: str = "interrupted") -> list[str]:
        """Close every case still open (the process died or restarted mid-case) and queue it."""
        return self._cases.close_abandoned(outcome)

    def record_rating(
        self,
        case_no: str,
        item_code: str,
        level: int,
        indicators: dict[str, int],
        comment: str = "",
        channel: str = CHANNEL_TERMINAL,
        *,
        reasons: list[str] | None = None,
        set_version: int = 2,
    ) -> None:
        """好差评: one rating per case (一事一评), queued for the back office like any transaction; a second
        rating of the same case raises :class:`RatingExists`."""
        self._cases.record_rating(
            case_no, item_code, level, indicators, comment, channel, reasons=reasons, set_version=set_version
        )

    def get_case(self, case_no: str) -> CaseRecord | None:
        return self._cases.get_case(case_no)

    def queue_submission(
        self, case_no: str, service: str, params: dict[str, Any], session: str | None = None
    ) -> str:
        """Queue an application for a service that accepts it offline, with the citizen session it was
        made in; returns the idempotency key."""
        return self._cases.queue_submission(case_no, service, params, session)

    def submission_result(self, idem_key: str) -> dict[str, Any] | None:
        """The back office's answer to a queued submission, once delivered (None before)."""
        return self.get_state(f"submission:{idem_key}")

    # -- cached reference data, sync state -------------------------------------------------------
    def put_reference(self, name: str, value: Any) -> None:
        """Cache back-office data (catalog, announcements, config, lookups a flow may use offline)."""
        self._kv.put_reference(name, value)

    def get_reference(self, name: str, default: Any = None) -> Any:
        return self._kv.get_reference(name, default)

    def set_state(self, name: str, value: Any) -> None:
        self._kv.set_state(name, value)

    def get_state(self, name: str, default: Any = None) -> Any:
        return self._kv.get_state(name, default)

    # -- flow bundles ----------------------------------------------------------------------------
    def record_bundle(self, version: int, path: str, state: str = "received", detail: str = "") -> None:
        """A flow bundle fetched from the back office; verification and activation belong to the flows."""
        self._bundles.record_bundle(version, path, state, detail)

    def bundle_versions(self) -> dict[str, int | None]:
        """Highest received and highest active bundle version (for the heartbeat)."""
        return self._bundles.bundle_versions()

    def bundle_state(self, version: int) -> str | None:
        """What became of bundle ``version`` here (None: never fetched)."""
        return self._bundles.bundle_state(version)

    def set_bundle_version_state(self, version: int, state: str, detail: str = "") -> None:
        self._bundles.set_bundle_version_state(version, state, detail)

    def open_case_count(self) -> int:
        """Cases opened and not closed: a citizen is in a session (or a crash left one, closed at start)."""
        return int(self._database.fetchall("SELECT count(*) FROM cases WHERE outcome IS NULL")[0][0])

    def received_bundles(self) -> list[Path]:
        """Bundle files fetched and not yet installed or refused, oldest version first."""
        return self._bundles.received_bundles()

    def set_bundle_state(self, path: str | Path, state: str, detail: str = "") -> None:
        """What became of the bundle at ``path`` (``installed``, or ``refused`` with the reason)."""
        self._bundles.set_bundle_state(path, state, detail)
