"""A4 documents: 社保参保缴费证明, 不动产登记信息查询结果 (property record), 住房公积金缴存明细.

One layout engine draws them all from a :class:`DocumentSpec` (data): every page
repeats the title and who the document is about, and carries page numbers, the
verification code and a QR code with the verification link, so any single page can
be checked on its own. Amounts are printed with two decimals, dates as ISO dates,
so the text layer extracts exactly what the back office sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from kiosk.documents.pdf import A4, Canvas, pdf_canvas, verification_code

LEFT, RIGHT, TOP = 20.0, 190.0, 18.0
ROW_H, FIELD_H = 6.5, 7.0
FOOTER_TOP = 262.0
VERIFY_BASE = "https://zwfw.example.gov.cn/v/"


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # mm
    align: str = "left"  # left | center | right


@dataclass
class DocumentSpec:
    title: str
    issuer: str
    kind: str  # si_certificate | property_certificate | hf_statement | test_page
    case_no: str
    fields: list[tuple[str, str]]  # who/what, repeated on every page, two per line
    columns: list[Column] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    sections: list[list[tuple[str, str]]] = field(default_factory=list)  # label/value blocks (full width)
    summary: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    issued: str = ""
    code: str = ""
    verify_url: str = ""

    def __post_init__(self) -> None:
        self.issued = self.issued or datetime.now().strftime("%Y-%m-%d")
        self.code = self.code or verification_code(
            self.kind, self.case_no, self.issued, *(v for _, v in self.fields)
        )
        self.verify_url = self.verify_url or f"{VERIFY_BASE}{self.code}"


def money(value: float | int) -> str:
    return f"{float(value):.2f}"


_ALIGN = {
    "left": Qt.AlignmentFlag.AlignLeft,
    "center": Qt.AlignmentFlag.AlignHCenter,
    "right": Qt.AlignmentFlag.AlignRight,
}


def _header(c: Canvas, spec: DocumentSpec) -> float:
    c.text(LEFT, TOP, RIGHT - LEFT, 10, spec.title, 18, bold=True, align=Qt.AlignmentFlag.AlignHCenter)
    c.text(LEFT, TOP + 11, RIGHT - LEFT, 6, spec.issuer, 10, align=Qt.AlignmentFlag.AlignHCenter)
    y = TOP + 20
    half = (RIGHT - LEFT) / 2
    for index, (label, value) in enumerate(spec.fields):
        x = LEFT + (index % 2) * half
        c.text(x, y, half, FIELD_H, f"{label}：{value}", 10.5)
        if index % 2 == 1:
            y += FIELD_H
    if len(spec.fields) % 2:
        y += FIELD_H
    c.line(LEFT, y + 1, RIGHT, y + 1, 0.4)
    return y + 3


def _footer(c: Canvas, spec: DocumentSpec, page: int, pages: int) -> None:
    c.line(LEFT, FOOTER_TOP, RIGHT, FOOTER_TOP, 0.3)
    c.text(LEFT, FOOTER_TOP + 2, 120, 6, f"验证码：{spec.code}", 10, bold=True)
    c.text(LEFT, FOOTER_TOP + 8, 125, 6, f"核验网址：{spec.verify_url}", 8)
    c.text(LEFT, FOOTER_TOP + 14, 120, 6, f"打印日期：{spec.issued}　办件编号：{spec.case_no}", 9)
    c.text(LEFT, FOOTER_TOP + 21, 120, 6, f"第 {page} 页 共 {pages} 页", 9)
    c.qr(RIGHT - 26, FOOTER_TOP + 2, 26, spec.verify_url)


def _table_header(c: Canvas, spec: DocumentSpec, y: float) -> float:
    x = LEFT
    for column in spec.columns:
        c.text(x + 1, y, column.width - 2, ROW_H, column.title, 9.5, bold=True, align=_ALIGN[column.align])
        x += column.width
    c.line(LEFT, y + ROW_H, RIGHT, y + ROW_H, 0.3)
    return y + ROW_H + 0.5


def _layout(spec: DocumentSpec) -> list[list[tuple[str, Any]]]:
    """Split the body into pages of drawing steps (so the page count is known before drawing)."""
    body_top = TOP + 20 + FIELD_H * ((len(spec.fields) + 1) // 2) + 3
    bottom = FOOTER_TOP - 3
    pages: list[list[tuple[str, Any]]] = [[]]
    y = body_top

    def room(height: float) -> None:
        nonlocal y
        if y + height > bottom:
            pages.append([])
            y = body_top

    if spec.columns:
        y += ROW_H + 0.5
        for row in spec.rows:
            if y + ROW_H > bottom:
                pages.append([])
                y = body_top + ROW_H + 0.5
            pages[-1].append(("row", row))
            y += ROW_H
    for section in spec.sections:
        height = len(section) * FIELD_H + 4
        room(height)
        pages[-1].append(("section", section))
        y += height
    for label, value in spec.summary:
        room(FIELD_H)
        pages[-1].append(("summary", (label, value)))
        y += FIELD_H
    for note in spec.notes:
        room(FIELD_H)
        pages[-1].append(("note", note))
        y += FIELD_H
    return pages


def render(spec: DocumentSpec, path: Path | str) -> int:
    """Render ``spec`` to ``path``; returns the number of pages."""
    pages = _layout(spec)
    with pdf_canvas(path, A4, title=spec.title) as c:
        for number, steps in enumerate(pages, start=1):
            if number > 1:
                c.new_page()
            y = _header(c, spec)
            if spec.columns and any(kind == "row" for kind, _ in steps):
                y = _table_header(c, spec, y)
            for kind, item in steps:
                if kind == "row":
                    x = LEFT
                    for column, value in zip(spec.columns, item, strict=True):
                        c.text(x + 1, y, column.width - 2, ROW_H, value, 9.5, align=_ALIGN[column.align])
                        x += column.width
                    y += ROW_H
                elif kind == "section":
                    c.rect(LEFT, y + 1, RIGHT - LEFT, len(item) * FIELD_H + 2)
                    y += 2
                    for label, value in item:
                        c.text(LEFT + 3, y, RIGHT - LEFT - 6, FIELD_H, f"{label}：{value}", 10.5)
                        y += FIELD_H
                    y += 2
                elif kind == "summary":
                    c.text(LEFT, y, RIGHT - LEFT, FIELD_H, f"{item[0]}：{item[1]}", 10.5, bold=True)
                    y += FIELD_H
                else:
                    c.text(LEFT, y, RIGHT - LEFT, FIELD_H, item, 9)
                    y += FIELD_H
            _footer(c, spec, number, len(pages))
    return len(pages)


# -- the documents -------------------------------------------------------------------------------
def si_certificate(data: dict[str, Any], case_no: str, *, issued: str | None = None) -> DocumentSpec:
    """社保参保缴费证明 from the ``si.contributions`` query answer."""
    rows = [
        [
            m["month"],
            str(m["base"]),
            money(m["pension"]),
            money(m["medical"]),
            money(m["unemployment"]),
            m["status"],
        ]
        for m in data["months"]
    ]
    return DocumentSpec(
        title="社会保险参保缴费证明",
        issuer="武汉市社会保险中心",
        kind="si_certificate",
        case_no=case_no,
        issued=issued or data.get("issued", ""),
        fields=[
            ("姓名", data["name"]),
            ("公民身份号码", data["id_number"]),
            ("参保单位", data["employer"]),
            ("首次参保年月", data["insured_since"]),
            ("缴费期间", f"{data['from']} 至 {data['to']}"),
            ("实缴月数", str(data["paid_months"])),
        ],
        columns=[
            Column("缴费年月", 26),
            Column("缴费基数", 26, "right"),
            Column("养老保险(个人)", 32, "right"),
            Column("医疗保险(个人)", 32, "right"),
            Column("失业保险(个人)", 32, "right"),
            Column("缴费状态", 22, "center"),
        ],
        rows=rows,
        summary=[("个人缴费合计（元）", money(data["total_personal"]))],
        notes=["本证明依据社会保险信息系统记录出具，扫描二维码或登录核验网址输入验证码可核验真伪。"],
    )


def property_certificate(data: dict[str, Any], case_no: str, *, issued: str | None = None) -> DocumentSpec:
    """不动产登记信息查询结果 from the ``property.records`` query answer."""
    sections = [
        [
            ("不动产权证书号", r["certificate"]),
            ("坐落", r["location"]),
            ("建筑面积", f"{r['area']:.2f} 平方米"),
            ("用途", r["use"]),
            ("权利类型", r["right_type"]),
            ("登记日期", r["registered"]),
            ("抵押状态", "已抵押" if r.get("mortgaged") else "无抵押"),
        ]
        for r in data.get("records") or []
    ]
    return DocumentSpec(
        title="不动产登记信息查询结果",
        issuer="武汉市不动产登记中心",
        kind="property_certificate",
        case_no=case_no,
        issued=issued or data.get("issued", ""),
        fields=[
            ("权利人", data["name"]),
            ("证件号码", data["id_number"]),
            ("查询结果", f"共 {data.get('count') or 0} 条"),
        ],
        sections=sections or [[("查询结果", "未查询到不动产登记记录")]],
        notes=["本查询结果仅反映出具时登记簿记载的信息，扫描二维码可核验真伪。"],
    )


def hf_statement(data: dict[str, Any], case_no: str, *, issued: str | None = None) -> DocumentSpec:
    """住房公积金缴存明细 from the ``hf.statement`` query answer."""
    rows = [
        [
            m["month"],
            money(m["personal"]),
            money(m["employer"]),
            money(m["personal"] + m["employer"]),
            money(m["balance"]),
        ]
        for m in data["months"]
    ]
    return DocumentSpec(
        title="住房公积金缴存明细",
        issuer="武汉住房公积金管理中心",
        kind="hf_statement",
        case_no=case_no,
        issued=issued or data.get("issued", ""),
        fields=[
            ("姓名", data["name"]),
            ("证件号码", data["id_number"]),
            ("个人账号", data["account"]),
            ("单位名称", data["employer"]),
            ("查询期间", f"{data['from']} 至 {data['to']}"),
            ("账户余额（元）", money(data["balance"])),
        ],
        columns=[
            Column("缴存年月", 30),
            Column("个人缴存", 34, "right"),
            Column("单位缴存", 34, "right"),
            Column("合计", 34, "right"),
            Column("余额", 38, "right"),
        ],
        rows=rows,
        notes=["本明细依据住房公积金业务系统记录出具，扫描二维码可核验真伪。"],
    )


def medical_certificate(data: dict[str, Any], case_no: str, *, issued: str | None = None) -> DocumentSpec:
    """医疗保险参保证明 from the ``medical.certificate`` query answer."""
    return DocumentSpec(
        title="医疗保险参保证明",
        issuer="武汉市医疗保障局",
        kind="medical_certificate",
        case_no=case_no,
        issued=issued or data.get("issued", ""),
        fields=[("姓名", data["name"]), ("公民身份号码", data["id_number"])],
        sections=[
            [
                ("险种", data["insurance"]),
                ("参保状态", data["status"]),
                ("参保起始年月", data["since"]),
                ("参保地", data["region"]),
            ]
        ],
        notes=["兹证明上述人员参加基本医疗保险，特此证明。扫描二维码可核验真伪。"],
    )


def test_page(terminal_id: str, printer: str) -> DocumentSpec:
    """The technician's A4 test page (Chinese text, a table row, a QR, the footer)."""
    return DocumentSpec(
        title="打印机测试页",
        issuer="政务服务24小时自助终端",
        kind="test_page",
        case_no="TEST",
        fields=[
            ("终端编号", terminal_id),
            ("打印机", printer),
            ("时间", datetime.now().strftime("%Y-%m-%d %H:%M:%S")),
            ("字体", "文泉驿微米黑"),
        ],
        columns=[Column("项目", 60), Column("内容", 110)],
        rows=[
            ["中文", "政务服务24小时自助终端"],
            ["标点", "，。、；：！？“”《》【】（）"],
            ["数字", "0123456789 ￥1,234.56"],
        ],
    )


DOCUMENTS = {
    "si_certificate": si_certificate,
    "property_certificate": property_certificate,
    "hf_statement": hf_statement,
    "medical_certificate": medical_certificate,
}
