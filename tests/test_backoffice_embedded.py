"""The embedded back office (``kiosk demo``) and ``kiosk-backoffice`` on its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

from backoffice.demo.data import persons
from kiosk.demo.embedded import start_embedded
from kiosk.sync import Credentials, SyncClient
from offline_cache.store import Store
from tests.fixtures import live

ROOT = Path(__file__).resolve().parents[1]


def test_embedded_is_the_whole_system(tmp_path):
    backoffice = start_embedded(tmp_path / "bo", terminal_id="T-DEMO-0001", group="demo")
    try:
        assert backoffice.url.startswith("http://127.0.0.1:")
        store = Store(tmp_path / "kiosk.db", terminal_id=backoffice.terminal_id)
        sync = SyncClient(store, backoffice.url, Credentials.from_enrolment(backoffice.enrolment))
        case_no = store.open_case("si.contributions", "X")
        store.close_case(case_no, "done")
        failed = store.open_case(
            "si.contributions", "X"
        )  # issue 10: a failure's reason reaches the case list
        store.close_case(failed, "failed", {"reason": "printer"})
        sync.run_once()
        assert sync.online and store.queue_depth() == 0
        person = persons()[2]
        assert (
            sync.query_service.query("property.records", {"id_number": person.id_number})["name"]
            == person.name
        )
        lookup = sync.query_service.query("case.lookup", {"case_no": case_no})
        assert lookup["found"] and lookup["service_id"] == "si.contributions" and not lookup["rated"]
        secret = backoffice.enrolment["secret"]
        assert (tmp_path / "bo" / "demo-terminal.json").stat().st_mode & 0o077 == 0
    finally:
        backoffice.stop()
    again = start_embedded(tmp_path / "bo", terminal_id="T-DEMO-0001", group="demo")
    try:  # a restarted demo keeps its terminal and what it delivered
        assert again.enrolment["secret"] == secret
        cases = requests.get(
            again.url + "/api/v1/operator/cases", headers={"X-Operator-Key": again.operator_key}, timeout=10
        ).json()
        assert [c["case_no"] for c in cases] == [case_no, failed]
        assert [(c["outcome"], c["reason"]) for c in cases] == [("done", ""), ("failed", "printer")]
    finally:
        again.stop()


def test_kiosk_backoffice_serve(tmp_path):
    database = f"sqlite:///{tmp_path / 'bo.sqlite3'}"
    env = os.environ | {"BACKOFFICE_OPERATOR_KEY": "k"}
    subprocess.run(  # only serve and init create a database; issue-token refuses a missing one
        [sys.executable, "-m", "backoffice.cli", "init", "--database", database],
        cwd=ROOT,
        env=env,
        check=True,
    )
    token = subprocess.run(
        [sys.executable, "-m", "backoffice.cli", "issue-token", "--database", database, "--group", "g"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # the shared harness: it waits for /health as long as a loaded machine needs (the loop here gave up after
    # about 10 s and then failed on a refused connection) and on a port nobody took meanwhile
    server, url = live.serve(database, env={"BACKOFFICE_OPERATOR_KEY": "k"})
    try:
        answer = requests.post(url + "/api/v1/enrol", json={"token": token.strip()}, timeout=10)
        assert answer.status_code == 200 and answer.json()["group"] == "g"
        assert requests.get(url + "/openapi.json", timeout=10).json()["info"]["title"]
    finally:
        live.stop(server)
