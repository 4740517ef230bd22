"""``kiosk maintenance-pin [--config FILE | --data-dir DIR] [--pin PIN] [--json]``: set the maintenance PIN.

The PIN opens the maintenance screen (long press on the terminal name); it is stored hashed
(:mod:`kiosk.maintenance`). ``kiosk provision --maintenance-pin`` sets the first one. Without ``--pin``
the PIN is asked twice without echo.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

from kiosk.cli import CliError


def register(subparsers) -> None:
    parser = subparsers.add_parser("maintenance-pin", help="set the PIN of the terminal's maintenance screen")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--config",
        type=Path,
        help="the terminal's TOML configuration (default: $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml)",
    )
    where.add_argument("--data-dir", type=Path, help="the terminal's data directory")
    parser.add_argument("--pin", help="the new PIN, 6 to 12 digits (default: asked without echo)")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.set_defaults(handler=run_set_pin)


def _must_be_a_terminal(data_dir: Path) -> None:
    """Refuse a directory no terminal uses: a typo must not leave a PIN file (and a new directory) behind."""
    from kiosk.status import DATABASE_FILE
    from kiosk.sync.credentials import CREDENTIALS_FILE

    if not data_dir.is_dir():
        raise CliError(f"{data_dir}: no such data directory; nothing was changed", status=2)
    if not ((data_dir / CREDENTIALS_FILE).is_file() or (data_dir / DATABASE_FILE).is_file()):
        raise CliError(
            f"{data_dir} is not a terminal's data directory (no {CREDENTIALS_FILE} or {DATABASE_FILE}): "
            "run kiosk provision first, or give the right --data-dir; nothing was changed",
            status=2,
        )


def _ask_pin() -> str:
    """The PIN typed twice without echo; refused in one line when nobody can type it."""
    if not sys.stdin or not sys.stdin.isatty():
        raise CliError("no terminal to ask the PIN on: pass --pin PIN; nothing was changed", status=2)
    try:
        pin = getpass.getpass("new maintenance PIN: ")
        again = getpass.getpass("again: ")
    except EOFError:
        raise CliError("no PIN typed; nothing was changed", status=2) from None
    if again != pin:
        raise CliError("the two PINs differ; nothing was changed", status=2)
    return pin


def run_set_pin(args) -> int:
    from kiosk.maintenance import PinError, set_pin

    if args.data_dir is not None:
        data_dir = args.data_dir
    else:
        from kiosk.cli.status import load_terminal_config

        data_dir = Path(load_terminal_config(args.config).data_dir)
    _must_be_a_terminal(data_dir)
    pin = args.pin if args.pin is not None else _ask_pin()
    try:
        path = set_pin(data_dir, pin)
    except PinError as exc:
        raise CliError(f"{exc}; nothing was changed", status=2) from None
    if args.json:
        print(json.dumps({"stored": str(path), "hashed": True}))
    else:
        print(f"maintenance-pin: stored hashed in {path} (mode 0600)")
    return 0
