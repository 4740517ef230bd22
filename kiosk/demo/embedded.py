"""The back office inside the kiosk process, for ``kiosk demo``: the embedded default is the whole system.

Usage (what ``kiosk demo`` does)::

    from kiosk.demo.embedded import start_embedded
    from kiosk.sync import Credentials, SyncClient

    bo = start_embedded(data_dir / "backoffice")          # uvicorn on 127.0.0.1, ephemeral port
    credentials = Credentials.from_enrolment(bo.enrolment)  # the demo terminal, enrolled once
    sync = SyncClient(store, bo.url, credentials)           # store = offline_cache.store.Store(...)
    sync.start()
    ...
    sync.stop(); bo.stop()

State lives in ``data_dir``: ``backoffice.sqlite3`` (SQLite, demo data answers the queries),
``operator-key`` and ``demo-terminal.json`` (0600), so a restarted demo keeps its terminal and cases.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backoffice.app import create_app
from backoffice.server import ThreadedServer


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


@dataclass
class EmbeddedBackoffice:
    """A running in-process back office and the demo terminal enrolled in it."""

    url: str
    operator_key: str
    enrolment: dict[str, Any]  # terminal_id, secret, group, bundle_root_keys (see kiosk.sync.Credentials)
    server: ThreadedServer = field(repr=False)

    @property
    def terminal_id(self) -> str:
        return self.enrolment["terminal_id"]

    @property
    def app(self):
        return self.server.app

    def stop(self) -> None:
        self.server.stop()


def start_embedded(
    data_dir: Path | str,
    *,
    port: int = 0,
    terminal_id: str = "T-0001",
    group: str = "default",
    database_url: str | None = None,
    bundle_root_keys: dict[str, Any] | None = None,
) -> EmbeddedBackoffice:
    """Start the back office on 127.0.0.1 (``port`` 0: any free one) and enrol the demo terminal once.

    ``bundle_root_keys`` (``{"threshold": N, "keys": [hex, ...]}``) are handed to terminals at enrolment.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file = data_dir / "operator-key"
    if not key_file.exists():
        _write_private(key_file, "opk_" + secrets.token_urlsafe(24))  # never a leading "-"
    operator_key = key_file.read_text().strip()
    app = create_app(
        database_url or f"sqlite:///{data_dir / 'backoffice.sqlite3'}",
        operator_key=operator_key,
        bundle_root_keys=bundle_root_keys,
    )
    server = ThreadedServer(app, port=port).start()
    enrolment_file = data_dir / "demo-terminal.json"
    enrolment = json.loads(enrolment_file.read_text()) if enrolment_file.exists() else None
    if enrolment is None or enrolment.get("terminal_id") != terminal_id:
        enrolment = enrol_directly(app, terminal_id=terminal_id, group=group)
        _write_private(enrolment_file, json.dumps(enrolment))
    return EmbeddedBackoffice(url=server.url, operator_key=operator_key, enrolment=enrolment, server=server)


def enrol_directly(app, *, terminal_id: str | None = None, group: str = "default") -> dict[str, Any]:
    """Issue a token and spend it at once, inside the application (no network): demo and tests."""
    from backoffice.enrolment import enrol, issue_tokens
    from backoffice.schemas import EnrolIn, TokenIn

    bo = app.state.backoffice
    token = issue_tokens(bo, TokenIn(group=group, terminal_id=terminal_id)).tokens[0]
    return enrol(bo, EnrolIn(token=token)).model_dump()
