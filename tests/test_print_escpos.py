"""Receipt printing through the real path: encoder -> python-escpos Network -> TCP simulated printer -> decoder."""

from __future__ import annotations

import threading
import time

import pytest

from common.receipt import Receipt, ReceiptLine
from drivers.base import DeviceState
from drivers.printers.escpos_decoder import decode
from drivers.printers.escpos_driver import StatusBytes, interpret, well_formed
from drivers.printers.escpos_encoder import EncoderSettings, encode_receipt, qr_command, wrap
from drivers.printers.model import (
    CoverOpen,
    PaperJam,
    PaperOut,
    PrinterError,
    PrinterNoAnswer,
    PrinterOffline,
)
from drivers.printers.receipts import case_receipt
from drivers.printers.simulator import status_byte
from drivers.registry import DeviceContext, open_device

PUNCTUATION = "，。、；：！？“”‘’《》【】（）——…·"  # 22 full-width: fits 48 columns


def sample_receipt() -> Receipt:
    return Receipt(
        (
            ReceiptLine("社保参保缴费证明 回执", align="center", bold=True, double=True),
            ReceiptLine(PUNCTUATION),
            ReceiptLine("金额：￥1,234.50 元"),
            ReceiptLine("生僻字：䶮𠀀堃喆"),
        ),
        qr="https://zwfw.example.gov.cn/v/2026112200010000001?c=8F3K2Q",
    )


def test_encoder_roundtrip_gb18030_every_character():
    receipt = sample_receipt()
    data = encode_receipt(receipt, EncoderSettings(encoding="gb18030", width_mm=80))
    [printed] = decode(data, "gb18030").receipts
    assert printed.text() == receipt.text()
    assert printed.qr == receipt.qr
    assert printed.cut and not printed.partial_cut
    assert printed.lines[0].double and printed.lines[0].bold and printed.lines[0].align == "center"
    assert b"?" not in data.split(b"\x1d(k")[0]  # no character fell back to '?'
    assert data.endswith(b"\x1dV\x00")


def test_encoder_gbk_substitutes_and_marks_unencodable():
    receipt = Receipt((ReceiptLine("收费 ¥5.00"), ReceiptLine(PUNCTUATION), ReceiptLine("䶮")))
    [printed] = decode(encode_receipt(receipt, EncoderSettings(encoding="gbk")), "gbk").receipts
    assert (
        printed.lines[0].text == "收费 ￥5.00"
    )  # U+00A5 would be a 4-byte GB18030 sequence GBK heads garble
    assert printed.lines[1].text == PUNCTUATION
    assert printed.lines[2].text == "?"  # outside GBK: visible, not silently dropped


@pytest.mark.parametrize(("width", "columns"), [(58, 32), (80, 48)])
def test_widths_wrap_cjk_as_two_columns(width, columns):
    line = "办" * 40
    parts = wrap(line, columns)
    assert all(len(p) * 2 <= columns for p in parts) and "".join(parts) == line
    receipt = Receipt((ReceiptLine(line),), cut=False)
    printed = decode(encode_receipt(receipt, EncoderSettings(width_mm=width))).receipts[0]
    assert [len(x.text) for x in printed.lines] == [len(p) for p in parts]


def test_native_qr_is_small():
    command = qr_command("https://zwfw.example.gov.cn/v/2026112200010000001")
    assert command.startswith(b"\x1d(k") and len(command) < 100


def test_status_bits():
    ok = StatusBytes(0x12, 0x12, None, 0x12)
    assert interpret(ok) == (DeviceState.ONLINE, "", False)
    assert interpret(StatusBytes(0x12, 0x12, None, 0x1E))[1:] == ("state.printer.paper_near_end", True)
    assert interpret(StatusBytes(0x1A, 0x32, None, 0x7E))[:2] == (DeviceState.USER_ERROR, PaperOut.key)
    assert interpret(StatusBytes(0x1A, 0x16, None, 0x12))[1] == CoverOpen.key
    assert interpret(StatusBytes(0x1A, 0x52, 0x1A, 0x12))[1] == PaperJam.key
    assert interpret(StatusBytes(0x1A, 0x12, None, 0x12))[1] == PrinterOffline.key
    assert not well_formed(0x00) and not well_formed(0xFF) and well_formed(status_byte(1, None))


@pytest.fixture
def receipt_printer(tmp_path):
    printer = open_device("receipt", "sim://receipt?poll=0.1&status_timeout=0.3", DeviceContext(tmp_path))
    printer.open()
    yield printer
    printer.close()
    printer.simulator.stop()


def test_sim_receipt_prints_through_tcp(receipt_printer):
    assert receipt_printer.simulator.port > 0
    assert receipt_printer.transport.kind == "network"  # the real python-escpos Network class
    receipt = case_receipt(
        terminal_id="T-0001",
        service="社保参保缴费证明打印",
        case_no="2026112200010000001",
        lines=["打印份数：1 份", "页数：2 页"],
        verify_url="https://zwfw.example.gov.cn/v/X",
        when="2026-11-22 09:30",
    )
    result = receipt_printer.print_receipt(receipt)
    assert result.job_id
    [printed] = receipt_printer.simulator.printed
    assert printed.text() == receipt.text()
    assert "办件编号：2026112200010000001" in printed.text()
    assert printed.qr == "https://zwfw.example.gov.cn/v/X"
    assert printed.cut
    assert decode(receipt_printer.simulator.raw).cuts == 1


