"""`kiosk demo --headless`: the README's demo, end to end in a subprocess, as a new user runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tests.ocr import screen_text

pytestmark = pytest.mark.slow  # a whole headless demo in a subprocess, plus OCR

ROOT = Path(__file__).resolve().parent.parent


def test_headless_demo_prints_a_record_and_saves_the_screens(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("DISPLAY", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk",
            "--log-level",
            "WARNING",
            "demo",
            "--headless",
            "--out",
            str(tmp_path / "out"),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "demo: a citizen printed a social-security contribution record (case " in result.stdout
    assert "Traceback" not in result.stderr
    screens = sorted((tmp_path / "out" / "screens").glob("*.png"))
    assert [p.stem for p in screens] == [
        "01-attract",
        "02-catalog",
        "03-notice",
        "04-identify",
        "05-confirm",
        "06-period",
        "07-preview",
        "08-rate",
        "09-done",
    ]
    receipt = (tmp_path / "out" / "receipt.txt").read_text(encoding="utf-8")
    assert "社会保险参保缴费记录" in receipt and "办件编号" in receipt
    # finding 5: the printed per-insurance totals add up to 个人缴费合计 (失业保险 included and shown)
    totals = dict(re.findall(r"^(养老保险|医疗保险|失业保险|个人缴费)合计：([0-9,.]+)元", receipt, re.M))
    assert set(totals) == {"养老保险", "医疗保险", "失业保险", "个人缴费"}, receipt
    amount = {k: Decimal(v.replace(",", "")) for k, v in totals.items()}
    assert amount["养老保险"] + amount["医疗保险"] + amount["失业保险"] == amount["个人缴费"]
    assert "社保参保缴费证明打印" in screen_text(tmp_path / "out" / "screens" / "02-catalog.png")
