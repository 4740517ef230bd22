"""Operator console benchmark (issue 13): every page's server time with a seeded fleet.

Seeds the database directly (bulk inserts, as years of sync would leave it): ``--terminals`` terminals with
heartbeats (some stale, some offline, some out of paper), ``--cases`` cases over the last year and
``--ratings`` ratings (about 2 % 差评, each opening a rectification case), then starts the real back office
in-process (uvicorn on loopback), logs in as admin and times each console page: the median and the worst
of ``--repeat`` requests (loopback, so close to the server's own time). Target: every page < 1 s with 5,000
terminals, 1,000,000 cases and 300,000 ratings on PostgreSQL.

    .venv/bin/python bench/bench_console.py [--quick] [--postgres | --database URL]
                                            [--terminals 5000] [--cases 1000000] [--ratings 300000]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import insert  # noqa: E402

from backoffice.console.config import ConsoleConfig  # noqa: E402
from backoffice.models import Bundle, Case, DeviceEvent, Event, Rating, Terminal  # noqa: E402

PASSWORD = "bench password 123"
PAGES = [
    "/console/fleet",
    "/console/fleet/rows",
    "/console/fleet?status=offline",
    "/console/terminals/T-00001",
    "/console/alerts",
    "/console/volume",
    "/console/volume?by=service",
    "/console/volume?by=group",
    "/console/volume?by=period&period=month&start={year_ago}",
    "/console/ratings",
    "/console/ratings?by=terminal",
    "/console/rectifications",
    "/console/rectifications/report",
    "/console/audit",
    "/console/volume/export.xlsx?by=terminal",
    "/console/updates",
    "/console/updates/group/district-00",
    "/console/updates/group/district-00/rows",
]
SERVICES = [
    (f"11420100MB{n:07d}X4000", name)
    for n, name in enumerate(
        [
            "社保缴费查询",
            "公积金提取",
            "医保凭证打印",
            "不动产登记查询",
            "个人权益记录",
            "养老金资格认证",
            "住房公积金明细",
            "灵活就业登记",
        ]
    )
]
OUTCOMES = ["done"] * 8 + ["cancelled", "timeout", "error"]


def seed(bo: Any, terminals: int, cases: int, ratings: int) -> None:
    now = time.time()
    rng = random.Random(13)
    with bo.sessions.begin() as session:
        rows = []
        for i in range(terminals):
            age = rng.choice([5.0] * 90 + [200.0] * 5 + [4000.0] * 5)
            paper = "state.printer.paper_near_end" if rng.random() < 0.05 else ""
            rows.append(
                {
                    "id": f"T-{i + 1:05d}",
                    "group": f"district-{i % 13:02d}",
                    "secret": "v1:seed",
                    "status": "active",
                    "enrolled_at": now - 86400 * 400,
                    "last_heartbeat_at": now - age,
                    "heartbeat": {
                        "devices": [
                            {"device": "printer", "state": "online", "reason": paper},
                            {"device": "idcard", "state": "online", "reason": ""},
                        ],
                        "queue_depth": rng.randint(0, 3),
                        "bundle_version": 7,
                        "bundles": {"active": 7, "previous": 6, "staged": [], "refused": [], "notices": []},
                        "software_version": "1.0",
                        "clock_offset": round(rng.uniform(-2, 2), 3),
                    },
                }
            )
        session.execute(insert(Terminal), rows)
        session.execute(
            insert(Event),
            [
                {
                    "id": i + 1,
                    "terminal_id": r["id"],
                    "idem_key": "seed",
                    "kind": "case",
                    "received_at": now,
                    "answer": {},
                }
                for i, r in enumerate(rows)
            ],
        )
    batch = 20_000
    for start in range(0, cases, batch):
        items = []
        for n in range(start, min(cases, start + batch)):
            t = rng.randrange(terminals)
            at = now - rng.random() * 365 * 86400
            code, name = rng.choice(SERVICES)
            items.append(
                {
                    "event_id": t + 1,
                    "terminal_id": f"T-{t + 1:05d}",
                    "case_no": f"C{n:012d}",
                    "service_id": name,
                    "item_code": code,
                    "outcome": rng.choice(OUTCOMES),
                    "started_at": at - 90,
                    "finished_at": at,
                    "received_at": at + 2,
                    "payload": {},
                }
            )
        with bo.sessions.begin() as session:
            session.execute(insert(Case), items)
    step = max(1, cases // max(1, ratings))
    for start in range(0, ratings, batch):
        items = []
        for n in range(start, min(ratings, start + batch)):
            case = n * step
            t = case % terminals
            level = rng.choices([5, 4, 3, 2, 1], [80, 12, 6, 1, 1])[0]
            items.append(
                {
                    "event_id": t + 1,
                    "terminal_id": f"T-{t + 1:05d}",
                    "case_no": f"C{case:012d}",
                    "item_code": SERVICES[case % len(SERVICES)][0],
                    "level": level,
                    "indicators": ["等候时间长"] if level <= 2 else [],
                    "comment": "",
                    "channel": "kiosk",
                    "received_at": now - rng.random() * 365 * 86400,
                }
            )
        with bo.sessions.begin() as session:
            session.execute(insert(Rating), items)


def seed_updates(bo: Any, terminals: int) -> None:
    """The Updates pages' data: versions 1-7 of a bundle in each of the 13 groups, version 8 rolling out in
    district-00 (canary and a first wave, through ``rollouts.start`` itself), device events from the
    terminals (bundle activations and a few refusals among printer events)."""
    from backoffice import rollouts

    now, rng = time.time(), random.Random(12)
    content = bytes(rng.getrandbits(8) for _ in range(50_000))  # opaque here: no root keys configured
    groups = [f"district-{g:02d}" for g in range(13)]
    with bo.sessions.begin() as session:
        session.execute(
            insert(Bundle),
            [
                {
                    "group": g,
                    "version": v,
                    "sha256": f"{v:064x}",
                    "length": len(content),
                    "content": content,
                    "published_at": now - (8 - v) * 30 * 86400,
                    "note": f"v{v}",
                }
                for g in groups
                for v in range(1, 8)
            ],
        )
        events = []
        for _ in range(terminals * 4):
            t = rng.randrange(terminals)
            flows = rng.random() < 0.5
            refused = flows and rng.random() < 0.02
            events.append(
                {
                    "event_id": t + 1,
                    "terminal_id": f"T-{t + 1:05d}",
                    "device": "flows" if flows else "printer",
                    "state": ("bundle_refused" if refused else "bundle_activated") if flows else "online",
                    "reason": "bad_signature" if refused else "",
                    "detail": json.dumps({"version": 7}),
                    "received_at": now - rng.random() * 30 * 86400,
                }
            )
        session.execute(insert(DeviceEvent), events)
    plan = {"canary": ["T-00001", "T-00014"], "waves": [10, 50, 100]}
    rollout = {**rollouts.start(bo, "district-00", 8, 7, plan), "wave": 1}  # the first wave opened
    group = [f"T-{i + 1:05d}" for i in range(0, terminals, 13)]
    rollout["admitted"] = sorted(rollouts.admitted(rollout, group))
    bo.put_setting(rollouts.key("district-00"), rollout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small fleet, seconds long")
    parser.add_argument("--database", help="SQLAlchemy URL (default: SQLite in a temp dir)")
    parser.add_argument("--postgres", action="store_true", help="start a throw-away PostgreSQL cluster")
    parser.add_argument("--terminals", type=int, default=None)
    parser.add_argument("--cases", type=int, default=None)
    parser.add_argument("--ratings", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    terminals = args.terminals or (200 if args.quick else 5000)
    cases = args.cases or (20_000 if args.quick else 1_000_000)
    ratings = args.ratings or (6_000 if args.quick else 300_000)
    repeat = args.repeat or (3 if args.quick else 5)

    from backoffice.app import create_app
    from backoffice.console import rectify
    from backoffice.operator_auth import add_operator
    from backoffice.server import ThreadedServer

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pg = None
        database = args.database or f"sqlite:///{work / 'console.sqlite3'}"
        if args.postgres:
            from bench_backoffice import start_postgres

            pg = start_postgres(work)
            if pg is None:
                print("PostgreSQL is not installed; using SQLite")
            else:
                database = pg.url
        try:
            app = create_app(database, key_file=work / "server.key", console_config=ConsoleConfig())
            bo = app.state.backoffice
            began = time.perf_counter()
            seed(bo, terminals, cases, ratings)
            seed_updates(bo, terminals)
            while rectify.sync(bo, app.state.console):  # open every 差评整改 case, escalate the overdue ones
                pass
            seeded = time.perf_counter() - began
            add_operator(bo, "bench-admin", "admin", PASSWORD)
            server = ThreadedServer(app).start()
            http = requests.Session()
            form = http.get(server.url + "/console/login", timeout=30).text
            token = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            http.post(
                server.url + "/console/login",
                data={"name": "bench-admin", "password": PASSWORD, "csrf": token},
                timeout=30,
            )
            backend = bo.engine.dialect.name
            print(
                f"seeded {terminals} terminals, {cases} cases, {ratings} ratings on {backend} in {seeded:.1f} s"
            )
            year_ago = time.strftime("%Y-%m-%d", time.localtime(time.time() - 365 * 86400))
            figures: dict[str, Any] = {
                "backend": backend,
                "terminals": terminals,
                "cases": cases,
                "ratings": ratings,
                "pages": {},
            }
            worst_page = 0.0
            for page in PAGES:
                path = page.format(year_ago=year_ago)
                times = []
                for _ in range(repeat):
                    start = time.perf_counter()
                    answer = http.get(server.url + path, timeout=120)
                    times.append((time.perf_counter() - start) * 1000)
                    if answer.status_code != 200:
                        print(f"{path}: HTTP {answer.status_code}")
                        return 1
                median, worst = statistics.median(times), max(times)
                worst_page = max(worst_page, worst)
                figures["pages"][path] = {"median_ms": round(median, 1), "max_ms": round(worst, 1)}
                print(f"  {path:60s} median {median:7.1f} ms   max {worst:7.1f} ms")
            print(f"slowest console page {worst_page:.0f} ms (target < 1000 ms)")
            figures["slowest_ms"] = round(worst_page, 1)
            server.stop()
            bo.dispose()
            if args.json:
                args.json.write_text(json.dumps(figures, indent=2))
        finally:
            if pg is not None:
                pg.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
