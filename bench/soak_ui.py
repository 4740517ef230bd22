"""Soak: many citizens in a row through the real UI, watching what a 24-hour terminal must not leak.

Run on demand: ``.venv/bin/python bench/soak_ui.py [SESSIONS | --quick]`` (default 200; ``--quick`` is 2). Each session prints a
contribution record by touch (card placed, confirm, period, preview, print, rate, done, card lifted).
Reports sessions per minute and the growth of resident memory, threads, open files and Python objects
between the first tenth of the run (the baseline, once caches are warm) and the end.
"""

from __future__ import annotations

import gc
import os
import resource
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_IM_MODULE", "qtvirtualkeyboard")


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def snapshot() -> dict[str, float]:
    gc.collect()
    return {
        "rss_mb": rss_mb(),
        "threads": threading.active_count(),
        "fds": len(os.listdir("/proc/self/fd")),
        "objects": len(gc.get_objects()),
    }


def one_citizen(app, robot, card: int) -> None:
    ctl = app.controller
    robot.tap("startButton")
    robot.tap("service_si_contribution_print")
    robot.tap("beginButton")
    app.ctx.devices["idcard"].simulator.place(card)
    robot.tap("confirmButton", timeout=10)
    robot.tap("submitButton")
    robot.tap("printButton", timeout=10)
    robot.tap("rate_5", timeout=20)
    robot.tap("rateSubmit")
    robot.tap("doneHome")
    app.ctx.devices["idcard"].simulator.lift()
    robot.wait_until(lambda: ctl.screen == "attract" and ctl.session is None)
    robot.pump(1.0)  # the next citizen arrives after the reader's polling has seen the card go


def main() -> None:
    from kiosk.app import KioskApplication, build_context
    from kiosk.config import Config
    from kiosk.demo.robot import UiRobot

    arg = sys.argv[1] if len(sys.argv) > 1 else "200"
    sessions = 2 if arg == "--quick" else int(arg)
    app = KioskApplication(build_context(replace(Config(), data_dir=Path(tempfile.mkdtemp(prefix="soak-")))))
    robot = UiRobot(app.window)
    robot.wait_until(lambda: app.controller.online and "receipt" in app.ctx.devices, timeout=30)
    from backoffice.demo.data import contributions, last_months, persons

    # people with contributions in the last 12 months (retired people get the 'no record' notice instead)
    cards = [i for i, person in enumerate(persons()) if contributions(person, *last_months(12))]
    baseline_at = max(1, sessions // 10)
    started = time.perf_counter()
    baseline = None
    for n in range(sessions):
        try:
            one_citizen(app, robot, cards[n % len(cards)])
        except TimeoutError:
            shot = Path(tempfile.gettempdir()) / "soak-failure.png"
            robot.screenshot(shot)
            print(
                f"citizen {n + 1} stuck on {app.controller.screen}/{app.controller.view.get('stepId')} "
                f"(screenshot {shot})"
            )
            raise
        if n + 1 == baseline_at:
            baseline, base_time = snapshot(), time.perf_counter()
    end = snapshot()
    elapsed = time.perf_counter() - started
    measured = sessions - baseline_at
    rate = measured / (time.perf_counter() - base_time) * 60 if measured else 0.0
    store = app.ctx.store
    completed = store.db.execute("SELECT count(*) FROM cases WHERE outcome='completed'").fetchone()[0]
    print(
        f"{sessions} citizens in {elapsed:.0f} s ({rate:.0f} per minute after warm-up); "
        f"{completed} cases completed; database {store.integrity_check()}"
    )
    for key, value in end.items():
        print(
            f"  {key}: {baseline[key]:.1f} after {baseline_at} citizens -> {value:.1f} after {sessions} "
            f"({(value - baseline[key]) / max(1, measured):+.3f} per citizen)"
        )
    app.shutdown()


if __name__ == "__main__":
    main()
