"""The terminal's record of flow bundles fetched from the back office, and what became of each.

Only bookkeeping lives here (version, file, state: received, installed, refused, active); verifying and
activating a bundle belong to :mod:`flows.bundles`. The kiosk asks this module which bundles wait and
records the outcome, instead of reading the table itself, so every access goes through the store's lock.
"""

from __future__ import annotations

from pathlib import Path

from offline_cache.database import Database, now

BUNDLE_STATES = frozenset({"received", "installed", "refused", "active", "withdrawn"})


class BundleRecords:
    def __init__(self, db: Database) -> None:
        self._db = db

    def record_bundle(self, version: int, path: str, state: str = "received", detail: str = "") -> None:
        """A flow bundle fetched from the back office; verification and activation belong to the flows."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO flow_bundles(version, path, state, received_at, detail) VALUES (?,?,?,?,?) "
                "ON CONFLICT(version) DO NOTHING",
                (version, path, state, now(), detail),
            )

    def bundle_versions(self) -> dict[str, int | None]:
        """Highest received and highest active bundle version (for the heartbeat)."""
        with self._db.lock:
            received = self._db.conn.execute("SELECT max(version) FROM flow_bundles").fetchone()[0]
            active = self._db.conn.execute(
                "SELECT max(version) FROM flow_bundles WHERE state='active'"
            ).fetchone()[0]
        return {"received": received, "active": active}

    def bundle_state(self, version: int) -> str | None:
        """What became of ``version`` here (None: never fetched). A version fetched once is not fetched again."""
        rows = self._db.fetchall("SELECT state FROM flow_bundles WHERE version=?", (version,))
        return str(rows[0][0]) if rows else None

    def received_bundles(self) -> list[Path]:
        """Bundle files fetched and not yet installed or refused, oldest version first."""
        rows = self._db.fetchall("SELECT path FROM flow_bundles WHERE state='received' ORDER BY version")
        return [Path(row[0]) for row in rows]

    def set_bundle_state(self, path: str | Path, state: str, detail: str = "") -> None:
        """What became of the bundle at ``path`` (``installed``, ``refused`` with the reason in ``detail``)."""
        if state not in BUNDLE_STATES:
            raise ValueError(f"unknown bundle state {state!r}; known: {', '.join(sorted(BUNDLE_STATES))}")
        with self._db.transaction() as conn:
            conn.execute("UPDATE flow_bundles SET state=?, detail=? WHERE path=?", (state, detail, str(path)))

    def set_bundle_version_state(self, version: int, state: str, detail: str = "") -> None:
        """What became of bundle ``version`` (e.g. ``withdrawn`` by an operator), recorded even if never fetched."""
        if state not in BUNDLE_STATES:
            raise ValueError(f"unknown bundle state {state!r}; known: {', '.join(sorted(BUNDLE_STATES))}")
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO flow_bundles(version, path, state, received_at, detail) VALUES (?,?,?,?,?) "
                "ON CONFLICT(version) DO UPDATE SET state=excluded.state, detail=excluded.detail",
                (version, "", state, now(), detail),
            )
