"""Back-office benchmarks (issue 11), in one run, against the real server (its own processes) on loopback.

1. Heartbeats: terminals each sending one signed heartbeat, paced at ``--rate`` a minute (20,000), a new
   connection each, against ``kiosk-backoffice serve --workers N``; the baseline is one worker at the same
   rate in the same run (target: 4 workers, p99 < 100 ms, 0 errors).
2. Ingest: eight terminals' outboxes drained at once in signed batches of 500 (target >= 5,000 events/s);
   then one terminal's outbox drained by the real sync client (its own figure: the client's CPU included).
3. Enumeration: one terminal's credentials walk through ``--ids`` ID numbers (26,614 in the issue's attack):
   how many answers leak without a session (target 0), how many citizen sessions it gets before the
   configured rate refuses it, and the alert raised.

Each phase also reports what it cost a request (or an event): CPU of the server's processes, of PostgreSQL's and
of this client, and PostgreSQL's statements (``pg_stat_statements``) — the figures a loaded machine does not blur.
``--repeat 3`` sends each terminal's heartbeat three times (the steady state: workers have seen the terminals);
``--only heartbeats,ingest,...`` runs some phases.

    .venv/bin/python bench/bench_backoffice.py [--quick] [--postgres | --database URL] [--workers 4]
                                               [--rate 20000] [--seconds 60] [--events 20000] [--ids 26614]
                                               [--repeat N] [--only PHASES] [--json FILE]

``--postgres`` starts a throw-away PostgreSQL cluster (initdb in a temp dir) when one is installed; with
SQLite the server runs one worker (SQLite is for one process). ``--quick`` runs seconds-long versions.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_sync import OPERATOR_KEY, drain, enrol, heartbeats, make_terminals  # noqa: E402

from backoffice.demo.data import persons  # noqa: E402
from kiosk.sync.transport import Signer, Transport  # noqa: E402
from tests.fixtures import live  # noqa: E402
from wire import signing  # noqa: E402


class Meter:
    """What a phase cost, read around it: CPU seconds of the server's processes (every worker), of
    PostgreSQL's (every backend) and of this client, and the statements PostgreSQL ran
    (``pg_stat_statements``, BEGIN and COMMIT included: each is a round trip). Divided by the requests (or
    events) of the phase, so the figures are a cost per request that a loaded machine does not blur."""

    def __init__(self, server_pid: int, postgres: live.PostgresCluster | None):
        self.server_pid = server_pid
        self.postgres = postgres
        self._start: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def _pg(self, sql: str) -> list[tuple[Any, ...]]:
        import psycopg

        assert self.postgres is not None
        with psycopg.connect(self.postgres.url, autocommit=True) as conn:
            return list(conn.execute(sql))

    def start(self) -> None:
        if self.postgres:
            self._pg("SELECT pg_stat_statements_reset()")
        self._start = self._cpu()

    def _cpu(self) -> tuple[float, float, float]:
        db = live.tree_cpu_seconds(self.postgres.pid) if self.postgres else 0.0
        return live.tree_cpu_seconds(self.server_pid), db, time.process_time()

    def stop(self, units: int) -> dict[str, Any]:
        server, db, client = (now - then for now, then in zip(self._cpu(), self._start, strict=True))
        figures: dict[str, Any] = {
            "server_cpu_ms": round(server / units * 1000, 3),
            "db_cpu_ms": round(db / units * 1000, 3) if self.postgres else None,
            "client_cpu_ms": round(client / units * 1000, 3),
        }
        if self.postgres:
            rows = self._pg(
                "SELECT calls, query FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' "
                "ORDER BY calls DESC"
            )
            figures["statements"] = round(sum(r[0] for r in rows) / units, 2)
            figures["top_statements"] = [
                (round(calls / units, 3), " ".join(query.split())[:100]) for calls, query in rows[:8]
            ]
        return figures


def start_server(database: str, work: Path, workers: int) -> tuple[subprocess.Popen, str]:
    env = {"BACKOFFICE_KEY_FILE": str(work / "server.key")}
    return live.serve(
        database, env=env, workers=workers, operator_key=OPERATOR_KEY, stderr=subprocess.DEVNULL
    )


def start_postgres(work: Path) -> live.PostgresCluster | None:
    """A throw-away cluster with ``pg_stat_statements``; None if PostgreSQL is not installed."""
    if not live.PostgresCluster.installed():
        return None
    options = "-c max_connections=300 -c shared_preload_libraries=pg_stat_statements"
    cluster = live.PostgresCluster(work / "pg", options).start()
    import psycopg

    with psycopg.connect(cluster.url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    return cluster


def outbox_batch(terminal: str, batch: int, size: int) -> bytes:
    """One batch of a terminal's outbox as the sync client sends it: closed cases and their ratings."""
    events = []
    for n in range(size):
        case_no = f"{terminal}-{batch:04d}-{n // 2:04d}"
        if n % 2 == 0:
            payload = {"case_no": case_no, "service_id": "si.contributions", "item_code": "11420000MB0000001"}
            payload |= {"outcome": "done", "started_at": 1.7e9, "finished_at": 1.7e9 + 90, "steps": 4}
            events.append({"idem_key": f"case:{case_no}", "kind": "case", "payload": payload})
        else:
            payload = {"case_no": case_no, "item_code": "11420000MB0000001", "level": 5}
            payload |= {"indicators": ["overall"], "channel": "kiosk"}
            events.append({"idem_key": f"rating:{case_no}", "kind": "rating", "payload": payload})
    return json.dumps({"events": events}, ensure_ascii=False).encode()


