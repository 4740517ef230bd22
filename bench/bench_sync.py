"""Sync benchmarks, in one run, against the real back office (uvicorn, its own process) on loopback.

1. Drain: 10,000 queued events delivered by the sync client in batches, against the one-request-per-event
   baseline (target >= 2,000 events/s batched).
2. Heartbeats: 5,000 simulated terminals each sending one signed heartbeat within a minute, evenly paced,
   a new connection each (target p99 < 100 ms).

    .venv/bin/python bench/bench_sync.py [--events 10000] [--baseline-events 2000] [--terminals 5000]
                                         [--heartbeat-seconds 60] [--database URL] [--json FILE] [--quick]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.sync import Credentials, SyncClient  # noqa: E402
from offline_cache.store import Store  # noqa: E402
from tests.fixtures import live  # noqa: E402
from wire import signing as protocol  # noqa: E402

OPERATOR_KEY = "bench-operator-key"


def start_server(database: str) -> tuple[subprocess.Popen, str]:
    return live.serve(database, operator_key=OPERATOR_KEY, timeout=30, stderr=None)


def enrol(url: str) -> Credentials:
    return live.enrol(url, OPERATOR_KEY)


def fill(store: Store, events: int) -> None:
    """Half cases (with a subject, purged on delivery), half ratings: the outbox of a busy terminal."""
    for _ in range(events // 2):
        case_no = store.open_case("si.contributions", "11420000MB0000001")
        store.record_step(case_no, "read_id", "read_id", "ok")
        store.set_subject(case_no, "420102199001011234", "张三", "resident")
        store.close_case(case_no, "done", {"pages": 1})
        store.record_rating(case_no, "11420000MB0000001", 5, {"efficiency": 3})
    if events % 2:
        store.record_device_event("printer", "online")


def drain(url: str, work: Path, name: str, events: int, batch_size: int) -> dict:
    credentials = enrol(url)
    store = Store(work / f"{name}.sqlite3", terminal_id=credentials.terminal_id)
    fill(store, events)
    assert store.queue_depth() == events
    client = SyncClient(store, url, credentials, batch_size=batch_size, timeout=(5, 60))
    client.heartbeat_interval = client.fetch_interval = 3600
    client._next_heartbeat = client._next_fetch = time.monotonic() + 3600
    from kiosk.sync.transport import Transport

    client._transport = Transport(url, client.signer, timeout=(5, 60))
    started = time.perf_counter()
    delivered = client.drain()
    elapsed = time.perf_counter() - started
    assert delivered == events and store.queue_depth() == 0, (delivered, store.queue_depth())
    store.close()
    return {
        "events": events,
        "batch_size": batch_size,
        "seconds": round(elapsed, 3),
        "events_per_s": round(events / elapsed, 1),
    }


def make_terminals(
    database: str, count: int, key_file: Path | None = None, prefix: str = "B"
) -> list[tuple[str, str]]:
    """Enrol many terminals straight into the database (enrolment speed is not what is measured), their
    secrets sealed under the server key as enrolment seals them, each with a previous heartbeat as a fleet
    that has been running has: about one in sixteen is due a history row (``HISTORY_EVERY``), as in the
    steady state, not every one as on a fleet's very first minute."""
    from sqlalchemy.orm import Session

    from backoffice.database import make_engine
    from backoffice.models import Terminal
    from backoffice.schemas import HeartbeatIn
    from backoffice.server_key import ServerKey, load_or_create
    from backoffice.state import default_key_file

    key = ServerKey(load_or_create(key_file or default_key_file(database)))
    terminals = [(f"{prefix}-{i:05d}", secrets.token_hex(32)) for i in range(count)]
    now = time.time()
    engine = make_engine(database)
    with Session(engine) as session, session.begin():
        session.add_all(
            Terminal(
                id=t,
                group="bench",
                secret=key.encrypt(s, t),
                status="active",
                enrolled_at=now,
                last_heartbeat_at=now - 60,
                heartbeat={
                    **HeartbeatIn.model_validate(heartbeat_body(i)).model_dump(),
                    "clock_offset": 0.0,
                    "history_at": now - (i % 16) * 60,
                },
            )
            for i, (t, s) in enumerate(terminals)
        )
    engine.dispose()
    return terminals


def heartbeat_body(index: int) -> dict:
    return {
        "devices": [{"device": "printer", "state": "online"}, {"device": "idcard", "state": "online"}],
        "software_version": "0.1.0",
        "bundle_version": 3,
        "queue_depth": index % 7,
        "clock": time.time(),
    }


