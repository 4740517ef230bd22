"""The 社保 receipt adds up (tryout finding 5), through the real path: the back office's answer, the flow's
template, the ESC/POS encoder and the printer simulator's decoder, on 80 mm and 58 mm paper.

Before: the receipt printed 养老 and 医疗 columns summing to 7,970.00 under 个人缴费合计 8,209.10 (which
includes 失业保险, shown nowhere on it), and on 58 mm the scaled columns cut the numbers ("2025-16,600.0528.00").
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from backoffice.demo.data import persons
from backoffice.query_services import run_query
from drivers.printers.escpos_decoder import decode
from drivers.printers.escpos_encoder import EncoderSettings, encode_receipt
from flows.receipts import PAPER_COLUMNS, load_template, render_receipt
from flows.templating import display_width

MONEY = re.compile(r"([0-9][0-9,]*\.[0-9]{2})")
COLUMNS = {80: ["养老", "医疗", "失业"], 58: ["养老", "医疗"]}


def _amount(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _printed(person, paper_mm: int) -> list[str]:
    record = run_query("si.contributions", {"id_number": person.id_number})
    context = {
        "terminal": {"name": "武昌区政务服务中心 1号机"},
        "case": {"case_no": "202611280001000001", "time": "2026-11-28 09:00"},
        "identity": {"name": person.name, "id_number": person.id_number},
        "record": record,
    }
    receipt = render_receipt(load_template("si_contribution_receipt"), context, paper_mm)
    data = encode_receipt(receipt, EncoderSettings(encoding="gb18030", width_mm=paper_mm))
    [printed] = decode(data, "gb18030").receipts
    return [line.text for line in printed.lines]


@pytest.mark.parametrize("paper_mm", [80, 58])
@pytest.mark.parametrize("index", range(4))
def test_the_printed_columns_and_totals_add_up(index, paper_mm):
    lines = _printed(persons()[index], paper_mm)
    assert all(display_width(line) <= PAPER_COLUMNS[paper_mm] for line in lines)
    header = next(line for line in lines if line.startswith("月份"))
    names = header.split()[1:]
    assert [n for n in names if n in COLUMNS[80]] == COLUMNS[paper_mm]
    rows = [line for line in lines if re.match(r"^[0-9]{4}-[0-9]{2} ", line)]
    assert len(rows) == 12
    sums = dict.fromkeys(COLUMNS[paper_mm], Decimal(0))
    for row in rows:
        cells = row.split()
        assert len(cells) == len(names) + 1, row  # no number cut into its neighbour
        for name in COLUMNS[paper_mm]:
            sums[name] += _amount(cells[1 + names.index(name)])
    totals = {
        label: _amount(MONEY.search(line).group(1))
        for line in lines
        for label in ("养老", "医疗", "失业", "个人缴费")
        if line.startswith(label)
    }
    for name, total in sums.items():
        assert totals[name] == total, (name, lines)  # each printed column adds up to its printed total
    assert totals["养老"] + totals["医疗"] + totals["失业"] == totals["个人缴费"], lines
