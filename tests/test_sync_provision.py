"""``kiosk provision`` against the real back office, and TLS with the pinned certificate."""

from __future__ import annotations

import stat

import pytest
import requests

from kiosk.cli import main
from kiosk.sync import Credentials, SyncClient
from kiosk.sync.transport import Signer, Transport, Unreachable
from offline_cache.store import Store
from tests.fixtures.backoffice import make_self_signed


def _provision(data_dir, url, token, *extra: str) -> int:
    return main(["provision", "--backoffice", url, "--token", token, "--data-dir", str(data_dir), *extra])


def test_provision_enrols_and_stores_private_credentials(tmp_path, backoffice, capsys):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from flows.bundles import RootKeys, public_hex

    keys = [public_hex(Ed25519PrivateKey.generate()) for _ in range(2)]
    backoffice.op("PUT", "/api/v1/operator/bundle-root-keys", json={"threshold": 2, "keys": keys})
    token = backoffice.token(group="wuchang")
    data_dir = tmp_path / "kiosk"
    assert (
        _provision(data_dir, backoffice.url, token, "--terminal-id", "T-4201-0007", "--group", "wuchang") == 0
    )
    out = capsys.readouterr().out
    assert "enrolled terminal T-4201-0007 (group wuchang)" in out and "signed request accepted" in out
    assert "2 root keys pinned, threshold 2" in out
    credentials = Credentials.load(data_dir)
    assert credentials.terminal_id == "T-4201-0007" and credentials.base_url == backoffice.url
    assert credentials.bundle_root_keys == tuple(keys)
    root = RootKeys.load(data_dir / "trust" / "bundle_root_keys.json")  # where the bundle manager looks
    assert root.threshold == 2 and len(root.keys) == 2
    assert stat.S_IMODE((data_dir / "credentials.json").stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert credentials.secret not in out
    # and the credentials work for sync
    store = Store(tmp_path / "k.sqlite3", terminal_id=credentials.terminal_id)
    client = SyncClient(store, credentials.base_url, credentials)
    client.run_once()
    assert client.online


@pytest.mark.parametrize("problem", ["wrong", "used", "expired"])
def test_bad_tokens_are_refused_and_change_nothing(tmp_path, backoffice, capsys, problem):
    data_dir = tmp_path / "kiosk"
    if problem == "wrong":
        token = "not-a-token"
    elif problem == "used":
        token = backoffice.token()
        assert _provision(tmp_path / "first", backoffice.url, token) == 0
    else:
        token = backoffice.token(ttl_seconds=1)
        import time

        backoffice.state.clock = lambda: time.time() + 5
    capsys.readouterr()
    assert _provision(data_dir, backoffice.url, token) == 1
    err = capsys.readouterr().err
    expected = {"wrong": "does not know this token", "used": "already used", "expired": "has expired"}[
        problem
    ]
    assert "enrolment refused" in err and expected in err
    assert not data_dir.exists()


def test_refuses_when_already_enrolled_or_unreachable(tmp_path, backoffice, capsys):
    data_dir = tmp_path / "kiosk"
    assert _provision(data_dir, backoffice.url, backoffice.token()) == 0
    before = (data_dir / "credentials.json").read_bytes()
    assert _provision(data_dir, backoffice.url, backoffice.token()) == 2
    assert "already enrolled" in capsys.readouterr().err
    assert (data_dir / "credentials.json").read_bytes() == before
    assert _provision(tmp_path / "other", "http://127.0.0.1:9", "tok") == 1
    assert "cannot reach the back office" in capsys.readouterr().err
    assert _provision(data_dir, backoffice.url, backoffice.token(), "--force") == 0
    assert (data_dir / "credentials.json").read_bytes() != before


def test_https_with_pinned_certificate(tmp_path, tls_backoffice, capsys):
    live, cert = tls_backoffice
    data_dir = tmp_path / "kiosk"
    assert _provision(data_dir, live.url, "x") == 2  # https without a certificate to pin
    assert "needs --server-cert" in capsys.readouterr().err
    other_cert, _ = make_self_signed(tmp_path, "impostor")
    token = requests.post(
        live.url + "/api/v1/operator/tokens",
        json={},
        verify=str(cert),
        timeout=10,
        headers={"X-Operator-Key": live.operator_key},
    ).json()["tokens"][0]
    assert _provision(data_dir, live.url, token, "--server-cert", str(other_cert)) == 1
    assert "does not match" in capsys.readouterr().err and not data_dir.exists()
    assert _provision(data_dir, live.url, token, "--server-cert", str(cert)) == 0
    out = capsys.readouterr().out
    assert "pinned cert" in out and "signed request accepted" in out
    credentials = Credentials.load(data_dir)
    store = Store(tmp_path / "k.sqlite3", terminal_id=credentials.terminal_id)
    case_no = store.open_case("svc", "item")
    store.close_case(case_no, "done")
    client = SyncClient(store, live.url, credentials)
    client.run_once()
    assert client.online and store.queue_depth() == 0
    # the same server presented to a terminal that pinned another certificate is refused
    impostor = Credentials(
        terminal_id=credentials.terminal_id, secret=credentials.secret, server_cert=str(other_cert)
    )
    with pytest.raises(Unreachable) as info:
        Transport(live.url, Signer(impostor)).call("GET", "/api/v1/config")
    assert info.value.code == "tls"


def test_server_certificate_rotation_announced_through_the_old_one(tmp_path, tls_backoffice):
    """The operator announces the next certificate; terminals pin it over the old connection, so the back
    office switches certificates without re-provisioning any terminal (issue 12)."""
    from backoffice.server import ThreadedServer

    live, cert = tls_backoffice
    data_dir = tmp_path / "kiosk"
    token = requests.post(
        live.url + "/api/v1/operator/tokens",
        json={},
        verify=str(cert),
        timeout=10,
        headers={"X-Operator-Key": live.operator_key},
    ).json()["tokens"][0]
    assert _provision(data_dir, live.url, token, "--server-cert", str(cert)) == 0
    credentials = Credentials.load(data_dir)
    client = SyncClient(
        Store(tmp_path / "k.sqlite3", terminal_id=credentials.terminal_id), live.url, credentials
    )
    client.run_once()
    next_cert, next_key = make_self_signed(tmp_path, "next")
    answer = requests.put(
        live.url + "/api/v1/operator/server-cert-next",
        json={"pem": next_cert.read_text()},
        verify=str(cert),
        timeout=10,
        headers={"X-Operator-Key": live.operator_key},
    )
    assert answer.status_code == 200
    bad = requests.put(
        live.url + "/api/v1/operator/server-cert-next",
        json={"pem": "not a certificate"},
        verify=str(cert),
        timeout=10,
        headers={"X-Operator-Key": live.operator_key},
    )
    assert bad.status_code == 422
    stale = Credentials(terminal_id=credentials.terminal_id, secret=credentials.secret, server_cert=str(cert))
    client.heartbeat()  # over the connection pinned to the current certificate
    assert next_cert.read_text().strip() in (data_dir / "server-cert.pem").read_text()

    live.server.stop()  # the back office switches to its next certificate, same address
    live.server = ThreadedServer(
        live.app, port=int(live.url.rsplit(":", 1)[1]), ssl_certfile=str(next_cert), ssl_keyfile=str(next_key)
    ).start()
    client.heartbeat()  # the running client trusts it at once
    restarted = Transport(live.url, Signer(Credentials.load(data_dir)))  # and after a restart, from the file
    assert "config" in restarted.call("GET", "/api/v1/config")
    with pytest.raises(Unreachable) as info:  # a terminal that never heard of it refuses it
        Transport(live.url, Signer(stale)).call("GET", "/api/v1/config")
    assert info.value.code == "tls"
