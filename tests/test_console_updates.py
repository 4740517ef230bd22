"""The console's Updates pages without a browser: a signed bundle uploaded through the form is verified
and published by the same code as the API (lint shown), a tampered one is refused with the terminal's
reason, a staged rollout is paused, resumed and withdrawn; roles, CSRF, the size limit and the audit rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backoffice.console import updates, updates_data
from backoffice.terminal_auth import body_limit
from tests.console_helpers import (
    PASSWORD,
    csrf_of,
    fast_config,
    pin_root_key,
    session_for,
    signed_bundle,
    start_console,
    terminal,
)
from wire.limits import MAX_BUNDLE_BYTES, MAX_REQUEST_BYTES


@pytest.fixture
def live(tmp_path, monkeypatch) -> Iterator[Any]:
    server = start_console(tmp_path, monkeypatch, fast_config())
    yield server
    server.server.stop()
    server.state.engine.dispose()


def _upload(http: requests.Session, live: Any, content: bytes, **fields: str) -> requests.Response:
    page = http.get(live.url + "/console/updates", timeout=10).text
    form = {"csrf": csrf_of(page), "group": "wuchang", "version": "2", **fields}
    return http.post(
        live.url + "/console/updates/upload",
        data=form,
        files={"bundle": ("flows.tar.gz", content, "application/gzip")},
        timeout=30,
    )


def _audit(live: Any) -> list[dict[str, Any]]:
    return live.op("GET", "/api/v1/operator/audit", params={"limit": 1000}).json()


def test_upload_verifies_publishes_and_starts_a_rollout(live, tmp_path):
    key = Ed25519PrivateKey.generate()
    pin_root_key(live, key)
    for n in range(4):
        terminal(live, f"T-{n:04d}", "wuchang")
    http = session_for(live, "publisher")
    staged = {"staged": "on", "canary": "T-0001", "waves": "50, 100", "min_cases": "2", "soak_minutes": "5"}
    answer = _upload(http, live, signed_bundle(tmp_path, key, 2, "wuchang"), note="春季更新", **staged)
    assert answer.status_code == 201, answer.text
    page = answer.text
    assert 'data-result="published"' in page and 'data-verified="yes"' in page
    assert "验证通过" in page and 'id="verify-facts"' in page
    assert 'id="lint" data-count="' in page  # the lint result is shown (warnings or a clean bill)
    # the API sees the same publication and the plan as the form gave it
    [meta] = [b for b in live.op("GET", "/api/v1/operator/bundles").json() if b["group"] == "wuchang"]
    assert meta["version"] == 2 and meta["note"] == "春季更新"
    [rollout] = [r for r in live.op("GET", "/api/v1/operator/rollouts").json() if r["group"] == "wuchang"]
    assert rollout["canary"] == ["T-0001"] and rollout["waves"] == [50, 100]
    assert rollout["min_cases"] == 2 and rollout["soak_seconds"] == 300 and rollout["admitted"] == ["T-0001"]
    # the group's page: the canary admitted, nobody running it yet; paused, resumed, withdrawn
    group_page = http.get(live.url + "/console/updates/group/wuchang", timeout=10).text
    assert 'id="rt-T-0001"' in group_page and 'data-admitted="yes"' in group_page
    assert group_page.count('data-admitted="no"') == 3
    csrf = csrf_of(group_page)
    assert http.post(live.url + "/console/updates/group/wuchang/pause", data={"csrf": csrf}, timeout=10).ok
    assert live.state.settings()["rollout:wuchang"]["state"] == "paused"
    again = http.post(live.url + "/console/updates/group/wuchang/pause", data={"csrf": csrf}, timeout=10)
    assert again.status_code == 409 and "不能执行此操作" in again.text  # paused already: the API's 409
    assert http.post(live.url + "/console/updates/group/wuchang/resume", data={"csrf": csrf}, timeout=10).ok
    withdrawn = http.post(
        live.url + "/console/updates/group/wuchang/bundles/2/withdraw", data={"csrf": csrf}, timeout=10
    )
    assert withdrawn.ok and 'data-state="withdrawn"' in withdrawn.text
    assert live.state.withdrawn_bundles("wuchang") == [2]
    actions = [
        (e["actor"], e["action"], e["outcome"]) for e in _audit(live) if e["action"].startswith("console.")
    ]
    assert actions == [
        ("publisher", "console.bundle.publish", "ok"),
        ("publisher", "console.rollout.pause", "ok"),
        ("publisher", "console.rollout.pause", "rollout.state"),
        ("publisher", "console.rollout.resume", "ok"),
        ("publisher", "console.bundle.withdraw", "ok"),
    ]
    # the stored bundle checked again on its own page
    inspected = http.get(live.url + "/console/updates/group/wuchang/bundles/2", timeout=10).text
    assert 'data-result="inspected"' in inspected and 'data-verified="yes"' in inspected
    http.cookies.set("lang", "en", path="/console")  # English on request
    english = http.get(live.url + "/console/updates/group/wuchang", timeout=10).text
    assert "Rollout" in english and ">withdrawn<" in english and "灰度发布" not in english
    assert "Upload a bundle" in http.get(live.url + "/console/updates", timeout=10).text


def test_a_tampered_bundle_is_refused_with_its_reason(live, tmp_path):
    key = Ed25519PrivateKey.generate()
    pin_root_key(live, key)
    http = session_for(live, "publisher")
    answer = _upload(http, live, signed_bundle(tmp_path, key, 2, "wuchang", tamper=True))
    assert answer.status_code == 422
    assert 'data-error="bundle.bad_signature"' in answer.text and 'data-reason="bad_signature"' in answer.text
    assert "签名无效" in answer.text
    assert live.op("GET", "/api/v1/operator/bundles").json() == []  # nothing published
    mismatch = _upload(http, live, signed_bundle(tmp_path, key, 3, "wuchang"), version="4")
    assert mismatch.status_code == 422 and 'data-error="bundle.version_mismatch"' in mismatch.text
    assert 'data-verified="yes"' in mismatch.text  # the signature is fine; the declared number is not
    wrong_group = _upload(http, live, signed_bundle(tmp_path, key, 2, "hankou"))
    assert wrong_group.status_code == 422 and 'data-reason="wrong_group"' in wrong_group.text
    form = _upload(http, live, signed_bundle(tmp_path, key, 2, "wuchang"), staged="on", waves="0")
    assert form.status_code == 422 and 'data-error="bundle.form"' in form.text and "waves" in form.text
    outcomes = [e["outcome"] for e in _audit(live) if e["action"] == "console.bundle.publish"]
    assert outcomes == [
        "bundle.bad_signature",
        "bundle.version_mismatch",
        "bundle.wrong_group",
        "bundle.form",
    ]


def test_roles_csrf_and_the_size_limit(live, tmp_path):
    key = Ed25519PrivateKey.generate()
    pin_root_key(live, key)
    content = signed_bundle(tmp_path, key, 2, "wuchang")
    viewer = session_for(live, "viewer")
    page = viewer.get(live.url + "/console/updates", timeout=10)
    assert (
        page.status_code == 200 and 'id="publish-refused"' in page.text and "<fieldset disabled>" in page.text
    )
    refused = _upload(viewer, live, content)
    assert refused.status_code == 403 and 'id="refused"' in refused.text
    for path in ("/console/updates/group/wuchang/pause", "/console/updates/group/wuchang/bundles/2/withdraw"):
        assert viewer.post(live.url + path, data={"csrf": csrf_of(page.text)}, timeout=10).status_code == 403
    # the API behind it refuses the viewer too
    token = requests.post(
        live.url + "/api/v1/operator/login", json={"name": "viewer", "password": PASSWORD}, timeout=10
    ).json()["token"]
    import base64

    api = requests.post(
        live.url + "/api/v1/operator/bundles",
        json={"group": "wuchang", "version": 2, "content_b64": base64.b64encode(content).decode()},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert api.status_code == 403
    publisher = session_for(live, "publisher")
    no_csrf = publisher.post(
        live.url + "/console/updates/upload",
        data={"group": "wuchang", "version": "2"},
        files={"bundle": ("b.tar.gz", content)},
        timeout=10,
    )
    assert no_csrf.status_code == 403
    assert live.op("GET", "/api/v1/operator/bundles").json() == []
    refusals = [e for e in _audit(live) if e["outcome"] == "refused.role" and e["actor"] == "viewer"]
    assert any(e["action"] == "POST /console/updates/upload" for e in refusals)
    # a body over a bundle's size is refused before it is read; the form's path has the bundle's limit
    assert updates.UPLOAD_PATH == "/console/updates/upload"
    assert MAX_BUNDLE_BYTES < body_limit(updates.UPLOAD_PATH) < 2 * MAX_BUNDLE_BYTES
    assert body_limit("/console/alerts/1/ack") == MAX_REQUEST_BYTES
    huge = _upload(publisher, live, b"\0" * (MAX_BUNDLE_BYTES + 128 * 1024))
    assert huge.status_code == 413
    too_big = _upload(publisher, live, b"\0" * (MAX_BUNDLE_BYTES + 1))
    assert too_big.status_code == 422 and 'data-error="bundle.too_large"' in too_big.text


def test_terminal_bundle_status_from_heartbeats():
    heartbeat = {
        "bundle_version": 2,
        "bundles": {
            "active": 2,
            "staged": [3],
            "refused": [{"kind": "bundle_refused", "version": 4, "reason": "bad_signature"}],
        },
    }
    assert updates_data.bundle_status(heartbeat) == {
        "active": 2,
        "staged": [3],
        "refused": [{"version": 4, "kind": "bundle_refused", "reason": "bad_signature"}],
    }
    assert updates_data.bundle_status({"bundle_version": 5})["active"] == 5  # an older terminal
    assert updates_data.bundle_status(None) == {"active": None, "staged": [], "refused": []}
    rollout = {"canary": ["a"], "waves": [50, 100], "wave": 1, "state": "running"}
    assert [(s["label"], s["at"]) for s in updates_data.stages(rollout)] == [
        ("canary", "done"),
        ("wave", "current"),
        ("wave", "next"),
    ]
    assert all(s["at"] == "done" for s in updates_data.stages({**rollout, "state": "done"}))