@pytest.mark.parametrize(
    ("fault", "error", "state"),
    [
        ("paper_out", PaperOut, DeviceState.USER_ERROR),
        ("cover_open", CoverOpen, DeviceState.USER_ERROR),
        ("jam", PaperJam, DeviceState.HARDWARE_ERROR),
        ("silent", PrinterNoAnswer, DeviceState.UNKNOWN),
        ("garbage", PrinterError, DeviceState.UNKNOWN),
        ("unreachable", PrinterOffline, DeviceState.OFFLINE),
    ],
)
def test_faults_refuse_to_print(receipt_printer, fault, error, state):
    receipt_printer.simulator.set_fault(fault)
    status = receipt_printer.refresh_status()
    assert status.state == state and not status.state.usable
    with pytest.raises(error) as raised:
        receipt_printer.print_receipt(sample_receipt())
    assert raised.value.key == status.reason
    assert receipt_printer.simulator.printed == []
    receipt_printer.simulator.set_fault(None)
    assert receipt_printer.refresh_status().state == DeviceState.ONLINE
    receipt_printer.print_receipt(sample_receipt())
    assert len(receipt_printer.simulator.printed) == 1


def test_paper_near_end_still_prints(receipt_printer):
    receipt_printer.simulator.set_fault("paper_near_end")
    status = receipt_printer.refresh_status()
    assert status.state == DeviceState.ONLINE and status.paper_near_end
    receipt_printer.print_receipt(sample_receipt())
    assert len(receipt_printer.simulator.printed) == 1


def test_unknown_is_never_fine_before_open(tmp_path):
    printer = open_device("receipt", "sim://receipt?poll=0", DeviceContext(tmp_path))
    assert printer.status().state == DeviceState.UNKNOWN
    printer.simulator.stop()


def test_background_poll_reports_fault_and_recovery(receipt_printer):
    seen: list[tuple[DeviceState, str]] = []
    changed = threading.Event()

    def on_status(status):
        seen.append((status.state, status.reason))
        changed.set()

    receipt_printer.events.subscribe(on_status)
    receipt_printer.simulator.set_fault("cover_open")
    deadline = time.monotonic() + 30  # bounds a failure only (the poll is 0.1 s; a loaded machine is slower)
    while (DeviceState.USER_ERROR, CoverOpen.key) not in seen and time.monotonic() < deadline:
        changed.wait(0.1)
    receipt_printer.simulator.set_fault(None)
    while seen[-1][0] != DeviceState.ONLINE and time.monotonic() < deadline:
        changed.wait(0.1)
    assert (DeviceState.USER_ERROR, CoverOpen.key) in seen and seen[-1] == (DeviceState.ONLINE, "")


def test_escpos_tcp_url_and_gbk(tmp_path):
    from drivers.printers.simulator import EscposPrinterSimulator

    simulator = EscposPrinterSimulator(encoding="gbk").start()
    try:
        printer = open_device(
            "receipt",
            f"escpos+tcp://127.0.0.1:{simulator.port}?encoding=gbk&width=58&poll=0",
            DeviceContext(tmp_path),
        )
        printer.open()
        assert printer.settings.columns == 32
        printer.print_receipt(Receipt((ReceiptLine("收费：¥8.00，请取回执。"),), qr="2026112200010000001"))
        [printed] = simulator.printed
        assert printed.text() == "收费：￥8.00，请取回执。" and printed.qr == "2026112200010000001"
        printer.close()
    finally:
        simulator.stop()


def test_printer_switched_off_is_offline(tmp_path):
    from drivers.printers.simulator import EscposPrinterSimulator

    simulator = EscposPrinterSimulator().start()
    port = simulator.port
    simulator.stop()
    printer = open_device("receipt", f"escpos+tcp://127.0.0.1:{port}?poll=0", DeviceContext(tmp_path))
    printer.open()
    assert printer.status().state == DeviceState.OFFLINE
    with pytest.raises(PrinterOffline):
        printer.print_receipt(sample_receipt())


def test_a_receipt_carries_the_rate_later_qr_code_after_its_own():
    """好差评 later on a phone: the case's link as a second native QR code, its code printed for typing; none
    when the terminal has no link (offline start) or the template opts out."""
    from flows.receipts import render_receipt

    template = {
        "id": "t",
        "lines": [{"text": "办件编号：${case.case_no}"}],
        "qr": "https://v.example/${case.case_no}",
    }
    url = "https://hcp.example.gov.cn/rate/202611270001000001?v=12345678"
    case = {"case_no": "202611270001000001", "rate_url": url, "rate_code": "12345678", "rate_days": 7}
    receipt = render_receipt(template, {"case": case})
    assert receipt.rate_qr == url and "评价码：12345678" in receipt.text()
    data = encode_receipt(receipt)
    assert qr_command(url) in data and data.index(qr_command(url)) > data.index(b"https://v.example/")
    decoded = decode(data).receipts[0]
    assert decoded.qr_codes == ["https://v.example/202611270001000001", url]
    assert "扫码评价本次服务（7天内）" in decoded.text() and "评价码：12345678" in decoded.text()
    assert render_receipt(template, {"case": {"case_no": "1"}}).rate_qr is None
    assert render_receipt({**template, "rate_later": False}, {"case": case}).rate_qr is None
