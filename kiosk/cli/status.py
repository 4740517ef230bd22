"""``kiosk status [--config FILE | --data-dir DIR] [--json]``: a terminal's state at a glance.

The facts come from :func:`kiosk.status.gather` (the maintenance screen shows the same); reading
never changes the terminal, so it is safe while the kiosk runs.
"""

from __future__ import annotations

import json
from pathlib import Path

from kiosk.cli import CliError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "status", help="terminal, enrolment, back office, devices, queue, bundles, disk"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--config",
        type=Path,
        help="the terminal's TOML configuration (default: $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml)",
    )
    where.add_argument("--data-dir", type=Path, help="read a data directory without a configuration")
    parser.add_argument("--json", action="store_true", help="print the facts as one JSON object")
    parser.set_defaults(handler=run_status)


def load_terminal_config(path: Path | None):
    """The configuration a technician command works on (``--config``, ``$KIOSK_CONFIG``, /etc/kiosk), or a
    one-line error naming where it looked."""
    from kiosk.config import ConfigError, find_config, load_config

    try:
        return load_config(find_config(path))
    except ConfigError as exc:
        raise CliError(f"configuration error: {exc}", status=2) from None


def run_status(args) -> int:
    from kiosk.status import gather, render

    if args.data_dir is not None:
        if not args.data_dir.is_dir():
            raise CliError(f"{args.data_dir}: no such data directory", status=2)
        facts = gather(None, args.data_dir)
    else:
        facts = gather(load_terminal_config(args.config))
    if args.json:
        print(json.dumps(facts, ensure_ascii=False, indent=1))
    else:
        print("\n".join(render(facts)))
    return 0
