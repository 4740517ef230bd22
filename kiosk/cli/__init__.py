"""``kiosk`` command line: one module per command group, each adding its subcommands.

Each module has ``register(subparsers)`` that adds its commands with a ``handler``
default taking the parsed arguments and returning the exit status.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = ("kiosk.cli.app_commands", "kiosk.cli.devices", "kiosk.cli.flows", "kiosk.cli.provision", "kiosk.cli.selftest",
                   "kiosk.cli.terminal")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="政务服务24小时自助终端 — self-service government terminal")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING, ERROR")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    register_modules(subparsers, COMMAND_MODULES)
    return parser


def register_modules(subparsers, module_names: tuple[str, ...]) -> None:
    """Each command module adds its own subcommands (imported here so ``--help`` lists them all)."""
    for module_name in module_names:
        importlib.import_module(module_name).register(subparsers)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    from kiosk.logging_setup import setup_logging

    setup_logging(args.log_level)
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except CliError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return exc.status


class CliError(Exception):
    """A clear, expected failure: printed as one line, with a non-zero exit status."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status
