"""``kiosk devices test-print receipt|document|license`` and ``kiosk devices calibrate license``.

A technician's tools: a test page with Chinese text through the real driver, or a
clear refusal (non-zero exit) when the printer reports a fault or does not answer;
and the license calibration page plus storing the terminal's (x, y) offsets.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from pathlib import Path
from typing import Any

from kiosk.cli import CliError

CLASSES = ("receipt", "document", "license")


def register(device_subparsers) -> None:
    test = device_subparsers.add_parser(
        "test-print", help="print a test page (Chinese text, QR) on a printer"
    )
    test.add_argument("printer", choices=CLASSES)
    _common(test)
    test.set_defaults(handler=run_test_print)

    calibrate = device_subparsers.add_parser(
        "calibrate", help="print the license calibration page; with --x/--y store the terminal's offsets"
    )
    calibrate.add_argument("printer", choices=("license",))
    calibrate.add_argument("--x", type=float, help="horizontal offset in mm (positive: right)")
    calibrate.add_argument("--y", type=float, help="vertical offset in mm (positive: down)")
    calibrate.add_argument("--no-print", action="store_true", help="only store the offsets")
    _common(calibrate)
    calibrate.set_defaults(handler=run_calibrate)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--device", help="device URL (default: the printer of this class in the configuration)"
    )
    parser.add_argument(
        "--config",
        type=Path,
        help="the terminal's TOML configuration (default: $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml)",
    )
    parser.add_argument(
        "--data-dir", type=Path, help="the terminal's data directory (default: from the config)"
    )
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")


def _settings(args) -> tuple[str, Path, str]:
    """(device URL, data dir, terminal id): the configured printer or ``--device``, never a simulator by default."""
    return device_settings(args, args.printer)


def device_settings(args, device_class: str) -> tuple[str, Path, str]:
    """The device URL, data dir and terminal id a technician command works on.

    ``--device`` wins; otherwise the configuration's device of that class (the file from ``--config``,
    ``$KIOSK_CONFIG`` or ``/etc/kiosk/kiosk.toml``). A missing file or a class the file does not configure
    is an error: a test print that "succeeds" on a simulator tells a technician nothing about the terminal.
    """
    from kiosk.config import DEFAULT_DATA_DIR, ConfigError, find_config, load_config

    config = None
    try:
        config = load_config(find_config(args.config))
    except ConfigError as exc:
        if not args.device or args.config is not None:
            raise CliError(f"configuration error: {exc}", status=2) from None
    if config is None:  # --device alone: the technician named the device
        return args.device, Path(args.data_dir or DEFAULT_DATA_DIR), "T-UNCONFIGURED"
    url = args.device or config.devices.get(device_class)
    if not url:
        raise CliError(
            f"{config.source} configures no {device_class} device ([devices] {device_class} = URL); "
            f"pass --device URL to test one",
            status=2,
        )
    return url, Path(args.data_dir or config.data_dir), config.terminal_id


def _open(device_class: str, url: str, data_dir: Path) -> Any:
    from drivers.base import DeviceError
    from drivers.registry import DeviceContext, open_device

    if url in ("sim://document", "sim://license"):
        # a test or calibration page carries no personal data: keep it where the technician can look at it
        url = f"{url}?out={data_dir / 'printed' / url.removeprefix('sim://')}"
    try:
        printer = open_device(device_class, url, DeviceContext(data_dir))
        printer.open()
    except DeviceError as exc:
        raise CliError(f"{device_class} printer {url}: {exc.key} {exc.detail}".rstrip(), status=3) from None
    return printer


def _check(printer: Any, url: str) -> None:
    """Refuse unless a fresh status says the printer can print (UNKNOWN is a refusal too)."""
    status = printer.refresh_status()
    if not status.state.usable:
        raise CliError(
            f"{printer.name} printer {url} is {status.state.value}: {status.reason}"
            f"{' (' + status.detail + ')' if status.detail else ''}; nothing was printed",
            status=3,
        )


def _close(printer: Any) -> None:
    printer.close()
    simulator = getattr(printer, "simulator", None)
    if simulator is not None and hasattr(simulator, "stop"):
        simulator.stop()


def _print_pdf(printer: Any, pdf: Path, title: str, media: str) -> Any:
    from drivers.printers.model import PrinterError

    try:
        return printer.print_pdf(str(pdf), title=title, media=media)
    except PrinterError as exc:
        raise CliError(f"{printer.name} printer: {exc.key} {exc.detail}".rstrip(), status=3) from None


def run_test_print(args) -> int:
    from drivers.base import DeviceError
    from kiosk.device_checks import NotUsable, test_print

    url, data_dir, terminal_id = _settings(args)
    printer = _open(args.printer, url, data_dir)
    try:
        try:
            result = test_print(printer, args.printer, terminal_id, data_dir, url=url)
        except NotUsable as exc:
            raise CliError(
                f"{printer.name} printer {url} is {exc.detail}; nothing was printed", status=3
            ) from None
        except DeviceError as exc:  # PrinterError and the rest: the key and the technician's detail
            raise CliError(f"{args.printer} printer: {exc.key} {exc.detail}".rstrip(), status=3) from None
        except ValueError as exc:  # a damaged stored calibration
            raise CliError(f"{exc}; nothing was printed", status=2) from None
        if args.json:
            print(
                json.dumps(
                    {
                        "printer": args.printer,
                        "device": url,
                        "printed": True,
                        "job_id": result.job_id,
                        "simulator": result.simulated or None,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            where = f"; {result.simulated}" if result.simulated else ""
            print(f"test-print: {args.printer} printer {url}: printed ({result.job_id}){where}")
        return 0
    finally:
        _close(printer)


def _sim_output(printer: Any) -> str:
    printed = getattr(getattr(printer, "simulator", None), "printed", None)
    if not printed:
        return ""
    last = printed[-1]
    if hasattr(last, "pages"):
        return f"; simulator received {last.name} ({last.pages} page(s))"
    return f"; simulator decoded {len(last.lines)} lines"


def run_calibrate(args) -> int:
    from kiosk.documents.license import Calibration, load_calibration, save_calibration

    url, data_dir, _ = _settings(args)
    report: dict[str, Any] = {"printer": "license", "device": url}
    try:
        current = load_calibration(data_dir)
    except ValueError as exc:  # a damaged file is replaced by new offsets, or named
        if args.x is None or args.y is None:
            raise CliError(f"{exc}; store new offsets with --x X --y Y", status=2) from None
        current = Calibration()
    say = (lambda text: None) if args.json else print
    if args.x is not None or args.y is not None:
        for name, value in (("--x", args.x), ("--y", args.y)):
            if value is not None and not math.isfinite(value):
                raise CliError(f"{name} must be a finite number of mm (got {value})", status=2)
        try:
            new = Calibration(
                args.x if args.x is not None else current.x_mm, args.y if args.y is not None else current.y_mm
            )
        except ValueError as exc:
            raise CliError(str(exc), status=2) from None
        path = save_calibration(data_dir, new)
        say(f"calibrate: license offsets x {new.x_mm:+.1f} mm, y {new.y_mm:+.1f} mm stored in {path}")
        report["stored"] = str(path)
        current = new
    else:
        say(f"calibrate: current license offsets x {current.x_mm:+.1f} mm, y {current.y_mm:+.1f} mm")
    report.update(x_mm=current.x_mm, y_mm=current.y_mm, printed=False)
    if not args.no_print:
        _print_calibration_sheet(args, url, data_dir, current, report, say)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    return 0


def _print_calibration_sheet(
    args, url: str, data_dir: Path, current: Any, report: dict[str, Any], say: Any
) -> None:
    from kiosk.documents.license import render_calibration_page

    printer = _open("license", url, data_dir)
    try:
        _check(printer, url)
        with tempfile.TemporaryDirectory(prefix="kiosk-calibrate-") as tmp:
            pdf = Path(tmp) / "license-calibration.pdf"
            render_calibration_page(pdf, current)
            result = _print_pdf(printer, pdf, "营业执照套打校准页", "A3")
        report.update(printed=True, job_id=result.job_id)
        say(f"calibrate: calibration page printed on {url} ({result.job_id}){_sim_output(printer)}")
        say(
            "calibrate: measure the crosses against the stock's marks, then run "
            "`kiosk devices calibrate license --x X --y Y` with X, Y = current offset - measured deviation"
        )
    finally:
        _close(printer)
