"""Two small JSON key-value tables: reference data cached from the back office, and sync state.

Separate tables (not one) because they are owned by different writers and cleared for different
reasons: reference data is replaced wholesale by a sync, sync state is the client's own bookkeeping
(cursors, submission results) and must survive a catalog refresh.
"""

from __future__ import annotations

import json
from typing import Any

from offline_cache.database import Database, now


class KeyValue:
    def __init__(self, db: Database) -> None:
        self._db = db

    def put_reference(self, name: str, value: Any) -> None:
        """Cache back-office data (catalog, announcements, config, lookups a flow may use offline)."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO reference_data(name, value, updated_at) VALUES (?,?,?)",
                (name, json.dumps(value, ensure_ascii=False), now()),
            )

    def get_reference(self, name: str, default: Any = None) -> Any:
        row = self._db.fetchone("SELECT value FROM reference_data WHERE name=?", (name,))
        return default if row is None else json.loads(row[0])

    def set_state(self, name: str, value: Any) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO sync_state(name, value, updated_at) VALUES (?,?,?)",
                (name, json.dumps(value), now()),
            )

    def get_state(self, name: str, default: Any = None) -> Any:
        row = self._db.fetchone("SELECT value FROM sync_state WHERE name=?", (name,))
        return default if row is None else json.loads(row[0])
