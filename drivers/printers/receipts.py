"""Receipt templates: what every kiosk receipt carries (terminal, service, time, case number, QR).

Printed text is the receipt's content (Chinese, like the paper forms), not UI text,
so it is built here rather than looked up by translation key.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from common.receipt import Receipt, ReceiptLine

RULE = "-" * 32


def case_receipt(
    *,
    terminal_id: str,
    service: str,
    case_no: str,
    lines: Iterable[str | ReceiptLine] = (),
    verify_url: str | None = None,
    when: datetime | str | None = None,
    title: str = "政务服务办件回执",
) -> Receipt:
    """A receipt for one case; the QR carries the verification link, or the case number without one."""
    if when is None:
        when = datetime.now()
    stamp = when if isinstance(when, str) else when.strftime("%Y-%m-%d %H:%M")
    body = [line if isinstance(line, ReceiptLine) else ReceiptLine(line) for line in lines]
    return Receipt(
        lines=(
            ReceiptLine(title, align="center", bold=True, double=True),
            ReceiptLine(RULE),
            ReceiptLine(f"终端编号：{terminal_id}"),
            ReceiptLine(f"办理事项：{service}"),
            ReceiptLine(f"办理时间：{stamp}"),
            ReceiptLine(f"办件编号：{case_no}", bold=True),
            ReceiptLine(RULE),
            *body,
            ReceiptLine(RULE),
            ReceiptLine("扫码查询办件进度、核验材料", align="center"),
        ),
        qr=verify_url or case_no,
        title=f"receipt {case_no}",
    )


def test_receipt(terminal_id: str = "T-0000") -> Receipt:
    """The technician's test page: Chinese text, full-width punctuation, a QR and a cut."""
    return Receipt(
        lines=(
            ReceiptLine("打印机测试页", align="center", bold=True, double=True),
            ReceiptLine(f"终端编号：{terminal_id}"),
            ReceiptLine(f"时间：{datetime.now():%Y-%m-%d %H:%M:%S}"),
            ReceiptLine("中文：政务服务24小时自助终端"),
            ReceiptLine("标点：，。、；：！？“”《》【】（）——……"),
            ReceiptLine("金额：￥1,234.56"),
            ReceiptLine("ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789"),
        ),
        qr="TEST-PAGE",
        title="test page",
    )
