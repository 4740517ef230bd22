"""``kiosk devices test-print receipt|document|license`` and ``kiosk devices calibrate license``.

A technician's tools: a test page with Chinese text through the real driver, or a
clear refusal (non-zero exit) when the printer reports a fault or does not answer;
and the license calibration page plus storing the terminal's (x, y) offsets.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from kiosk.cli import CliError

CLASSES = ("receipt", "document", "license")


def register(device_subparsers) -> None:
    test = device_subparsers.add_parser("test-print", help="print a test page (Chinese text, QR) on a printer")
    test.add_argument("printer", choices=CLASSES)
    _common(test)
    test.set_defaults(handler=run_test_print)

    calibrate = device_subparsers.add_parser(
        "calibrate", help="print the license calibration page; with --x/--y store the terminal's offsets")
    calibrate.add_argument("printer", choices=("license",))
    calibrate.add_argument("--x", type=float, help="horizontal offset in mm (positive: right)")
    calibrate.add_argument("--y", type=float, help="vertical offset in mm (positive: down)")
    calibrate.add_argument("--no-print", action="store_true", help="only store the offsets")
    _common(calibrate)
    calibrate.set_defaults(handler=run_calibrate)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", help="device URL (default: from --config, else the simulator sim://CLASS)")
    parser.add_argument("--config", type=Path, help="the terminal's TOML configuration")
    parser.add_argument("--data-dir", type=Path, help="the terminal's data directory (default: from the config)")


def _settings(args) -> tuple[str, Path, str]:
    """(device URL, data dir, terminal id) from the arguments and the configuration."""
    from kiosk.config import ConfigError, load_config

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        raise CliError(f"configuration error: {exc}", status=2) from None
    url = args.device or config.devices.get(args.printer) or f"sim://{args.printer}"
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
        raise CliError(f"{printer.name} printer {url} is {status.state.value}: {status.reason}"
                       f"{' (' + status.detail + ')' if status.detail else ''}; nothing was printed", status=3)


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
    from drivers.printers.model import PrinterError

    url, data_dir, terminal_id = _settings(args)
    printer = _open(args.printer, url, data_dir)
    try:
        _check(printer, url)
        if args.printer == "receipt":
            from drivers.printers.receipts import test_receipt

            try:
                result = printer.print_receipt(test_receipt(terminal_id))
            except PrinterError as exc:
                raise CliError(f"receipt printer: {exc.key} {exc.detail}".rstrip(), status=3) from None
        else:
            with tempfile.TemporaryDirectory(prefix="kiosk-test-print-") as tmp:
                pdf = Path(tmp) / f"test-{args.printer}.pdf"
                if args.printer == "document":
                    from kiosk.documents.certificates import render, test_page

                    render(test_page(terminal_id, url), pdf)
                    result = _print_pdf(printer, pdf, "打印机测试页", "A4")
                else:
                    from kiosk.documents.license import load_calibration, render_calibration_page

                    render_calibration_page(pdf, load_calibration(data_dir))
                    result = _print_pdf(printer, pdf, "营业执照套打测试页", "A3")
        where = _sim_output(printer)
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
    current = load_calibration(data_dir)
    if args.x is not None or args.y is not None:
        try:
            new = Calibration(args.x if args.x is not None else current.x_mm,
                              args.y if args.y is not None else current.y_mm)
        except ValueError as exc:
            raise CliError(str(exc), status=2) from None
        path = save_calibration(data_dir, new)
        print(f"calibrate: license offsets x {new.x_mm:+.1f} mm, y {new.y_mm:+.1f} mm stored in {path}")
        current = new
    else:
        print(f"calibrate: current license offsets x {current.x_mm:+.1f} mm, y {current.y_mm:+.1f} mm")
    if args.no_print:
        return 0
    from kiosk.documents.license import render_calibration_page

    printer = _open("license", url, data_dir)
    try:
        _check(printer, url)
        with tempfile.TemporaryDirectory(prefix="kiosk-calibrate-") as tmp:
            pdf = Path(tmp) / "license-calibration.pdf"
            render_calibration_page(pdf, current)
            result = _print_pdf(printer, pdf, "营业执照套打校准页", "A3")
        print(f"calibrate: calibration page printed on {url} ({result.job_id}){_sim_output(printer)}")
        print("calibrate: measure the crosses against the stock's marks, then run "
              "`kiosk devices calibrate license --x X --y Y` with X, Y = current offset - measured deviation")
        return 0
    finally:
        _close(printer)
