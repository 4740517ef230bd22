"""``kiosk flows try DIR --out OUT``: see a flow tree on the terminal's screens before publishing it.

Lint first (a tree that would not pack is not walked); then every flow, card first, in both languages,
through one headless kiosk on the embedded demo back office and simulated devices
(:mod:`kiosk.demo.tryout`). Screens under ``OUT/<flow>/<lang>/``, the figures in ``OUT/summary.json``, one
line per flow on stdout. Exit 0 when every walk ended as its flow expects, 1 when one did not or lint
failed, 2 for input that is not a flow tree or an ``--out`` that cannot be written.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from kiosk.cli import CliError


def register(sub: argparse._SubParsersAction) -> None:
    tryout = sub.add_parser(
        "try",
        help="walk every flow of a tree headlessly, card first, in both languages: screenshots and a summary",
    )
    tryout.add_argument("source", type=Path, metavar="DIR", help="a tree laid out like flows/ (as for pack)")
    tryout.add_argument(
        "--out", type=Path, required=True, help="where OUT/<flow>/<lang>/ screens and summary.json go"
    )
    tryout.add_argument("--terminal", help="terminal type to lint against (flows/terminals.yaml)")
    tryout.set_defaults(handler=cmd_try)


def cmd_try(args: argparse.Namespace) -> int:
    from flows.lint import errors_only, lint_paths
    from flows.loader import FlowLoadError, load_directory
    from kiosk.demo.tryout import NotAFlowTree, tree_paths

    try:
        root, definitions = tree_paths(args.source)
    except NotAFlowTree as exc:
        raise CliError(str(exc), status=2) from None
    out = _writable(args.out)
    errors = errors_only(lint_paths([args.source], args.terminal))
    for problem in errors:
        print(problem)
    if errors:
        raise CliError(f"not walked: {len(errors)} lint error(s) in {args.source}")
    try:
        flows = load_directory(definitions)
    except FlowLoadError as exc:  # lint passed, so only a file changed meanwhile gets here
        raise CliError(f"not walked: {exc}") from None
    return _walk(flows, root, out)


def _writable(out: Path) -> Path:
    """``out`` made and proven writable before any kiosk starts (exit 2 naming it, not a traceback later)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise CliError(f"--out {out}: cannot write there ({exc.strerror or exc})", status=2) from None
    return out.resolve()


def _walk(flows: dict[str, Any], root: Path, out: Path) -> int:
    """One kiosk for every walk, on a temporary data directory that is removed afterwards."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # no window: the walk is the screenshots
    from kiosk.app import KioskApplication, build_context
    from kiosk.cli.app_commands import not_ready
    from kiosk.config import Config
    from kiosk.demo.tryout import LANGS, walk_tree
    from kiosk.demo.walk import wait_ready

    data_dir = Path(tempfile.mkdtemp(prefix="kiosk-try-"))
    config = replace(Config(), data_dir=data_dir, voice_enabled=False)
    ctx = build_context(config)
    ctx.flows, ctx.flows_dir = flows, root  # the tree's flows and templates instead of the built-in ones
    app = KioskApplication(ctx)
    try:
        try:
            wait_ready(app)
        except TimeoutError as exc:
            raise CliError(f"not walked: {not_ready(app, exc)}") from None
        result = walk_tree(app, out, report=_print_flow)
    finally:
        app.shutdown()
        shutil.rmtree(data_dir, ignore_errors=True)
    failed = [flow_id for flow_id, entry in result.flows.items() if not entry["ok"]]
    print(
        f"tried {len(result.flows)} flow(s) in {' and '.join(LANGS)}: {len(result.flows) - len(failed)} "
        f"as expected, {len(failed)} not; screens and summary.json in {out}"
    )
    if failed:
        raise CliError(f"{len(failed)} flow(s) did not end as expected: {', '.join(failed)}")
    return 0


def _print_flow(flow_id: str, entry: dict[str, Any]) -> None:
    """One line a flow: each language's outcome and taps / screens to paper, or what went wrong."""
    parts = []
    for lang, walk in entry["langs"].items():
        if walk["error"]:
            parts.append(f"{lang} stopped: {walk['error']}")
            continue
        text = f"{lang} {walk['outcome'] or 'no outcome'}"
        if walk["taps_to_paper"] is not None:
            text += f", {walk['taps_to_paper']} taps / {walk['screens_to_paper']} screens to paper"
        if not walk["ok"]:
            text += f" (expected {entry['expected']})"
        parts.append(text)
    print(f"{'ok  ' if entry['ok'] else 'FAIL'} {flow_id}: {'; '.join(parts)}", flush=True)
