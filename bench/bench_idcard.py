"""ID-card reader bench: card-placed-to-identity latency at 115200 baud, and CPU of an idle reader.

Run on demand: ``.venv/bin/python bench/bench_idcard.py [--trials N] [--idle-seconds S]``.

1. Latency. The pty simulator paces every byte at 115200 baud (10 bits a byte), so the
   exchange has a real wire time. The *floor* is that wire time for find + select + read
   (requests and replies). The *baseline* is the same exchange done back to back with plain
   pyserial and the protocol module, measured in this run on this machine. The driver is
   measured from the moment the card is placed (at a random phase of the polling) to
   CardPresented; target: latency <= floor + the confirming read + 20 ms + half the polling interval.
2. Cost of the confirming read. The driver accepts a card only when two reads of the base
   message agree byte for byte (the XOR checksum misses same-bit double errors, see
   bench/fuzz_idcard.py). Placed -> identity and first poll -> identity with and without it,
   the same run, ratio printed.
3. Idle CPU. The simulator runs in a child process; this process runs only the driver polling
   an empty reader at the default interval. Target: under 1 % of one core. The same figure for
   a process that only sleeps is the baseline.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.events import CardPresented
from drivers.idcard import protocol as p
from drivers.idcard.reader import IdCardReader
from drivers.idcard.simulator import SamSimulator
from drivers.idcard.transport import SamLink, open_port

BAUD = 115200
EXCHANGE_BYTES = (10 + 15) + (10 + 19) + (10 + 1295)  # find, select, read: request + reply
CONFIRM_BYTES = (10 + 19) + (10 + 1295)  # the driver's confirming second select + read


def cards() -> list[dict]:
    from backoffice.demo.data import demo_cards

    return demo_cards()


def baseline_exchange(trials: int) -> list[float]:
    """find + select + read back to back with plain pyserial: what the line and the pty cost."""
    sim = SamSimulator(cards(), baud=BAUD, pace=True).start()
    port = open_port(sim.port, BAUD)
    link = SamLink(port, BAUD)
    times = []
    try:
        for _ in range(trials):
            sim.place(0)
            start = time.perf_counter()
            assert link.command(p.FIND_CARD).status == p.STATUS_FIND_OK
            link.command(p.SELECT_CARD).raise_for_status()
            reply = link.command(p.READ_BASE).raise_for_status()
            p.split_base_message(reply.data)
            times.append(time.perf_counter() - start)
            sim.lift()
    finally:
        port.close()
        sim.stop()
    return times


def driver_latency(trials: int, poll: float, confirm_read: bool = True) -> tuple[list[float], list[float]]:
    """(place -> CardPresented, first find after place -> CardPresented) for each trial.

    Placements are spread evenly over the polling cycle (stratified, not random, so 20
    trials already give the true average wait of half an interval): each trial waits for
    an empty-reader poll, then places the card (k + 0.5) / trials of an interval later.
    """
    sim = SamSimulator(cards(), baud=BAUD, pace=True).start()
    reader = IdCardReader(sim.port, BAUD, poll_interval=poll, confirm_read=confirm_read)
    presented = threading.Event()
    empty_poll = threading.Event()
    first_find: list[float] = []
    stamp: dict[str, float] = {}

    def on_event(event) -> None:
        if isinstance(event, CardPresented):
            stamp["presented"] = time.perf_counter()
            presented.set()

    def on_request(name: str) -> None:
        if name != "find_card":
            return
        if not sim.card_present:
            stamp["empty_poll"] = time.perf_counter()
            empty_poll.set()
        elif not first_find:
            first_find.append(time.perf_counter() - p.wire_time(10, BAUD))  # when the request left

    reader.events.subscribe(on_event)
    sim.on_request.append(on_request)
    reader.open()
    totals, after_poll = [], []
    rng = random.Random(7)
    try:
        for k in range(trials):
            empty_poll.clear()
            if not empty_poll.wait(5):
                raise RuntimeError("the driver does not poll")
            phase = (k + 0.5) / trials * poll
            time.sleep(max(0.0, stamp["empty_poll"] + phase - time.perf_counter()))
            presented.clear()
            first_find.clear()
            placed = time.perf_counter()
            sim.place(rng.randrange(len(sim.cards)))
            if not presented.wait(5):
                raise RuntimeError("no CardPresented within 5 s")
            totals.append(stamp["presented"] - placed)
            after_poll.append(stamp["presented"] - first_find[0])
            sim.lift()
            time.sleep(poll + 0.05)  # let the driver see the removal
    finally:
        reader.close()
        sim.stop()
    return totals, after_poll


def confirmation_cost(trials: int, poll: float) -> None:
    """Print card placed -> identity with the confirming second read and without it."""
    ms = 1000.0
    confirmed, confirmed_after_poll = driver_latency(trials, poll, confirm_read=True)
    single, single_after_poll = driver_latency(trials, poll, confirm_read=False)
    print(f"Confirming read (two identical reads), {trials} cards, polling every {poll * ms:.0f} ms")
    print(f"  placed -> identity, one read (mean)       {statistics.mean(single) * ms:7.1f} ms")
    print(
        f"  placed -> identity, confirmed (mean)      {statistics.mean(confirmed) * ms:7.1f} ms"
        f"   ({statistics.mean(confirmed) / statistics.mean(single):.2f} x, "
        f"+{(statistics.mean(confirmed) - statistics.mean(single)) * ms:.1f} ms)"
    )
    one, two = statistics.median(single_after_poll), statistics.median(confirmed_after_poll)
    print(f"  first poll -> identity, one read (median) {one * ms:7.1f} ms")
    print(
        f"  first poll -> identity, confirmed (median){two * ms:7.1f} ms   ({two / one:.2f} x, "
        f"+{(two - one) * ms:.1f} ms; wire time of select + read {p.wire_time(10 + 19 + 10 + 1295, BAUD) * ms:.1f} ms)"
    )


def cpu_fraction(seconds: float, work) -> float:
    """Process CPU time over wall time while ``work`` runs in the background for ``seconds``."""
    stop = work()
    time.sleep(0.5)  # settle
    cpu0, wall0 = time.process_time(), time.perf_counter()
    time.sleep(seconds)
    cpu1, wall1 = time.process_time(), time.perf_counter()
    stop()
    return (cpu1 - cpu0) / (wall1 - wall0)


def idle_cpu(seconds: float, poll: float) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        link = Path(tmp) / "ttySAM0"
        child = subprocess.Popen(
            [sys.executable, "-m", "drivers.idcard.simulator", "--link", str(link), "--pace"],
            cwd=Path(__file__).resolve().parents[1],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            child.stdout.readline()  # the simulator prints its port when ready

            def run_driver():
                reader = IdCardReader(str(link), BAUD, poll_interval=poll)
                reader.open()
                return reader.close

            driver = cpu_fraction(seconds, run_driver)
        finally:
            child.terminate()
            child.wait(5)
    baseline = cpu_fraction(seconds, lambda: lambda: None)
    return driver, baseline


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--poll", type=float, default=0.5, help="polling interval (s)")
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="2 cards, 0.1 s polling, 0.5 s idle, always exit 0 (the tests run it)",
    )
    args = parser.parse_args()
    if args.quick:
        args.trials, args.poll, args.idle_seconds = 2, 0.1, 0.5

    floor = p.wire_time(EXCHANGE_BYTES, BAUD)
    base = baseline_exchange(args.trials)
    totals, after_poll = driver_latency(args.trials, args.poll)
    target = floor + p.wire_time(CONFIRM_BYTES, BAUD) + 0.020 + args.poll / 2
    ms = 1000.0
    print(f"Latency at {BAUD} baud, polling every {args.poll * ms:.0f} ms, {args.trials} cards")
    print(f"  wire-time floor (find+select+read)      {floor * ms:7.1f} ms")
    print(
        f"  baseline, raw exchange (median)          {statistics.median(base) * ms:7.1f} ms"
        f"   ({statistics.median(base) / floor:.2f} x floor)"
    )
    print(
        f"  driver, placed -> identity (mean)        {statistics.mean(totals) * ms:7.1f} ms"
        f"   (target <= {target * ms:.1f} ms: floor + confirming read + 20 ms + poll/2)"
    )
    print(
        f"  driver, placed -> identity (p95)         {sorted(totals)[int(0.95 * (len(totals) - 1))] * ms:7.1f} ms"
    )
    print(
        f"  driver, first poll -> identity (median)  {statistics.median(after_poll) * ms:7.1f} ms"
        f"   ({statistics.median(after_poll) / statistics.median(base):.2f} x baseline, "
        f"+{(statistics.median(after_poll) - floor) * ms:.1f} ms over the floor)"
    )
    mean_ok = statistics.mean(totals) <= target
    print(f"  mean within target: {'yes' if mean_ok else 'NO'}")
    confirmation_cost(args.trials, args.poll)

    driver, baseline = idle_cpu(args.idle_seconds, args.poll)
    print(f"Idle CPU, empty reader polled every {args.poll * ms:.0f} ms, {args.idle_seconds:.0f} s")
    print(f"  driver process                           {driver * 100:7.3f} % of one core   (target < 1 %)")
    print(
        f"  baseline, process that only sleeps       {baseline * 100:7.3f} %"
        f"   (driver uses {driver / baseline if baseline else float('inf'):.1f} x)"
    )
    cpu_ok = driver < 0.01
    print(f"  within target: {'yes' if cpu_ok else 'NO'}")
    return 0 if args.quick or (mean_ok and cpu_ok) else 1


if __name__ == "__main__":
    raise SystemExit(main())
