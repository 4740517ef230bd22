"""``kiosk`` command line: one module per command group, each adding its subcommands.

Each module has ``register(subparsers)`` that adds its commands with a ``handler``
default taking the parsed arguments and returning the exit status.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from typing import NoReturn

COMMAND_MODULES = (
    "kiosk.cli.app_commands",
    "kiosk.cli.devices",
    "kiosk.cli.flows",
    "kiosk.cli.provision",
    "kiosk.cli.selftest",
    "kiosk.cli.status",
    "kiosk.cli.health",
    "kiosk.cli.maintenance",
)


class OneLineParser(argparse.ArgumentParser):
    """argparse's usage errors as one line (subcommand parsers inherit the class)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="kiosk", description="政务服务24小时自助终端 — self-service government terminal"
    )
    parser.add_argument(
        "--log-level",
        type=str.upper,
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="DEBUG, INFO, WARNING, ERROR (default: INFO for run and demo; WARNING for the "
        "technicians' commands, whose output is their result)",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        help="log lines as text or JSON (default: JSON for `kiosk run`, text otherwise)",
    )
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

    level = args.log_level or ("INFO" if args.command in ("run", "demo") else "WARNING")
    setup_logging(level, args.log_format or ("json" if args.command == "run" else "text"))
    # every file and directory the kiosk writes (database, bundles, usage counts, journals) is its own:
    # 0600 / 0700 whatever umask the shell or service manager handed down (deploy/kiosk.service sets it too)
    previous_umask = os.umask(0o077)
    try:
        status = int(args.handler(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, where it is handled, not at the interpreter's exit
        return status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `kiosk flows status | head`: the reader left; stop quietly, as Unix tools do
        _silence_stdout()
        return 141  # 128 + SIGPIPE, what a shell reports for a tool killed by the closed pipe
    except CliError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return exc.status
    except Exception as exc:  # the last line of defence: a technician sees one line, never a traceback
        return unexpected("kiosk", exc)
    finally:
        os.umask(previous_umask)  # main() also runs inside tests and tools: leave their process as it was


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail on the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a real file (captured in a test): nothing to flush
        pass


def unexpected(prog: str, exc: BaseException) -> int:
    """One scrubbed line for an error no command expected; the traceback only at DEBUG."""
    from kiosk.logging_setup import scrub

    logging.getLogger("kiosk.cli").debug("unexpected error", exc_info=exc)
    text = scrub(str(exc).splitlines()[0] if str(exc) else "")
    print(f"{prog}: unexpected error: {type(exc).__name__}{': ' + text if text else ''}", file=sys.stderr)
    return 1


class CliError(Exception):
    """A clear, expected failure: printed as one line, with a non-zero exit status."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status
