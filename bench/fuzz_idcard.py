"""ID-card fuzz: response frames with random bit errors through the real read step -> 0 wrong identities.

Run on demand: ``.venv/bin/python bench/fuzz_idcard.py [--frames N] [--quick] [--seed S]``.

Each placement puts a random card (the test cards and the demo cards) on a noisy line
(drivers/idcard/noisy_line.py): half of the read-base replies carry bit errors, half of those
XOR-blind (the same bit flipped in two bytes, which the frame checksum cannot see). The real
``SamLink`` and the reader's read step (field validation plus the confirming second read) decide.
The same run without the confirming read is the baseline: what field validation alone lets through.
Exit status 0 only with 0 wrong identities and 0 uncaught exceptions.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.idcard.noisy_line import FuzzResult, fuzz


def cards() -> list[dict]:
    from backoffice.demo.data import demo_cards
    from tests.fixtures.identity import make_test_cards

    return make_test_cards() + demo_cards()


def show(label: str, result: FuzzResult, seconds: float) -> None:
    print(
        f"{label}: {result.frames:,} corrupted frames ({result.checksum_blind:,} pass the XOR checksum) "
        f"+ {result.clean_frames:,} clean, {result.reads:,} placements in {seconds:.1f} s"
    )
    print(
        f"  right identity {result.identities:,}   read again / refused {result.refused:,}   "
        f"WRONG identity {result.wrong:,}   uncaught exceptions {result.uncaught:,}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1_000_000, help="corrupted frames to deliver")
    parser.add_argument("--quick", action="store_true", help="20,000 frames (a few seconds)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    frames = 20_000 if args.quick else args.frames
    if frames <= 0:
        print("fuzz_idcard: --frames must be positive", file=sys.stderr)
        return 2

    start = time.perf_counter()
    confirmed = fuzz(cards(), frames, seed=args.seed)
    show("with the confirming read (the driver's default)", confirmed, time.perf_counter() - start)
    baseline_frames = max(1, frames // 10)
    start = time.perf_counter()
    single = fuzz(cards(), baseline_frames, seed=args.seed, confirm_read=False)
    show("baseline, one read + field validation", single, time.perf_counter() - start)
    rate = single.wrong / single.frames * 100
    print(
        f"  baseline accepts {rate:.2f} % of corrupted frames as another identity; the confirmed read "
        f"{confirmed.wrong / confirmed.frames * 100:.4f} %"
    )
    ok = confirmed.wrong == 0 and confirmed.uncaught == 0 and single.uncaught == 0
    print(f"0 wrong identities, 0 uncaught exceptions: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
