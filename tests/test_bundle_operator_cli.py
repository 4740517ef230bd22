"""The README's operator walkthrough, run: keygen, pack, sign, publish, status, rotate the root, withdraw.

Through the real back office on 127.0.0.1 and a terminal's sync client, with the ``kiosk`` CLI only.
"""

from __future__ import annotations

import json

import pytest
import requests

from flows import bundles
from kiosk.cli import main
from tests.fixtures.fleet import pack_command


def test_operator_walkthrough(
    tmp_path, backoffice, provision_terminal, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.setenv("BACKOFFICE_OPERATOR_KEY", backoffice.operator_key)
    bo = ["--backoffice", backoffice.url]
    root, key = tmp_path / "root.json", tmp_path / "op1.key"
    assert main(["flows", "keygen", str(key), "--root-keys", str(root)]) == 0
    pinned = json.loads(root.read_text())
    assert backoffice.op("PUT", "/api/v1/operator/bundle-root-keys", json=pinned).status_code == 200
    manager, store, client, credentials = provision_terminal()

    def release(version: int, *keys_: str, rotate: list[str] | None = None) -> str:
        out = tmp_path / f"bundle-{version}-{len(list(tmp_path.iterdir()))}"
        assert main(pack_command(out, version)) == 0
        if rotate:
            assert main(["flows", "rotate-root", str(out), *rotate]) == 0
        assert main(["flows", "sign", str(out), *[a for k in keys_ for a in ("--key", k)]]) == 0
        return str(out)

    capsys.readouterr()
    assert main(["flows", "publish", release(2, str(key)), *bo]) == 0
    assert "published bundle 2 to group wuchang" in capsys.readouterr().out
    client.run_once()
    client.drain()
    assert manager.active_version() == 2

    # a past expiry is refused when packing
    assert main(pack_command(tmp_path / "old", 9, expires="2020-01-01")) == 1

    # rotate the root to a new key: the bundle carries it, signed by the old key and the new one
    new_key, new_root = tmp_path / "op2.key", tmp_path / "root2.json"
    assert main(["flows", "keygen", str(new_key), "--root-keys", str(new_root)]) == 0
    rotated = release(
        3,
        str(new_key),
        rotate=[
            "--old-root",
            str(root),
            "--new-root",
            str(new_root),
            "--key",
            str(key),
            "--key",
            str(new_key),
        ],
    )
    assert main(["flows", "publish", rotated, *bo]) == 0
    client.fetch_updates()
    assert manager.active_version() == 3 and bundles.RootKeys.load(manager.root_keys_path).version == 2
    capsys.readouterr()
    assert main(["flows", "publish", release(4, str(key)), *bo]) == 1  # the old key alone no longer counts
    assert "bundle.missing_signature" in capsys.readouterr().err
    assert main(["flows", "publish", release(4, str(new_key)), *bo]) == 0
    client.fetch_updates()
    assert manager.active_version() == 4

    # withdraw 4: the terminal returns to 3
    assert main(["flows", "withdraw", "4", "--group", "wuchang", *bo]) == 0
    client.heartbeat()
    client.fetch_updates()
    client.heartbeat()
    client.drain()
    assert manager.active_version() == 3
    capsys.readouterr()
    assert main(["flows", "status", "--json", *bo]) == 0
    report = json.loads(capsys.readouterr().out)
    row = next(r for r in report["terminals"] if r["terminal_id"] == credentials.terminal_id)
    assert row["active"] == 3
    assert report["groups"]["wuchang"] == {"published": [2, 3, 4], "withdrawn": [4]}
    assert any(e["kind"] == "bundle_withdrawn" for e in report["events"])
    assert main(["flows", "status", *bo]) == 0
    assert f"{credentials.terminal_id} (wuchang, active): runs 3" in capsys.readouterr().out
    assert main(["flows", "withdraw", "77", "--group", "wuchang", *bo]) == 1
    assert main(["flows", "status", "--backoffice", "http://127.0.0.1:9"]) == 1

    # a staged rollout from the command line
    capsys.readouterr()
    plan = f"canary={credentials.terminal_id};waves=50,100;soak=600"
    assert main(["flows", "publish", release(5, str(new_key)), "--rollout", plan, *bo]) == 0
    assert "to its canary terminals first" in capsys.readouterr().out
    assert main(["flows", "rollout", "pause", "--group", "wuchang", *bo]) == 0
    assert capsys.readouterr().out.strip() == "rollout of bundle 5 in group wuchang: paused"
    assert main(["flows", "status", *bo]) == 0
    assert "rollout of 5: paused at canary" in capsys.readouterr().out
    assert main(["flows", "publish", release(6, str(new_key)), "--rollout", "waves=many", *bo]) == 2


def test_operator_commands_take_a_named_operators_token(
    tmp_path, backoffice, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    """Operator credentials as the back office defines them: a publisher's token; a viewer may only look."""
    monkeypatch.delenv("BACKOFFICE_OPERATOR_KEY", raising=False)
    bo = ["--backoffice", backoffice.url]
    tokens = {}
    for name, role in (("pub.one", "publisher"), ("view.one", "viewer")):
        assert (
            backoffice.op(
                "POST",
                "/api/v1/operator/operators",
                json={"name": name, "role": role, "password": "a long enough secret"},
            ).status_code
            == 201
        )
        answer = requests.post(
            backoffice.url + "/api/v1/operator/login",
            timeout=10,
            json={"name": name, "password": "a long enough secret"},
        )
        tokens[role] = answer.json()["token"]
    out = tmp_path / "bundle"
    assert main(pack_command(out, 2)) == 0
    capsys.readouterr()
    assert main(["flows", "publish", str(out), *bo]) == 2  # no credentials at all
    assert "no operator credentials" in capsys.readouterr().err
    assert main(["flows", "publish", str(out), "--token", tokens["viewer"], *bo]) == 1
    assert "HTTP 403" in capsys.readouterr().err
    assert main(["flows", "publish", str(out), "--token", tokens["publisher"], *bo]) == 0
    assert main(["flows", "status", "--json", "--token", tokens["viewer"], *bo]) == 0
    capsys.readouterr()
    assert main(["flows", "withdraw", "2", "--group", "wuchang", "--token", tokens["viewer"], *bo]) == 1


def test_an_operator_token_is_never_taken_for_an_option() -> None:
    """CI once drew a token starting with '-' (1 in 64 with plain token_urlsafe): ``--token -abc`` is then an
    argparse error, for an operator as much as for a test. Every token parses as the value of --token."""
    from backoffice.operator_auth import operator_token
    from kiosk.cli import build_parser

    parser = build_parser()
    tokens = {operator_token() for _ in range(2000)}
    assert len(tokens) == 2000
    for token in tokens:
        args = parser.parse_args(["flows", "publish", "bundle", "--token", token, "--backoffice", "http://x"])
        assert args.token == token
