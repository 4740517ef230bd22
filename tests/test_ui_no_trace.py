"""Nothing of the citizen remains on the terminal once the back office has acknowledged the case (issue 10):
every file under the data directory, the temporary directory and the log lines are scanned for the
session's ID number, name and signature."""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path

import pytest

from backoffice.demo.data import demo_cards
from tests.test_ui_forms import start_flow, type_digits


def needles_of(card: dict, signature: str) -> dict[str, list[bytes]]:
    """The byte patterns that would betray the citizen: as SQLite (UTF-8), JSON escapes and GB18030 store them."""
    found: dict[str, list[bytes]] = {}
    for label, value in (("id_number", card["id_number"]), ("name", card["name"]), ("signature", signature)):
        forms = {
            value.encode("utf-8"),
            value.encode("gb18030"),
            json.dumps(value).strip('"').encode("ascii", "backslashreplace"),
        }
        found[label] = sorted(forms)
    # the signature's pen path on its own, however the SVG around it was written
    path_data = signature.split(' d="', 1)[1].split('"', 1)[0] if ' d="' in signature else signature
    found["signature path"] = [path_data.encode("utf-8")]
    return found


def traces(root: Path, needles: dict[str, list[bytes]], skip: Path | None = None) -> list[str]:
    hits = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if skip is not None and skip in path.parents:
            continue
        data = path.read_bytes()
        hits += [
            f"{label} in {path.relative_to(root)}"
            for label, forms in needles.items()
            if any(form in data for form in forms)
        ]
    return hits


@pytest.mark.slow  # a whole signed application, then its delivery and acknowledgement
def test_no_trace_of_the_citizen_after_acknowledgement(make_kiosk, tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    app, robot = make_kiosk()
    ctl = app.controller
    card = demo_cards()[0]

    start_flow(robot, "hf_withdraw_rent")
    robot.wait_for("submitButton", timeout=10)
    case_no = ctl.session.case_no
    type_digits(robot, "rent_monthly", "2500")
    type_digits(robot, "amount", "7500")
    robot.tap("no_has_contract")
    type_digits(robot, "bank_card", "6222021234567890123")
    type_digits(robot, "phone", "13800138000")
    robot.tap("submitButton")
    robot.tap("continueButton")
    robot.draw("signaturePad", [(0.1, 0.5), (0.2, 0.3), (0.3, 0.7), (0.4, 0.4), (0.5, 0.6)])
    robot.tap("commitButton")
    robot.wait_for("rate_5", timeout=20)
    signature = ctl.session.run.context["commitment"]["signature"]
    robot.tap("rate_5")
    robot.tap("rateSubmit")
    robot.tap("doneHome")
    robot.wait_until(lambda: ctl.screen == "attract", what="home")

    # the back office acknowledges the case (and the application): the terminal's queue empties
    app.ctx.link.wake()
    robot.wait_until(
        lambda: (
            (c := app.ctx.store.get_case(case_no)) is not None
            and c.outcome
            and app.ctx.store.queue_depth() == 0
        ),
        timeout=20,
        what="everything acknowledged",
    )
    robot.pump(0.5)

    needles = needles_of(card, signature)
    data_dir = Path(app.ctx.config.data_dir)
    # the embedded back office keeps its own database beside the terminal's in the demo: it is the back
    # office, whose job is to keep the case, not the terminal
    found = traces(data_dir, needles, skip=data_dir / "backoffice") + traces(temp, needles)
    logged = "\n".join(r.getMessage() for r in caplog.records).encode("utf-8")
    found += [f"{label} in the log" for label, forms in needles.items() if any(f in logged for f in forms)]
    assert found == []


def test_the_simulated_document_printer_keeps_no_copy_on_disk(tmp_path):
    """sim://document used to keep every printed PDF (names, ID numbers) under DATA_DIR/printed/."""
    from drivers.registry import DeviceContext, open_device

    source = tmp_path / "spool" / "certificate.pdf"
    source.parent.mkdir()
    source.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Page >> endobj\n%%EOF\n")
    printer = open_device("document", "sim://document", DeviceContext(tmp_path / "data"))
    printer.open()
    result = printer.print_pdf(str(source), title="证明")
    source.unlink()  # the terminal's spool drops its copy once printed
    assert result.pages == 1 and printer.simulator.printed[-1].data.startswith(b"%PDF")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.slow  # a whole headless demo in a subprocess
def test_the_demo_removes_its_temporary_directory(tmp_path):
    import os
    import subprocess
    import sys

    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TMPDIR": str(temp)}
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
        ],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert [p.name for p in temp.iterdir() if p.name.startswith("kiosk-demo-")] == []