def heartbeats(
    url: str, terminals: list[tuple[str, str]], seconds: float, threads: int = 16, sends: int | None = None
) -> dict:
    """Each terminal sends one heartbeat, signed just before it is sent, on a new connection as a terminal
    does (a minute apart, a kept-alive one would have closed). Sends are paced evenly over ``seconds``.
    The client is ``http.client`` (not ``requests``, about four times its CPU a request) so that on a small
    machine the load generator takes as little as it can from the server it measures; ``client_cpu_ms`` says
    what it took. ``sends`` more than terminals: the fleet goes round again (a steady state, in which
    every server process has seen every terminal before)."""
    host, port = url.split("://", 1)[1].split(":")
    count = sends or len(terminals)
    interval = seconds / count
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    next_index = [0]
    start = time.perf_counter() + 0.5
    cpu_before = time.process_time()

    def worker() -> None:
        while True:
            with lock:
                index = next_index[0]
                next_index[0] += 1
            if index >= count:
                return
            terminal_id, secret = terminals[index % len(terminals)]
            delay = start + index * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            body = json.dumps(heartbeat_body(index)).encode()
            headers = protocol.signed_headers(
                terminal_id, secret, "POST", "/api/v1/heartbeat", body, time.time()
            )
            headers |= {"Content-Type": "application/json", "Connection": "close"}
            sent = time.perf_counter()
            connection = http.client.HTTPConnection(host, int(port), timeout=10)
            try:
                connection.request("POST", "/api/v1/heartbeat", body=body, headers=headers)
                answer = connection.getresponse()
                answer.read()
                outcome = "" if answer.status == 200 else str(answer.status)
            except OSError as exc:
                outcome = type(exc).__name__
            finally:
                connection.close()
            took = time.perf_counter() - sent
            with lock:
                latencies.append(took)
                if outcome:
                    errors.append(outcome)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - start
    client_cpu = time.process_time() - cpu_before
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1)

    return {
        "terminals": count,
        "seconds": round(wall, 1),
        "per_minute": round(count / wall * 60),
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1] * 1000, 1),
        "mean_ms": round(statistics.mean(latencies) * 1000, 1),
        "client_cpu_ms": round(client_cpu / count * 1000, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument(
        "--baseline-events",
        type=int,
        default=2000,
        help="events for the one-request-per-event baseline (its rate does not depend on it)",
    )
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--terminals", type=int, default=5000)
    parser.add_argument("--heartbeat-seconds", type=float, default=60.0)
    parser.add_argument("--database", help="SQLAlchemy URL (default: SQLite in a temp dir)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--quick", action="store_true", help="tiny counts, always exit 0 (the tests run it)")
    args = parser.parse_args()
    if args.quick:
        args.events, args.baseline_events, args.batch_size, args.terminals, args.heartbeat_seconds = (
            40,
            10,
            10,
            10,
            0.5,
        )

    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        work = Path(tmp)
        database = args.database or f"sqlite:///{work / 'backoffice.sqlite3'}"
        server, url = start_server(database)
        try:
            results = {"cpu_count": os.cpu_count(), "database": database.split(":", 1)[0]}
            print(f"back office at {url} ({results['database']}), {os.cpu_count()} CPUs")
            results["batched"] = drain(url, work, "batched", args.events, args.batch_size)
            print(f"drain, batches of {args.batch_size}: {results['batched']}")
            results["baseline"] = drain(url, work, "baseline", args.baseline_events, 1)
            print(f"drain, one request per event: {results['baseline']}")
            results["speedup"] = round(
                results["batched"]["events_per_s"] / results["baseline"]["events_per_s"], 1
            )
            terminals = make_terminals(database, args.terminals)
            results["heartbeats"] = heartbeats(url, terminals, args.heartbeat_seconds)
            print(f"heartbeats: {results['heartbeats']}")
        finally:
            live.stop(server)
    ok_drain = results["batched"]["events_per_s"] >= 2000
    ok_heartbeat = results["heartbeats"]["p99_ms"] < 100 and results["heartbeats"]["errors"] == 0
    print(
        f"\nbatched drain {results['batched']['events_per_s']:.0f} events/s "
        f"({results['speedup']}x the one-per-request baseline {results['baseline']['events_per_s']:.0f}/s): "
        f"{'meets' if ok_drain else 'MISSES'} the 2,000/s target"
    )
    print(
        f"heartbeats {results['heartbeats']['per_minute']}/min, p99 {results['heartbeats']['p99_ms']} ms: "
        f"{'meets' if ok_heartbeat else 'MISSES'} the 100 ms target"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0 if args.quick or (ok_drain and ok_heartbeat) else 1


if __name__ == "__main__":
    raise SystemExit(main())
