"""A flow bundle from the operator to the terminal: provisioned root keys, published, fetched, verified, staged."""

from __future__ import annotations

import base64
import io
import tarfile
from datetime import date, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from flows import bundles
from flows.loader import FLOWS_DIR
from kiosk.cli import main
from kiosk.sync import Credentials, SyncClient
from offline_cache.store import Store


def _tar(directory) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(directory.rglob("*")):
            tar.add(path, arcname=str(path.relative_to(directory)), recursive=False)
    return buffer.getvalue()


def test_signed_bundle_reaches_the_bundle_manager(tmp_path, backoffice):
    operator_key = Ed25519PrivateKey.generate()
    backoffice.op(
        "PUT",
        "/api/v1/operator/bundle-root-keys",
        json={"threshold": 1, "keys": [bundles.public_hex(operator_key)]},
    )
    data_dir = tmp_path / "kiosk"
    token = backoffice.token(group="wuchang")
    assert (
        main(["provision", "--backoffice", backoffice.url, "--token", token, "--data-dir", str(data_dir)])
        == 0
    )
    credentials = Credentials.load(data_dir)

    src = FLOWS_DIR.parent
    good, forged = tmp_path / "b7", tmp_path / "b8"
    expires = date.today() + timedelta(days=30)
    bundles.pack(src, good, 7, expires, ["wuchang"])
    bundles.sign(good, [operator_key])
    bundles.pack(src, forged, 8, expires, ["wuchang"])
    bundles.sign(forged, [Ed25519PrivateKey.generate()])  # not a pinned key

    manager = bundles.BundleManager(data_dir, credentials.group)
    store = Store(data_dir / "kiosk.db", terminal_id=credentials.terminal_id)
    client = SyncClient(
        store,
        credentials.base_url,
        credentials,
        on_bundle=lambda path, _v: manager.install(path),
        bundle_version=manager.active_version,
    )
    publish = {"group": "wuchang", "version": 7, "content_b64": base64.b64encode(_tar(good)).decode()}
    assert backoffice.op("POST", "/api/v1/operator/bundles", json=publish).status_code == 201
    client.run_once()
    assert manager.installed() == [7] and manager.pending() == [7]
    assert store.bundle_versions()["received"] == 7

    publish = {"group": "wuchang", "version": 8, "content_b64": base64.b64encode(_tar(forged)).decode()}
    answer = backoffice.op("POST", "/api/v1/operator/bundles", json=publish)
    assert (
        answer.status_code == 422 and answer.json()["error"] == "bundle.missing_signature"
    )  # checked at publish
    _plant(backoffice, "wuchang", 8, _tar(forged))  # a compromised back office serves it anyway
    client.fetch_updates()
    assert manager.installed() == [7]
    state = store._conn.execute("SELECT state FROM flow_bundles WHERE version=8").fetchone()[0]
    assert state == "refused"
    client.fetch_updates()  # a refused bundle is not fetched again and again
    assert store._conn.execute("SELECT count(*) FROM flow_bundles").fetchone()[0] == 2


def _plant(backoffice, group: str, version: int, content: bytes) -> None:
    """Put a bundle straight into the back office's database, past its checks (an attacker's view)."""
    import hashlib

    from backoffice.models import Bundle

    with backoffice.state.sessions.begin() as session:
        session.add(
            Bundle(
                group=group,
                version=version,
                sha256=hashlib.sha256(content).hexdigest(),
                length=len(content),
                content=content,
                published_at=0.0,
                note="",
            )
        )
    backoffice.state.forget_latest_bundle(group)
