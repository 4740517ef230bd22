"""``kiosk selftest --config FILE [--level internal|external|interactive] [--json]``.

The three levels of UnifiedPOS CheckHealth (:mod:`kiosk.selftest`): a report line per check, and a
non-zero exit when any check found a fault. ``selftest-ui`` (the packaged build's smoke test) is
another command.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kiosk.cli import CliError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "selftest",
        help="check the terminal's health: internal, external "
        "(test print, card read, back office), interactive",
    )
    parser.add_argument(
        "--config",
        type=Path,
        help="the terminal's TOML configuration (default: $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml)",
    )
    parser.add_argument(
        "--level",
        choices=("internal", "external", "interactive"),
        default="external",
        help="how far to go (each level includes the ones before; default external)",
    )
    parser.add_argument("--card-timeout", type=float, default=20.0, help="seconds to wait for each test card")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    parser.set_defaults(handler=run_selftest)


def _ask(question: str) -> bool | None:
    if not sys.stdin.isatty():
        return None
    answer = input(f"{question} [y/n] ").strip().lower()
    return answer.startswith("y")


def run_selftest(args) -> int:
    import math

    from kiosk import selftest
    from kiosk.cli.status import load_terminal_config

    if not math.isfinite(args.card_timeout) or args.card_timeout <= 0:
        raise CliError(
            f"--card-timeout must be a positive number of seconds (got {args.card_timeout})", status=2
        )
    config = load_terminal_config(args.config)
    if not args.json and args.level != "internal":
        print(
            f"selftest: {config.terminal_id}: test pages will print; place a test card on each reader",
            file=sys.stderr,
        )
    checks = selftest.run(config, args.level, card_timeout=args.card_timeout, ask=_ask)
    faults = selftest.faults(checks)
    if args.json:
        print(
            json.dumps(
                {
                    "terminal": config.terminal_id,
                    "level": args.level,
                    "ok": not faults,
                    "checks": [check.as_dict() for check in checks],
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
        for check in checks:
            verdict = {True: "ok  ", False: "FAIL", None: "skip"}[check.ok]
            print(f"{verdict} {check.level:<11} {check.name:<16} {check.detail}")
        print(
            f"selftest: {len(faults)} fault(s) in {len(checks)} check(s)"
            if faults
            else f"selftest: all {len(checks)} checks passed"
        )
    return 1 if faults else 0
