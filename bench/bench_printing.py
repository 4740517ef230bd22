"""Printing benchmarks, on demand: ``.venv/bin/python bench/bench_printing.py [--no-cups] [--quick]``.

Figures are medians; each is shown with a baseline measured in the same run, so a
ratio means the same thing on any machine:

- receipt bytes: our encoder vs python-escpos's own ``Dummy`` printer for the same receipt
  (target: under 20 ms);
- receipt print: encoder + status checks + TCP to the simulated printer;
- A4 page: a 社保参保缴费证明 page vs a bare QPdfWriter page with one line of text
  (target: under 100 ms per page);
- submission to completion on a cups-pdf queue (private cupsd): our driver vs bare pycups
  ``printFile`` + polling.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def median_ms(fn: Callable[[], object], repeat: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def report(
    name: str, ms: float, baseline_name: str, baseline_ms: float, target_ms: float | None = None
) -> None:
    verdict = ""
    if target_ms is not None:
        verdict = f"  target < {target_ms:g} ms: {'PASS' if ms < target_ms else 'FAIL'}"
    print(
        f"{name:34s} {ms:9.3f} ms   {baseline_name}: {baseline_ms:9.3f} ms   ratio {ms / baseline_ms:6.2f}x{verdict}"
    )


def sample_receipt():
    from drivers.printers.receipts import case_receipt

    return case_receipt(
        terminal_id="T-4201-0001",
        service="社保参保缴费证明打印",
        case_no="2026112200010000001",
        lines=["打印份数：1 份", "页数：2 页", "缴费期间：2025-11 至 2026-10", "个人缴费合计：￥8,123.45"],
        verify_url="https://zwfw.example.gov.cn/v/2026112200010000001?c=8F3K2Q",
        when="2026-11-22 09:30",
    )


def bench_receipt(repeat: int) -> None:
    from drivers.printers.escpos_driver import escpos_printer_classes

    Dummy = escpos_printer_classes().Dummy  # the capabilities cache where the product keeps it

    from drivers.printers.escpos_encoder import encode_receipt
    from drivers.registry import DeviceContext, open_device

    receipt = sample_receipt()

    def ours() -> bytes:
        return encode_receipt(receipt)

    def escpos_dummy() -> bytes:
        printer = Dummy()
        for line in receipt.lines:
            printer.set(align=line.align, bold=line.bold, double_height=line.double, double_width=line.double)
            printer.text(line.text + "\n")
        printer.qr(receipt.qr, native=True, size=6)
        printer.cut()
        return printer.output

    report(
        "receipt bytes (encode_receipt)",
        median_ms(ours, repeat),
        "escpos Dummy",
        median_ms(escpos_dummy, repeat),
        20,
    )
    with tempfile.TemporaryDirectory() as tmp:
        printer = open_device("receipt", "sim://receipt?poll=0", DeviceContext(Path(tmp)))
        printer.open()
        try:
            raw = printer.transport

            def bare_send() -> None:
                raw.write(encode_receipt(receipt), 10)

            report(
                "receipt print over TCP (checked)",
                median_ms(lambda: printer.print_receipt(receipt), repeat),
                "bytes only, no status",
                median_ms(bare_send, repeat),
            )
        finally:
            printer.close()
            printer.simulator.stop()


def bench_a4(repeat: int) -> None:
    from PySide6.QtGui import QPageSize, QPainter, QPdfWriter

    from backoffice import query_services
    from backoffice.demo import data as demo_data
    from kiosk.documents import certificates
    from kiosk.documents.pdf import ensure_qt, font_family

    ensure_qt()
    font_family()
    person = demo_data.persons()[0]
    data = query_services.run_query("si.contributions", {"id_number": person.id_number, "months": 12})
    spec = certificates.si_certificate(data, "2026112200010000001")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.pdf"
        bare_path = Path(tmp) / "bare.pdf"

        def bare() -> None:
            writer = QPdfWriter(str(bare_path))
            writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
            painter = QPainter(writer)
            painter.drawText(100, 100, "社会保险参保缴费证明")
            painter.end()

        pages = certificates.render(spec, path)
        report(
            f"A4 page ({pages}-page 社保证明)",
            median_ms(lambda: certificates.render(spec, path), repeat) / pages,
            "bare QPdfWriter page",
            median_ms(bare, repeat),
            100,
        )


def bench_cups(repeat: int) -> None:
    from drivers.printers.cups_driver import CupsPrinter
    from tests.fixtures.printing import CupsServer, start_cupsd

    server = start_cupsd()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            from kiosk.documents import certificates

            pdf = Path(tmp) / "test.pdf"
            certificates.render(certificates.test_page("T-BENCH", "kiosk-pdf"), pdf)
            printer = CupsPrinter(CupsServer.PDF_QUEUE, server=server.socket, poll_interval=0)
            printer.open()

            def ours() -> None:
                printer.print_pdf(str(pdf), title="bench")

            def bare() -> None:
                conn = printer._connect()
                job = conn.printFile(CupsServer.PDF_QUEUE, str(pdf), "bench", {})
                while conn.getJobAttributes(job, requested_attributes=["job-state"])["job-state"] < 7:
                    time.sleep(0.05)

            report(
                "CUPS submit -> completed (driver)",
                median_ms(ours, repeat, 1),
                "bare pycups + poll",
                median_ms(bare, repeat, 1),
            )
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--cups-repeat", type=int, default=10)
    parser.add_argument(
        "--no-cups", action="store_true", help="skip the cupsd measurement (needs root and cups)"
    )
    parser.add_argument("--quick", action="store_true", help="a few repetitions, to check it runs (tests)")
    args = parser.parse_args()
    if args.quick:
        args.repeat, args.cups_repeat = 2, 1
    bench_receipt(args.repeat)
    bench_a4(max(5, args.repeat // 5))
    if not args.no_cups:
        bench_cups(args.cups_repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
