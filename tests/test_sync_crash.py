"""Crash test: SIGKILL the kiosk at random points of a run of 1,000+ cases, restart it, repeat.

At the end the back office holds every case (and every rating) exactly once and the terminal's database
passes ``PRAGMA integrity_check``. The kiosk side runs in a subprocess (this file with ``--worker``) that
does what the app does: close abandoned cases at start-up, run cases through the store, sync in the
background.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

if __name__ != "__main__":  # not in the --worker subprocess, which is started again after each of ~60 kills
    import pytest

    pytestmark = pytest.mark.slow  # a long crash run: SIGKILL at random points

TARGET_CASES = 1000


def test_sigkill_at_random_points_every_case_exactly_once(tmp_path, backoffice):
    seed = int(os.environ.get("CRASH_SEED", time.time()))
    rng = random.Random(seed)
    credentials = backoffice.enrol()
    creds_file = tmp_path / "credentials.json"
    creds_file.write_text(json.dumps({"terminal_id": credentials.terminal_id, "secret": credentials.secret}))
    db = tmp_path / "kiosk.sqlite3"
    command = [
        sys.executable,
        __file__,
        "--worker",
        str(db),
        backoffice.url,
        str(creds_file),
        str(TARGET_CASES),
    ]
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    kills = 0
    deadline = time.monotonic() + 240  # bounds a failure only: ~30 worker start-ups of 1-3 s each under load
    while time.monotonic() < deadline:
        # kill after a random number of cases (1-60) plus a random moment inside the next one, so the kills
        # land at random points however fast or slow the machine is
        worker = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        budget = rng.randint(1, 60) if kills < 60 else None
        finished = False
        for line in worker.stdout:
            if line.startswith(b"done"):
                finished = True
                break
            if budget is not None and line.startswith(b"case"):
                budget -= 1
                if budget == 0:
                    time.sleep(rng.uniform(0, 0.02))
                    worker.send_signal(signal.SIGKILL)
                    break
        out, err = worker.communicate()
        if finished:
            assert worker.returncode == 0, f"seed {seed}: worker failed: {err.decode()[-2000:]}"
            break
        if worker.returncode == -signal.SIGKILL:
            kills += 1
            continue
        raise AssertionError(
            f"seed {seed}: worker ended on its own ({worker.returncode}): {err.decode()[-2000:]}"
        )
    else:
        raise AssertionError(f"seed {seed}: run did not finish in time after {kills} kills")
    assert kills >= 10, f"seed {seed}: only {kills} kills: make the runs longer"

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    local_cases = [r[0] for r in conn.execute("SELECT case_no FROM cases")]
    local_ratings = [r[0] for r in conn.execute("SELECT case_no FROM ratings")]
    open_cases = conn.execute("SELECT count(*) FROM cases WHERE outcome IS NULL").fetchone()[0]
    pending = conn.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NULL").fetchone()[0]
    subjects = conn.execute("SELECT count(*) FROM case_subjects").fetchone()[0]
    conn.close()
    assert len(local_cases) >= TARGET_CASES and open_cases == 0 and pending == 0
    assert subjects == 0, "personal data purged once delivered"
    server_cases = Counter(c["case_no"] for c in backoffice.cases(credentials.terminal_id))
    assert server_cases == Counter(local_cases), f"seed {seed}: cases not exactly once"
    server_ratings = Counter(r["case_no"] for r in backoffice.ratings(credentials.terminal_id))
    assert server_ratings == Counter(local_ratings), f"seed {seed}: ratings not exactly once"
    print(f"crash test: seed {seed}, {kills} kills, {len(local_cases)} cases")


def worker(db: str, url: str, creds_file: str, target: int) -> int:
    """The kiosk side: what the app does, as fast as it can, until ``target`` cases are delivered."""
    from kiosk.sync import Credentials, SyncClient
    from offline_cache.store import Store

    data = json.loads(Path(creds_file).read_text())
    credentials = Credentials(terminal_id=data["terminal_id"], secret=data["secret"])
    store = Store(db, terminal_id=credentials.terminal_id)
    store.close_abandoned()
    client = SyncClient(
        store,
        url,
        credentials,
        heartbeat_interval=0.5,
        fetch_interval=3600,
        batch_size=50,
        backoff_base=0.05,
        backoff_cap=0.2,
    )
    client.start()
    rng = random.Random()
    count = store._conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    while count < target:
        case_no = store.open_case("si.contributions", "11420000MB0000001")
        store.record_step(case_no, "read_id", "read_id", "ok")
        store.set_subject(case_no, "420102199001011234", "张三", "resident")
        store.record_step(case_no, "query", "query", "ok")
        store.close_case(case_no, "done", {"pages": 1})
        if rng.random() < 0.8:
            store.record_rating(case_no, "11420000MB0000001", rng.randint(1, 5), ["overall"])
        client.wake()
        count += 1
        print("case", count, flush=True)
    while store.queue_depth():
        client.retry_now()
        time.sleep(0.02)
    client.stop()
    print("done", flush=True)
    return 0


if __name__ == "__main__" and len(sys.argv) == 6 and sys.argv[1] == "--worker":
    sys.exit(worker(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])))
