"""``kiosk flows install``: taking a bundle in by hand (``kiosk status`` shows what the terminal runs).

Both work on a terminal's data directory, with or without the kiosk running: ``--data-dir DIR`` (the
terminal id and group come from the enrolment ``kiosk provision`` wrote) or ``--config FILE``.
A bundle carried in on a USB stick takes exactly the path a fetched one takes
(:meth:`flows.bundles.BundleManager.receive`): verified, staged, activated unless a citizen is being
served, every refusal recorded and queued for the back office. A running kiosk notices within seconds
(``kiosk.app.BUNDLE_WATCH_MS``) and shows the new flows between citizens.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass
from pathlib import Path

from kiosk.cli import CliError


@dataclass(frozen=True)
class Terminal:
    data_dir: Path
    terminal_id: str
    group: str


def add_target(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--data-dir", type=Path, help="the terminal's data directory (enrolled by kiosk provision)"
    )
    target.add_argument("--config", type=Path, help="the terminal's TOML configuration")


def register_install(flows_sub: argparse._SubParsersAction) -> None:
    install = flows_sub.add_parser(
        "install", help="take a bundle (directory or .tar.gz) in by hand, as if fetched"
    )
    install.add_argument("bundle", type=Path, metavar="BUNDLE")
    add_target(install)
    install.set_defaults(handler=cmd_install)


def terminal(args: argparse.Namespace) -> Terminal:
    """The terminal the command works on, from ``--config`` or the enrolment in ``--data-dir``."""
    if args.config is not None:
        from kiosk.config import ConfigError, load_config

        try:
            config = load_config(args.config)
        except ConfigError as exc:
            raise CliError(f"configuration error: {exc}", status=2) from None
        return Terminal(Path(config.data_dir), config.terminal_id, config.group)
    from kiosk.sync.credentials import Credentials

    data_dir = args.data_dir
    if not data_dir.is_dir():
        raise CliError(f"{data_dir}: no such data directory", status=2)
    try:
        credentials = Credentials.load(data_dir)
    except FileNotFoundError:
        raise CliError(
            f"{data_dir}: not enrolled (run kiosk provision, or pass --config)", status=2
        ) from None
    except (OSError, ValueError, KeyError) as exc:
        raise CliError(f"{data_dir}: enrolment unreadable: {type(exc).__name__}", status=2) from None
    return Terminal(data_dir, credentials.terminal_id, credentials.group)


def cmd_install(args: argparse.Namespace) -> int:
    from flows.bundles import BundleManager, store_sink
    from offline_cache.store import Store

    term = terminal(args)
    if not args.bundle.exists():
        raise CliError(f"{args.bundle}: no such bundle")
    if (
        getattr(args, "log_level", None) is None
    ):  # the result line below says it; the manager's log would repeat it
        logging.getLogger("flows.bundles").setLevel(logging.ERROR)
    store = Store(term.data_dir / "kiosk.db", terminal_id=term.terminal_id)
    try:
        manager = BundleManager(term.data_dir, term.group, on_event=store_sink(store))
        outcome = manager.receive(args.bundle, in_session=lambda: store.open_case_count() > 0)
    finally:
        store.close()
    print(outcome.line())
    return 1 if outcome.state == "refused" else 0