def fleet_ingest(url: str, terminals: list[tuple[str, str]], batches: int, size: int = 500) -> dict[str, Any]:
    """Terminals draining their outboxes at once, ``batches`` batches of ``size`` events each, every
    request signed as it is sent, on a kept-alive connection per terminal (as the sync client's session).
    The batches are built beforehand: the terminal's outbox exists already, the server's work is measured."""
    host, port = url.split("://", 1)[1].split(":")
    bodies = {t: [outbox_batch(t, b, size) for b in range(batches)] for t, _s in terminals}
    errors: list[str] = []
    path = "/api/v1/events"

    def drain_one(terminal: str, secret: str) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=120)
        for body in bodies[terminal]:
            headers = signing.signed_headers(terminal, secret, "POST", path, body, time.time())
            connection.request(
                "POST", path, body=body, headers={**headers, "Content-Type": "application/json"}
            )
            answer = connection.getresponse()
            results = json.loads(answer.read()).get("results", []) if answer.status == 200 else []
            if answer.status != 200 or any(r["status"] != "accepted" for r in results):
                errors.append(str(answer.status))
        connection.close()

    threads = [threading.Thread(target=drain_one, args=terminal) for terminal in terminals]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    events = len(terminals) * batches * size
    return {
        "terminals": len(terminals),
        "events": events,
        "seconds": round(elapsed, 3),
        "events_per_s": round(events / elapsed, 1),
        "errors": len(errors),
    }


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


