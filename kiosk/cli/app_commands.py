"""``kiosk demo`` (the embedded default) and ``kiosk run --config FILE`` (production)."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from dataclasses import replace
from pathlib import Path

from kiosk.cli import CliError
from kiosk.config import ConfigError, load_config


def register(subparsers) -> None:
    demo = subparsers.add_parser(
        "demo", help="run the kiosk on its embedded default: simulated devices, demo data"
    )
    demo.add_argument(
        "--headless",
        action="store_true",
        help="no window: walk a scripted citizen through the first flow offscreen",
    )
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("out/demo"),
        help="where --headless writes screenshots and the receipt",
    )
    demo.add_argument(
        "--walk", metavar="FLOW_ID", help="with --headless: walk this flow card first (result.json)"
    )
    demo.add_argument(
        "--card",
        type=int,
        default=None,
        help="with --walk: which demo card goes on the reader (default: the flow's walk card, else 0)",
    )
    demo.add_argument(
        "--lang", choices=("zh_CN", "en"), default="zh_CN", help="with --walk: the citizen's language"
    )
    demo.add_argument(
        "--mode",
        choices=("standard", "elderly"),
        default=None,
        help="the terminal's default mode for this demo (elderly: 长辈模式, large text)",
    )
    demo.add_argument(
        "--voice",
        action="store_true",
        help="with --headless: also write each spoken prompt as a WAV file under --out/voice",
    )
    demo.add_argument(
        "--fault", metavar="DEVICE=FAULT", help="with --walk: a simulator fault set before the print"
    )
    demo.add_argument("--config", type=Path, help="a config file to start from (devices stay as configured)")
    demo.add_argument(
        "--data-dir", type=Path, help="the demo's data directory (default: a fresh temporary one)"
    )
    demo.set_defaults(handler=run_demo)

    run = subparsers.add_parser(
        "run", help="run the kiosk in production mode: fullscreen, frameless, locked down"
    )
    run.add_argument("--config", type=Path, required=True, help="the terminal's TOML configuration")
    run.set_defaults(handler=run_production)


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _load(path: Path | None):
    try:
        return load_config(path)
    except ConfigError as exc:
        raise CliError(f"configuration error: {exc}", status=2) from None


def _fault(text: str | None) -> tuple[str, str] | None:
    if not text:
        return None
    device, _, fault = text.partition("=")
    if not device or not fault:
        raise CliError(f"--fault {text!r}: expected DEVICE=FAULT, e.g. receipt=paper_out", status=2)
    return device, fault


def run_demo(args) -> int:
    config = _load(args.config)
    # without --data-dir the demo's data (a store with the demo citizens' cases) lives in a temporary
    # directory that is removed when the demo ends: a demo leaves nothing of its citizens behind
    temporary = args.data_dir is None
    fault = _fault(getattr(args, "walk", None) and args.fault)
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
    config = replace(config, data_dir=data_dir, demo=True, backoffice_url=config.backoffice_url or "embedded")
    if args.mode is not None:
        config = replace(config, elderly_default=args.mode == "elderly")
    if args.voice:
        config = replace(config, voice_enabled=True)
    headless = args.headless or not _has_display()
    if headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from kiosk.app import KioskApplication, build_context

    app = KioskApplication(build_context(config))
    try:
        if headless and args.walk:
            return _walk(app, args, fault)
        if headless:
            from kiosk.demo.script import walk_first_flow

            out = args.out.resolve()
            out.mkdir(parents=True, exist_ok=True)
            clear_output(out)
            try:
                result = walk_first_flow(app, out, voice=args.voice)
            except TimeoutError as exc:
                raise CliError(f"demo: {not_ready(app, exc)}") from None
            print(f"demo: a citizen printed a social-security contribution record (case {result['case_no']})")
            print(f"demo: screenshots in {result['screens']}")
            if "voice" in result:
                print(f"demo: spoken prompts (WAV) in {result['voice']}")
            if "receipt" in result:
                print(f"demo: receipt in {result['receipt']}")
            return 0
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        print(f"demo: running with data in {data_dir}; close the window or press Ctrl+C to stop")
        return app.qapp.exec()
    finally:
        app.shutdown()
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)


def _walk(app, args, fault: tuple[str, str] | None) -> int:
    from kiosk.demo.cards import demo_cards
    from kiosk.demo.walk import WalkStuck, walk_flow

    if args.walk not in app.ctx.flows:
        raise CliError(
            f"--walk {args.walk}: no such flow; the catalog has {', '.join(sorted(app.ctx.flows))}", status=2
        )
    card = int(app.ctx.flows[args.walk].walk.get("card", 0)) if args.card is None else args.card
    cards = len(demo_cards())
    if not 0 <= card < cards:
        raise CliError(f"--card {card}: the demo cards are 0-{cards - 1}", status=2)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    clear_output(out)
    try:
        result = walk_flow(app, args.walk, out, card=card, lang=args.lang, fault=fault)
    except TimeoutError as exc:
        raise CliError(f"walk {args.walk}: {not_ready(app, exc)}", status=1) from None
    except WalkStuck as exc:
        raise CliError(f"walk {args.walk}: {exc}", status=1) from None
    except ValueError as exc:
        raise CliError(f"walk {args.walk}: {exc}", status=2) from None
    if args.voice:
        from kiosk.demo.script import write_prompts

        print(f"demo: spoken prompts (WAV) in {write_prompts(app, out / 'voice')}")
    outcome = result["outcome"] or "-"
    paper = (
        f"{result['taps_to_paper']} taps / {result['screens_to_paper']} screens to paper"
        if result["taps_to_paper"] is not None
        else f"no paper (outcome {outcome})"
    )
    print(f"demo: {args.walk}: case {result['case_no'] or '-'} {outcome}, {paper}; {out / 'result.json'}")
    return 0


def clear_output(out: Path) -> None:
    """Remove what an earlier demo wrote to ``out`` (its screens, result, receipt, spoken prompts), so one run's
    screens never mix with another's; nothing else in the directory is touched."""
    written = [out / "result.json", out / "receipt.txt", out / "voice" / "prompts.txt"]
    written += list((out / "screens").glob("*.png")) + list((out / "voice").glob("[0-9][0-9]-*.wav"))
    for path in written:
        if path.is_file() and not path.is_symlink():
            path.unlink()


