"""An operator publishes a signed flow bundle; the terminal takes it up between citizens, never during one."""

from __future__ import annotations

import base64
import io
import shutil
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from flows import bundles
from tests.test_ui_flow import FLOW, walk_to

FLOWS = Path(__file__).resolve().parent.parent / "flows"


def _tar(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(directory.rglob("*")):
            tar.add(path, arcname=str(path.relative_to(directory)), recursive=False)
    return buffer.getvalue()


def publish(app, tmp_path: Path, version: int, new_title: str) -> None:
    """What an operator does: change a flow, pack, sign with the operator key, publish to the group."""
    src = tmp_path / f"src{version}"
    shutil.copytree(FLOWS, src, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    flow_file = src / "definitions" / f"{FLOW}.yaml"
    flow_file.write_text(
        flow_file.read_text(encoding="utf-8").replace(
            "title: {zh_CN: 社保参保缴费证明打印,", f"title: {{zh_CN: {new_title},", 1
        ),
        encoding="utf-8",
    )
    out = tmp_path / f"bundle{version}"
    bundles.pack(src, out, version, datetime.now(UTC) + timedelta(days=30), [app.ctx.config.group])
    key = bundles.load_private_key(Path(app.ctx.config.data_dir) / "backoffice" / "bundle-signing.key")
    bundles.sign(out, [key])
    backoffice = app.ctx.link.embedded
    answer = requests.post(
        f"{backoffice.url}/api/v1/operator/bundles",
        timeout=10,
        headers={"X-Operator-Key": backoffice.operator_key},
        json={
            "group": app.ctx.config.group,
            "version": version,
            "content_b64": base64.b64encode(_tar(out)).decode(),
        },
    )
    assert answer.status_code == 201, answer.text


def test_bundle_waits_for_the_citizen_then_activates(kiosk, tmp_path):
    app, robot = kiosk
    ctl = app.controller
    robot.wait_until(lambda: app.ctx.link.sync is not None, timeout=15, what="link up")
    walk_to(robot, ctl, "confirm")  # a citizen is in a session: the bundle must wait
    publish(app, tmp_path, 2, "社保缴费证明打印（新版）")
    app.ctx.link.sync.check_now()
    robot.wait_until(lambda: app.ctx.bundles.pending() == [2], timeout=15, what="bundle fetched and staged")
    app.take_up_bundles()
    robot.pump(1.0)
    assert app.ctx.bundles.active_version() is None
    assert ctl.session.flow.title["zh_CN"] == "社保参保缴费证明打印"

    robot.tap("homeButton")  # the citizen leaves
    app.take_up_bundles()
    robot.wait_until(lambda: app.ctx.bundles.active_version() == 2, timeout=15, what="bundle 2 active")
    robot.wait_until(
        lambda: any(item["title"] == "社保缴费证明打印（新版）" for item in ctl.catalog),
        what="the catalog shows the new flow",
    )
    events = app.ctx.store.db.execute("SELECT state FROM device_events WHERE device='flows'").fetchall()
    assert ("bundle_deferred",) in events and ("bundle_activated",) in events


def _pack_signed(app, tmp_path: Path, version: int, new_title: str, expires: datetime) -> Path:
    src = tmp_path / f"src{version}"
    shutil.copytree(FLOWS, src, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    flow_file = src / "definitions" / f"{FLOW}.yaml"
    flow_file.write_text(
        flow_file.read_text(encoding="utf-8").replace(
            "title: {zh_CN: 社保参保缴费证明打印,", f"title: {{zh_CN: {new_title},", 1
        ),
        encoding="utf-8",
    )
    out = tmp_path / f"bundle{version}"
    bundles.pack(src, out, version, expires, [app.ctx.config.group])
    bundles.sign(
        out, [bundles.load_private_key(Path(app.ctx.config.data_dir) / "backoffice" / "bundle-signing.key")]
    )
    return out


def test_bundle_carried_in_by_hand_reaches_the_running_app(kiosk, tmp_path):
    """``kiosk flows install`` while the kiosk runs: the same manager path; the app shows it between citizens."""
    from kiosk.cli import main

    app, robot = kiosk
    assert (
        app.ctx.link.sync.heartbeat_interval == app.ctx.config.heartbeat_s == 30.0
    )  # the configured interval
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[terminal]\nid = "{app.ctx.config.terminal_id}"\nname = "t"\ngroup = "{app.ctx.config.group}"\n'
        f'[paths]\ndata_dir = "{app.ctx.config.data_dir}"\n',
        encoding="utf-8",
    )
    bundle = _pack_signed(app, tmp_path, 5, "U盘带来的新版", datetime.now(UTC) + timedelta(days=30))
    assert main(["flows", "install", str(bundle), "--config", str(config)]) == 0
    robot.wait_until(
        lambda: app.ctx.flows_version == 5, timeout=20, what="the app took up bundle 5 by itself"
    )
    robot.wait_until(
        lambda: any(item["title"] == "U盘带来的新版" for item in app.controller.catalog),
        what="the catalog shows the new flow",
    )


def test_expired_bundle_falls_back_while_running(kiosk, tmp_path):
    app, robot = kiosk
    manager = app.ctx.bundles
    bundle = _pack_signed(app, tmp_path, 6, "即将过期的版本", datetime.now(UTC) + timedelta(hours=1))
    assert manager.receive(bundle).state == "installed"
    robot.wait_until(lambda: app.ctx.flows_version == 6, timeout=20, what="bundle 6 on screen")
    manager.now = lambda: datetime.now(UTC) + timedelta(hours=2)  # time passes
    robot.wait_until(lambda: app.ctx.flows_version is None, timeout=20, what="back to the built-in flows")
    robot.wait_until(
        lambda: all(item["title"] != "即将过期的版本" for item in app.controller.catalog),
        what="the expired flow is gone from the catalog",
    )
    events = app.ctx.store.db.execute("SELECT state FROM device_events WHERE device='flows'").fetchall()
    assert ("bundle_expired",) in events
