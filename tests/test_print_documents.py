"""Rendered documents: the PDF text extracts exactly, every page carries its code and a readable QR,
license fields land where the template (plus calibration) puts them."""

from __future__ import annotations

import re
import subprocess
import threading
from pathlib import Path

import pytest

from backoffice import query_services
from backoffice.demo import data as demo_data
from kiosk.documents import certificates
from kiosk.documents.license import (
    Calibration,
    license_values,
    load_calibration,
    load_template,
    render_calibration_page,
    render_license,
    save_calibration,
)
from kiosk.documents.pdf import qr_matrix

CASE = "2026112200010000001"
PERSON = demo_data.persons()[0]
PT_PER_MM = 72 / 25.4


def pdftotext(path: Path, page: int | None = None, layout: bool = True) -> str:
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else [])
    if page:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*args, str(path), "-"], check=True, capture_output=True, text=True).stdout


def pages_of(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def qr_on_page(path: Path, page: int, x_mm: float, y_mm: float, size_mm: float, payload: str) -> bool:
    """Rasterise the page and compare every QR module with the matrix the payload must produce."""
    dpi = 300
    pgm = subprocess.run(
        ["pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), str(path)],
        check=True,
        capture_output=True,
    ).stdout
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", pgm)
    width = int(header.group(1))
    pixels = pgm[header.end() :]
    matrix = qr_matrix(payload)
    module = size_mm / len(matrix)
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            px = int((x_mm + (col + 0.5) * module) * dpi / 25.4)
            py = int((y_mm + (row + 0.5) * module) * dpi / 25.4)
            if (pixels[py * width + px] < 128) != dark:
                return False
    return True


def rows(text: str, first: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines() if line.strip().startswith(first)]


def test_si_certificate_text_pages_codes_and_qr(tmp_path):
    data = query_services.run_query(
        "si.contributions", {"id_number": PERSON.id_number, "from": "2023-01", "to": "2025-12"}
    )
    spec = certificates.si_certificate(data, CASE, issued="2026-11-22")
    path = tmp_path / "si.pdf"
    pages = certificates.render(spec, path)
    assert pages == pages_of(path) == 2
    printed_rows = []
    for page in range(1, pages + 1):
        text = pdftotext(path, page)
        assert f"姓名：{data['name']}" in text and f"公民身份号码：{data['id_number']}" in text
        assert f"验证码：{spec.code}" in text
        assert re.search(rf"第\s*{page}\s*页\s*共\s*{pages}\s*页", text)
        assert re.search(rf"办件编号：{CASE}", text) and "2026-11-22" in text
        assert qr_on_page(
            path, page, certificates.RIGHT - 26, certificates.FOOTER_TOP + 2, 26, spec.verify_url
        )
        printed_rows += rows(text, "20")
    expected = [
        [
            m["month"],
            str(m["base"]),
            f"{m['pension']:.2f}",
            f"{m['medical']:.2f}",
            f"{m['unemployment']:.2f}",
            m["status"],
        ]
        for m in data["months"]
    ]
    assert printed_rows == expected and len(expected) == 36
    last = pdftotext(path, pages)
    assert f"个人缴费合计（元）：{data['total_personal']:.2f}" in last
    assert f"参保单位：{data['employer']}" in last and f"实缴月数：{data['paid_months']}" in last


def test_hf_statement_amounts(tmp_path):
    data = query_services.run_query("hf.statement", {"id_number": PERSON.id_number, "months": 12})
    spec = certificates.hf_statement(data, CASE)
    path = tmp_path / "hf.pdf"
    certificates.render(spec, path)
    text = pdftotext(path)
    assert f"个人账号：{data['account']}" in text and f"账户余额（元）：{data['balance']:.2f}" in text
    expected = [
        [
            m["month"],
            f"{m['personal']:.2f}",
            f"{m['employer']:.2f}",
            f"{m['personal'] + m['employer']:.2f}",
            f"{m['balance']:.2f}",
        ]
        for m in data["months"]
    ]
    assert rows(text, "20") == expected


def test_property_certificate_records(tmp_path):
    person = next(p for p in demo_data.persons() if len(p.properties) == 1)
    data = query_services.run_query("property.records", {"id_number": person.id_number})
    spec = certificates.property_certificate(data, CASE)
    path = tmp_path / "property.pdf"
    certificates.render(spec, path)
    text = pdftotext(path)
    record = data["records"][0]
    for expected in (
        f"权利人：{person.name}",
        f"证件号码：{person.id_number}",
        f"不动产权证书号：{record['certificate']}",
        f"坐落：{record['location']}",
        f"建筑面积：{record['area']:.2f} 平方米",
        f"登记日期：{record['registered']}",
        f"验证码：{spec.code}",
    ):
        assert expected in text
    assert qr_on_page(path, 1, certificates.RIGHT - 26, certificates.FOOTER_TOP + 2, 26, spec.verify_url)


def test_rendering_runs_off_the_gui_thread(tmp_path):
    """The UI calls the renderer from a worker thread; the result must be the same document."""
    data = query_services.run_query("si.contributions", {"id_number": PERSON.id_number, "months": 3})
    spec = certificates.si_certificate(data, CASE)
    outcome = {}

    def work():
        try:
            outcome["pages"] = certificates.render(spec, tmp_path / "worker.pdf")
        except Exception as exc:  # pragma: no cover - reported below
            outcome["error"] = exc

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(30)
    assert outcome.get("pages") == 1, outcome
    assert f"公民身份号码：{PERSON.id_number}" in pdftotext(tmp_path / "worker.pdf")


def words_with_boxes(path: Path) -> list[tuple[str, float, float]]:
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [
        (m.group(5), float(m.group(1)) / PT_PER_MM, float(m.group(2)) / PT_PER_MM)
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html
        )
    ]


@pytest.mark.parametrize("calibration", [Calibration(), Calibration(2.5, -1.5)])
def test_license_fields_at_template_positions(tmp_path, calibration):
    person = next(p for p in demo_data.persons() if p.company)
    company = query_services.run_query("license.ready", {"id_number": person.id_number})["licenses"][0]
    path = tmp_path / "license.pdf"
    render_license(company, path, calibration, issued="2026年11月22日")
    size = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    assert "842 x 1191 pts (A3)" in size
    values = license_values(company, issued="2026年11月22日")
    words = {text: (x, y) for text, x, y in words_with_boxes(path)}
    template = load_template()
    for field in template["fields"]:
        if field.get("wrap"):
            continue
        x, y = words[values[field["key"]]]  # the whole value extracts as one exact word
        assert abs(x - (field["x_mm"] + calibration.x_mm)) < 0.3, field["key"]
        assert abs(y - (field["y_mm"] + calibration.y_mm)) < 0.6, field["key"]
    assert company["scope"] in pdftotext(path, layout=False).replace("\n", "")
    assert company["legal_representative"] == person.name
    qr = template["qr"]
    assert qr_on_page(
        path,
        1,
        qr["x_mm"] + calibration.x_mm,
        qr["y_mm"] + calibration.y_mm,
        qr["size_mm"],
        values["verify_url"],
    )


def test_calibration_is_stored_and_printed(tmp_path):
    assert load_calibration(tmp_path) == Calibration()
    save_calibration(tmp_path, Calibration(1.2, -0.8))
    assert load_calibration(tmp_path) == Calibration(1.2, -0.8)
    with pytest.raises(ValueError):
        Calibration(40, 0)
    path = tmp_path / "calibration.pdf"
    render_calibration_page(path, load_calibration(tmp_path))
    assert "当前偏移：X +1.2 mm，Y -0.8 mm" in pdftotext(path, layout=False)
