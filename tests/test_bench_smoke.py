"""Every benchmark runs: each script in bench/ in its ``--quick`` mode, as a subprocess, as a developer runs it.

Benchmarks are run by hand, so nothing noticed when one stopped importing (bench_printing.py did, for weeks). The
quick modes take seconds and assert no figures -- a loaded CI machine must not fail here -- but each script must
exit 0 and print its figures (a line with a number and a unit), so a broken import or a crash fails the suite.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = (
    pytest.mark.slow
)  # each script is a subprocess of seconds: about 50 s in all, too long for quick.sh

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"

# What each script prints when it has measured something (checked on the whole output).
FIGURES = {
    "bench_backoffice.py": [
        r"heartbeats \d+/min with \d+ worker",
        r"ingest \d+ events/s batched",
        r"enumeration of \d+ ID numbers: \d+ answers leaked without a session",
    ],
    "bench_catalog.py": [r"tab page after the tap: p95 [\d.]+ ms", r"search results per key: p95 [\d.]+ ms"],
    "bench_catalog_ui.py": [
        r"touch on a tab or page -> first frame rendered: \d+ samples, median [\d.]+ ms, p95 [\d.]+ ms",
        r"each key on the on-screen keyboard -> results frame: \d+ samples, median [\d.]+ ms, p95 [\d.]+ ms",
    ],
    "bench_console.py": [r"seeded \d+ terminals, \d+ cases", r"slowest console page \d+ ms"],
    "bench_flows.py": [r"load 100 flows .*: [\d.]+ ms", r"engine step transition .*: [\d.]+ µs"],
    "bench_idcard.py": [r"driver, placed -> identity \(mean\)\s+[\d.]+ ms", r"driver process\s+[\d.]+ %"],
    "bench_printing.py": [r"receipt bytes \(encode_receipt\)\s+[\d.]+ ms", r"A4 page .*[\d.]+ ms"],
    "bench_sync.py": [r"batched drain \d+ events/s", r"heartbeats \d+/min, p99 [\d.]+ ms"],
    "bench_ui.py": [r"kiosk to attract screen rendered \d+ ms", r"median [\d.]+ ms, p95 [\d.]+ ms"],
    "bench_voice.py": [r"cached: median [\d.]+ ms, p95 [\d.]+ ms", r"uncached .*p95 [\d.]+ ms"],
    "fuzz_idcard.py": [r"WRONG identity \d+\s+uncaught exceptions \d+", r"corrupted frames .* in [\d.]+ s"],
    "fuzz_sscard.py": [r"WRONG fields \d+, uncaught \d+", r"corrupted responses in [\d.]+ s"],
    "soak_ui.py": [r"2 citizens in \d+ s", r"rss_mb: [\d.]+ after"],
}


def test_every_bench_script_is_covered() -> None:
    assert sorted(p.name for p in BENCH.glob("*.py")) == sorted(FIGURES)


@pytest.mark.parametrize("script", sorted(FIGURES))
def test_quick_mode_runs_and_prints_its_figures(script: str) -> None:
    args = [sys.executable, str(BENCH / script), "--quick"]
    if script == "bench_printing.py" and shutil.which("cupsd") is None:
        args.append("--no-cups")  # the CUPS measure needs cupsd (installed by scripts/setup.sh)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"{script} --quick exited {result.returncode}:\n{result.stderr[-3000:]}"
    for figure in FIGURES[script]:
        assert re.search(figure, result.stdout), (
            f"{script} --quick did not print /{figure}/:\n{result.stdout}"
        )
