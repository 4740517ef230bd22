"""Back-office benchmarks (issue 11), in one run, against the real server (its own processes) on loopback.

1. Heartbeats: terminals each sending one signed heartbeat, paced at ``--rate`` a minute (20,000), a new
   connection each, against ``kiosk-backoffice serve --workers N``; the baseline is one worker at the same
   rate in the same run (target: 4 workers, p99 < 100 ms, 0 errors).
2. Ingest: a terminal's outbox drained by the sync client in batches of 500 (target >= 5,000 events/s).
3. Enumeration: one terminal's credentials walk through ``--ids`` ID numbers (26,614 in the issue's attack):
   how many answers leak without a session (target 0), how many citizen sessions it gets before the
   configured rate refuses it, and the alert raised.

    .venv/bin/python bench/bench_backoffice.py [--quick] [--postgres | --database URL] [--workers 4]
                                               [--rate 20000] [--seconds 60] [--events 20000] [--ids 26614]

``--postgres`` starts a throw-away PostgreSQL cluster (initdb in a temp dir) when one is installed; with
SQLite the server runs one worker (SQLite is for one process). ``--quick`` runs seconds-long versions.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_sync import OPERATOR_KEY, drain, enrol, free_port, heartbeats, make_terminals  # noqa: E402

from backoffice.demo.data import persons  # noqa: E402
from kiosk.sync.transport import Signer, Transport  # noqa: E402
from wire import signing  # noqa: E402

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def start_server(database: str, work: Path, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "BACKOFFICE_KEY_FILE": str(work / "server.key"), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "backoffice.cli",
            "serve",
            "--port",
            str(port),
            "--database",
            database,
            "--operator-key",
            OPERATOR_KEY,
            "--log-level",
            "warning",
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/api/v1/health", timeout=1).ok:
                time.sleep(0.5 if workers > 1 else 0)  # let every worker come up
                return process, url
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the back office did not start")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


def start_postgres(work: Path) -> tuple[str, list[str], Path] | None:
    """initdb + pg_ctl in ``work`` (as the postgres user when root); None if PostgreSQL is not installed."""
    if not (PG_BIN / "initdb").exists():
        return None
    import pwd
    import shutil

    data, sockets = work / "pg", work / "pgsock"
    sockets.mkdir()
    run_as: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for path in (work, sockets):
            os.chown(path, user.pw_uid, user.pw_gid)
        os.chmod(work, 0o755)
        run_as = ["runuser", "-u", "postgres", "--"]
        for parent in work.parents:
            if parent == Path("/"):
                break
            os.chmod(parent, parent.stat().st_mode | 0o001)
    port = free_port()
    subprocess.run(
        [
            *run_as,
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "kiosk",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    log = work / "pg.log"
    if run_as:
        log.touch()
        shutil.chown(log, "postgres", "postgres")
    subprocess.run(
        [
            *run_as,
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-w",
            "-o",
            f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c max_connections=300",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [*run_as, str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "kiosk", "kiosk"],
        check=True,
        capture_output=True,
    )
    return f"postgresql://kiosk@127.0.0.1:{port}/kiosk", run_as, data


def id_numbers(count: int) -> list[str]:
    """Plausible ID numbers (region, birth date, sequence, check character), the demo people among them."""
    from common.gb11643 import gb11643_check_char as check_character

    real = [p.id_number for p in persons()]
    numbers: list[str] = []
    n = 0
    while len(numbers) < count - len(real):
        body = f"420102{1950 + n % 50}{1 + n // 50 % 12:02d}{1 + n // 600 % 28:02d}{n % 1000:03d}"
        numbers.append(body + check_character(body))
        n += 1
    step = max(1, len(numbers) // (len(real) + 1))
    for i, number in enumerate(real):
        numbers.insert(min(len(numbers), (i + 1) * step), number)
    return numbers[:count]


def enumeration(url: str, count: int) -> dict[str, Any]:
    """The issue's attack with one terminal's credentials: ask without a session, then try to open one."""
    transport = Transport(url, Signer(enrol(url)))
    leaked = granted = refused = answered = 0
    started = time.perf_counter()
    for number in id_numbers(count):
        try:
            transport.call("POST", "/api/v1/query/si.contributions", {"id_number": number, "months": 1})
            leaked += 1
        except Exception:
            pass
        try:
            session = transport.call("POST", "/api/v1/sessions", {"id_number": number})["session"]
        except Exception:
            refused += 1
            continue
        granted += 1
        try:
            transport.call(
                "POST",
                "/api/v1/query/si.contributions",
                {"id_number": number, "months": 1},
                headers={signing.H_SESSION: session},
            )
            answered += 1
        except Exception:
            pass
    alerts = requests.get(
        url + "/api/v1/operator/alerts", headers={"X-Operator-Key": OPERATOR_KEY}, timeout=10
    ).json()
    return {
        "ids": count,
        "seconds": round(time.perf_counter() - started, 1),
        "leaked_without_session": leaked,
        "sessions_granted": granted,
        "answers_in_sessions": answered,
        "sessions_refused": refused,
        "alerts": len(alerts),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="seconds-long versions of every measure")
    parser.add_argument("--database", help="SQLAlchemy URL (default: SQLite in a temp dir)")
    parser.add_argument("--postgres", action="store_true", help="start a throw-away PostgreSQL cluster")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rate", type=int, default=20000, help="heartbeats a minute")
    parser.add_argument("--seconds", type=float, default=None, help="heartbeat run length (60; quick: 5)")
    parser.add_argument("--events", type=int, default=None, help="events to ingest (20,000; quick: 3,000)")
    parser.add_argument("--ids", type=int, default=None, help="ID numbers to enumerate (26,614; quick: 300)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    seconds = args.seconds or (5.0 if args.quick else 60.0)
    events = args.events or (3000 if args.quick else 20000)
    ids = args.ids or (300 if args.quick else 26614)

    with tempfile.TemporaryDirectory(prefix="bench-backoffice-") as tmp:
        work = Path(tmp)
        postgres = start_postgres(work) if args.postgres else None
        database = args.database or (postgres[0] if postgres else f"sqlite:///{work / 'backoffice.sqlite3'}")
        kind = database.split(":", 1)[0]
        workers = args.workers if not kind.startswith("sqlite") else 1
        results: dict[str, Any] = {"cpu_count": os.cpu_count(), "database": kind, "workers": workers}
        print(f"{kind}, {os.cpu_count()} CPUs, {workers} worker(s)")
        try:
            server, url = start_server(database, work, workers)
            try:
                count = max(1, int(args.rate * seconds / 60))
                terminals = make_terminals(database, count)
                results["heartbeats"] = heartbeats(url, terminals, seconds, threads=32)
                print(f"heartbeats, {workers} worker(s): {results['heartbeats']}")
                results["ingest"] = drain(url, work, "batched", events, 500)
                print(f"ingest: {results['ingest']}")
                results["enumeration"] = enumeration(url, ids)
                print(f"enumeration: {results['enumeration']}")
            finally:
                stop(server)
            if workers > 1:  # the baseline: one worker, the same rate, the same database
                server, url = start_server(database, work, 1)
                try:
                    results["heartbeats_1_worker"] = heartbeats(url, terminals, seconds, threads=32)
                    print(f"heartbeats, 1 worker (baseline): {results['heartbeats_1_worker']}")
                finally:
                    stop(server)
        finally:
            if postgres:
                subprocess.run(
                    [*postgres[1], str(PG_BIN / "pg_ctl"), "-D", str(postgres[2]), "-m", "immediate", "stop"],
                    capture_output=True,
                )
    hb, ing, enum = results["heartbeats"], results["ingest"], results["enumeration"]
    print(
        f"\nheartbeats {hb['per_minute']}/min with {workers} worker(s), p99 {hb['p99_ms']} ms, {hb['errors']} errors"
    )
    if "heartbeats_1_worker" in results:
        base = results["heartbeats_1_worker"]
        print(
            f"baseline 1 worker: {base['per_minute']}/min, p99 {base['p99_ms']} ms, {base['errors']} errors"
        )
    print(f"ingest {ing['events_per_s']:.0f} events/s batched")
    print(
        f"enumeration of {enum['ids']} ID numbers: {enum['leaked_without_session']} answers leaked without a "
        f"session, {enum['sessions_granted']} sessions before the cut, {enum['sessions_refused']} refused, "
        f"{enum['alerts']} alert(s)"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if args.quick:
        return 0  # the quick mode shows figures; it does not judge them on a loaded machine
    ok = (
        hb["p99_ms"] < 100
        and hb["errors"] == 0
        and ing["events_per_s"] >= 5000
        and enum["leaked_without_session"] == 0
        and enum["alerts"] >= 1
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
