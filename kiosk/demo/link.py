"""The demo's back office: started in-process, enrolled at once, and the offline answers of its dataset.

:class:`kiosk.backoffice_link.BackofficeLink` takes a ``connect`` callable (data dir -> url, credentials,
the started back office) and an ``offline_answer`` callable; the composition root passes these two when the config says
``backoffice_url = "embedded"`` and ``demo``, so the link itself does not know a demo exists.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows.bundles import ROOT_KEYS_FILE

if TYPE_CHECKING:  # imported when connecting: kiosk.sync brings requests, not needed for the first frame
    from kiosk.sync.credentials import Credentials

DEMO_BUNDLE_KEY = "bundle-signing.key"


def demo_bundle_root_keys(directory: Path) -> dict[str, Any]:
    """The demo operator's bundle signing key (made once, 0600): its public half is the root of trust the
    embedded back office hands the demo terminal, so `kiosk flows sign --key DIR/bundle-signing.key` works."""
    from flows.bundles import generate_key, load_private_key, public_hex

    key_path = directory / DEMO_BUNDLE_KEY
    directory.mkdir(parents=True, exist_ok=True)
    public = public_hex(load_private_key(key_path)) if key_path.exists() else generate_key(key_path)
    return {"threshold": 1, "keys": [public]}


def pin_root_keys(data_dir: Path, keys: tuple[str, ...], threshold: int) -> None:
    """The demo's embedded back office hands out its bundle root keys at enrolment."""
    path = data_dir / ROOT_KEYS_FILE
    if keys and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"threshold": threshold, "keys": list(keys)}), encoding="utf-8")


Connect = Callable[[Path], tuple[str, "Credentials", Any]]


def embedded_connector(terminal_id: str, group: str) -> Connect:
    """A ``connect`` for the link: start the embedded back office under ``DATA_DIR/backoffice``; the third
    value is the running :class:`kiosk.demo.embedded.EmbeddedBackoffice` (the link stops it last)."""

    def connect(data_dir: Path) -> tuple[str, Credentials, Any]:
        from kiosk.demo.embedded import start_embedded
        from kiosk.sync.credentials import Credentials

        embedded = start_embedded(
            data_dir / "backoffice",
            terminal_id=terminal_id,
            group=group,
            bundle_root_keys=demo_bundle_root_keys(data_dir / "backoffice"),
        )
        credentials = Credentials.from_enrolment(embedded.enrolment)
        pin_root_keys(data_dir, credentials.bundle_root_keys, credentials.bundle_root_threshold)
        return embedded.url, credentials, embedded

    return connect


def demo_answer(service: str, params: dict[str, Any]) -> dict[str, Any]:
    """Answer a query from the synthetic dataset in-process (the demo's offline fallback)."""
    from backoffice.query_services import run_query

    return run_query(service, params)
