"""``python -m drivers.idcard.simulator``: a simulated SAM module on a pty, for ``kiosk devices read-id``
and the bench.

Its own module so that importing the simulator (tests, the ``sim://idcard`` factory) never parses
arguments, and so the CLI's one job — turn a cards file and options into a running simulator — is plain.
The simulator has no cards of its own: pass ``--cards FILE`` (a JSON list of card dicts as
:func:`drivers.idcard.parser.build_text` encodes them; see :mod:`.cards`), or it serves an empty reader.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from drivers.idcard.simulator.cards import load_cards
from drivers.idcard.simulator.server import SamSimulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m drivers.idcard.simulator", description="SAM ID-card module simulator on a pty"
    )
    parser.add_argument(
        "--cards", metavar="FILE", help="JSON file with a list of cards (without it the reader stays empty)"
    )
    parser.add_argument("--link", required=True, help="path of the port symlink to create")
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--pace", action="store_true", help="send at the baud rate's real speed")
    parser.add_argument("--module-baud", type=int, help="answer only at this line speed")
    parser.add_argument("--place", type=int, help="place this card (index into --cards) at start")
    args = parser.parse_args(argv)
    cards: list[dict[str, Any]] = []
    if args.cards:
        try:
            cards = load_cards(args.cards)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if args.place is not None and not 0 <= args.place < len(cards):
        print(
            f"error: --place {args.place}: there are {len(cards)} cards (give them with --cards FILE)",
            file=sys.stderr,
        )
        return 2
    sim = SamSimulator(cards, baud=args.baud, pace=args.pace, link=args.link, module_baud=args.module_baud)
    try:
        sim.start()
    except OSError as exc:
        print(f"error: cannot create the port {args.link}: {exc.strerror or exc}", file=sys.stderr)
        sim.stop()
        return 1
    if args.place is not None:
        sim.place(args.place)
    print(sim.port, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0