PHASES = ("heartbeats", "ingest", "drain", "enumeration", "baseline")


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """The phases asked for, each measured with a :class:`Meter`; the figures by phase."""
    seconds = args.seconds or (5.0 if args.quick else 60.0)
    events = args.events or (3000 if args.quick else 20000)
    ids = args.ids or (300 if args.quick else 26614)
    phases = set(args.only.split(",")) if args.only else set(PHASES)
    postgres = start_postgres(work) if args.postgres else None
    database = args.database or (postgres.url if postgres else f"sqlite:///{work / 'backoffice.sqlite3'}")
    kind = database.split(":", 1)[0]
    workers = args.workers if not kind.startswith("sqlite") else 1
    results: dict[str, Any] = {"cpu_count": os.cpu_count(), "database": kind, "workers": workers}
    print(f"{kind}, {os.cpu_count()} CPUs, {workers} worker(s), load average {os.getloadavg()[0]:.1f}")
    count = max(1, int(args.rate * seconds / 60))
    try:
        server, url = start_server(database, work, workers)
        terminals = make_terminals(database, max(1, count // args.repeat), work / "server.key")
        meter = Meter(server.pid, postgres)
        try:
            if "heartbeats" in phases:
                meter.start()
                results["heartbeats"] = heartbeats(url, terminals, seconds, threads=32, sends=count)
                results["heartbeats"]["cost"] = meter.stop(count)
                results["heartbeats"]["load_average"] = round(os.getloadavg()[0], 1)
                print(f"heartbeats, {workers} worker(s): {results['heartbeats']}")
            if "ingest" in phases:  # the fleet's terminals draining at once: the server's throughput
                fleet = make_terminals(database, 8, work / "server.key", prefix="I")
                batches = max(1, events // (len(fleet) * 500))
                meter.start()
                results["ingest"] = fleet_ingest(url, fleet, batches)
                results["ingest"]["cost"] = meter.stop(results["ingest"]["events"])
                print(f"ingest, {len(fleet)} terminals at once: {results['ingest']}")
            if "drain" in phases:  # one terminal's sync client draining its real outbox (client included)
                meter.start()
                results["drain"] = drain(url, work, "batched", events, 500)
                results["drain"]["cost"] = meter.stop(events)
                print(f"drain, one terminal: {results['drain']}")
            if "enumeration" in phases:
                results["enumeration"] = enumeration(url, ids)
                print(f"enumeration: {results['enumeration']}")
        finally:
            live.stop(server)
        if workers > 1 and "baseline" in phases:  # one worker, the same rate, the same database
            terminals = make_terminals(
                database, max(1, count // args.repeat), work / "server.key", prefix="C"
            )
            server, url = start_server(database, work, 1)
            try:
                meter = Meter(server.pid, postgres)
                meter.start()
                results["heartbeats_1_worker"] = heartbeats(url, terminals, seconds, threads=32, sends=count)
                results["heartbeats_1_worker"]["cost"] = meter.stop(count)
                print(f"heartbeats, 1 worker (baseline): {results['heartbeats_1_worker']}")
            finally:
                live.stop(server)
    finally:
        if postgres:
            postgres.stop()
    return results


def report(results: dict[str, Any]) -> None:
    def cost(figures: dict[str, Any], unit: str) -> str:
        c = figures["cost"]
        db = (
            f", database {c['db_cpu_ms']} ms, {c['statements']} statements"
            if c["db_cpu_ms"] is not None
            else ""
        )
        return f"CPU a {unit}: server {c['server_cpu_ms']} ms{db}; client {c['client_cpu_ms']} ms"

    workers = results["workers"]
    if "heartbeats" in results:
        hb = results["heartbeats"]
        print(
            f"\nheartbeats {hb['per_minute']}/min with {workers} worker(s), p99 {hb['p99_ms']} ms, "
            f"{hb['errors']} errors (load average {hb['load_average']})\n  {cost(hb, 'heartbeat')}"
        )
    if "heartbeats_1_worker" in results:
        base = results["heartbeats_1_worker"]
        print(
            f"baseline 1 worker: {base['per_minute']}/min, p99 {base['p99_ms']} ms, {base['errors']} errors"
            f"\n  {cost(base, 'heartbeat')}"
        )
    if "ingest" in results:
        ing = results["ingest"]
        print(
            f"ingest {ing['events_per_s']:.0f} events/s batched ({ing['terminals']} terminals at once, "
            f"{ing['errors']} errors)\n  {cost(ing, 'event')}"
        )
    if "drain" in results:
        dr = results["drain"]
        print(f"one terminal's sync client: {dr['events_per_s']:.0f} events/s\n  {cost(dr, 'event')}")
    if "enumeration" in results:
        enum = results["enumeration"]
        print(
            f"enumeration of {enum['ids']} ID numbers: {enum['leaked_without_session']} answers leaked without "
            f"a session, {enum['sessions_granted']} sessions before the cut, {enum['sessions_refused']} "
            f"refused, {enum['alerts']} alert(s), {enum['seconds']} s"
        )


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
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="heartbeats a terminal sends in the run (1: every one a first contact, the worst case)",
    )
    parser.add_argument("--only", help=f"some of the phases, comma-separated: {','.join(PHASES)}")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-backoffice-") as tmp:
        results = run(args, Path(tmp))
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if args.quick or args.only:
        return 0  # the quick mode shows figures; it does not judge them on a loaded machine
    hb, ing, enum = results["heartbeats"], results["ingest"], results["enumeration"]
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