def not_ready(app, exc: TimeoutError) -> str:
    """Why the scripted citizen could not go on, in the technician's terms (not a bare TimeoutError)."""
    link = app.ctx.link
    sync = getattr(link, "sync", None)
    if sync is not None and sync.status.revoked:
        return (
            f"the back office revoked terminal {app.ctx.config.terminal_id} (data in {app.ctx.config.data_dir}); "
            "start with a fresh --data-dir or re-enrol it"
        )
    if link is not None and not link.online:
        reason = sync.status.reason if sync is not None else "the link did not start"
        return f"the back office did not answer ({reason or 'offline'}); see the log above"
    states = app.controller.device_states
    down = [
        f"{name} {states[name].state.value}" if name in states else f"{name} not reported"
        for name in ("idcard", "receipt")
        if name not in states or not states[name].state.usable
    ]
    if down:
        return f"devices not ready: {', '.join(down)}"
    return f"the scripted citizen stopped: {exc}"


def run_production(args) -> int:
    config = _load(args.config)
    from kiosk.production import NotReady, check_production

    try:
        check_production(config)
    except NotReady as exc:
        raise CliError(f"not starting: {exc}", status=2) from None
    from kiosk.app import KioskApplication, build_context

    app = KioskApplication(build_context(config), production=True)
    screen = app.qapp.primaryScreen()
    if screen is not None:
        app.window.setGeometry(screen.geometry())
    app.window.showFullScreen()
    try:
        return app.qapp.exec()
    finally:
        app.shutdown()
