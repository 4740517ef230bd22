"""Catalog benchmark with 170 generated services: build (pinyin of every title), a tab's page after the tap,
and search results after each key (targets: page and search < 50 ms p95).

This measures the Qt-free model the catalog screen renders (kiosk/catalog_model.py). Run:
``.venv/bin/python bench/bench_catalog.py`` (prints figures; exits 1 over target); ``--quick`` runs a few rounds
and always exits 0.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.catalog_model import CatalogModel, UsageCounter
from tests.catalog_gen import generated_items

TARGET_MS = 50.0


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def main() -> int:
    quick = "--quick" in sys.argv
    rounds = 2 if quick else 50
    items, identities = generated_items(170)
    start = time.perf_counter()
    model = CatalogModel(items, identities, UsageCounter())
    build_ms = (time.perf_counter() - start) * 1000
    page_times, key_times = [], []
    for _ in range(rounds):
        for mode in ("standard", "elderly"):
            for tab in model.tabs("sscard"):
                start = time.perf_counter()
                model.page(model.tab_entries(tab, mode, card="sscard"), 1, mode)
                page_times.append((time.perf_counter() - start) * 1000)
        for query in ("shebao", "gjjtq", "社保参保", "医保"):
            for n in range(1, len(query) + 1):
                start = time.perf_counter()
                model.search(query[:n])
                key_times.append((time.perf_counter() - start) * 1000)
    print(f"catalog of 170 built (pinyin of every title) {build_ms:.1f} ms")
    print(f"tab page after the tap: p95 {p95(page_times):.3f} ms (target < {TARGET_MS:.0f} ms)")
    print(f"search results per key: p95 {p95(key_times):.3f} ms (target < {TARGET_MS:.0f} ms)")
    ok = p95(page_times) < TARGET_MS and p95(key_times) < TARGET_MS
    return 0 if quick or ok else 1


if __name__ == "__main__":
    sys.exit(main())
