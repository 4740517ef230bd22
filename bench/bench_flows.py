"""Flow engine benchmarks: load and validate 100 flows, and lint them (each target < 200 ms), one step transition
(target < 1 ms). Run: ``.venv/bin/python bench/bench_flows.py`` (prints figures; exits 1 over target);
``--quick`` runs each measure once with a tiny N and always exits 0 (the tests run it so the script cannot rot)."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.engine import FlowRun
from flows.lint import LintContext, errors_only, lint_directory
from flows.loader import FLOWS_DIR, load_directory

TARGET_LOAD_MS, TARGET_STEP_MS = 200.0, 1.0


def make_hundred(target: Path) -> None:
    """100 flow files: the catalog repeated under new ids (realistic sizes and shapes)."""
    sources = sorted(FLOWS_DIR.glob("*.yaml"))
    for i in range(100):
        src = sources[i % len(sources)]
        text = src.read_text(encoding="utf-8")
        flow_id = src.stem
        (target / f"{flow_id}_{i:03d}.yaml").write_text(
            text.replace(f"id: {flow_id}\n", f"id: {flow_id}_{i:03d}\n", 1), encoding="utf-8"
        )


def bench_load(rounds: int = 7) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        make_hundred(directory)
        ctx = LintContext.for_root(FLOWS_DIR.parent)
        load_times, lint_times = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            flows = load_directory(directory)
            load_times.append((time.perf_counter() - start) * 1000)
            assert len(flows) == 100
            start = time.perf_counter()
            problems = errors_only(lint_directory(directory, ctx))
            lint_times.append((time.perf_counter() - start) * 1000)
            assert not problems, problems[:3]
    return statistics.median(load_times), statistics.median(lint_times)


def bench_step(n: int = 20000) -> float:
    """advance + back on the contribution flow's query step (conditions, data merge, snapshot)."""
    flow = load_directory(FLOWS_DIR)["si_contribution_print"]
    run = FlowRun(flow, current_id="query")
    record = {
        "months": [
            {"month": f"2025-{m:02d}", "base": 5000, "pension": 400.0, "medical": 100.0, "status": "已缴"}
            for m in range(1, 13)
        ],
        "employer": "某公司",
        "paid_months": 12,
    }
    start = time.perf_counter()
    for _ in range(n):
        run.advance("ok", record)
        run.back()
    return (time.perf_counter() - start) * 1000 / (2 * n)


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    load_ms, lint_ms = bench_load(1) if quick else bench_load()
    step_ms = bench_step(100) if quick else bench_step()
    print(
        f"load 100 flows (parse, schema-validate, build): {load_ms:.1f} ms, median of {1 if quick else 7} "
        f"(target < {TARGET_LOAD_MS:.0f} ms)"
    )
    print(
        f"lint 100 flows (parse, schema, build, graph, data flow, translations, templates): {lint_ms:.1f} ms "
        f"(target < {TARGET_LOAD_MS:.0f} ms)"
    )
    print(
        f"engine step transition (advance or back): {step_ms * 1000:.1f} µs (target < {TARGET_STEP_MS:.0f} ms)"
    )
    return 0 if quick or (max(load_ms, lint_ms) < TARGET_LOAD_MS and step_ms < TARGET_STEP_MS) else 1


if __name__ == "__main__":
    sys.exit(main())
