"""Social-security card fuzz: corrupted responses through the real SsCard read -> 0 accepted with wrong fields.

Run on demand: ``.venv/bin/python bench/fuzz_sscard.py [--responses N] [--quick] [--seed S]``.

Two runs of N each (drivers/sscard/noisy_card.py): cards that *store* a bad item (embedded NUL,
non-BCD or impossible date, bad gender, an ID digit changed, a date or gender disagreeing with the
ID number) and responses corrupted *on the line* (bit flips, a byte set to 00 or replaced). The line
run is repeated without the confirming second read of EF06 as the baseline.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.sscard.noisy_card import SsFuzzResult, fuzz


def cards() -> list[dict]:
    from backoffice.demo.data import demo_cards
    from tests.fixtures.identity import make_test_cards

    return [make_test_cards()[i] for i in (0, 1, 4)] + demo_cards()


def show(label: str, result: SsFuzzResult, seconds: float) -> None:
    print(
        f"{label}: {result.responses:,} corrupted responses in {seconds:.1f} s: right {result.accepted:,}, "
        f"refused {result.refused:,}, WRONG fields {result.wrong:,}, uncaught {result.uncaught:,}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="5,000 responses per run")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    n = 5_000 if args.quick else args.responses
    if n <= 0:
        print("fuzz_sscard: --responses must be positive", file=sys.stderr)
        return 2
    runs = [
        ("cards storing a bad item", dict(stored=True)),
        ("line errors, confirmed read", {}),
        ("baseline: line errors, one read", dict(confirm_read=False)),
    ]
    results = {}
    for label, options in runs:
        start = time.perf_counter()
        results[label] = fuzz(cards(), n, seed=args.seed, **options)
        show(label, results[label], time.perf_counter() - start)
    ok = all(
        r.wrong == 0 and r.uncaught == 0 for label, r in results.items() if not label.startswith("baseline")
    )
    print(f"0 accepted with wrong fields, 0 uncaught exceptions: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
