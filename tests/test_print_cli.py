"""``kiosk devices test-print`` and ``kiosk devices calibrate license``: print, or refuse clearly."""

from __future__ import annotations

import json

import pytest

from kiosk.cli import main


def test_test_print_receipt_on_a_network_printer(escpos_sim, tmp_path, capsys):
    assert (
        main(
            [
                "devices",
                "test-print",
                "receipt",
                "--device",
                f"{escpos_sim.url}?poll=0",
                "--data-dir",
                str(tmp_path),
            ]
        )
        == 0
    )
    [printed] = escpos_sim.printed
    assert (
        printed.lines[0].text == "打印机测试页" and "标点：，。、；：！？“”《》【】（）——……" in printed.text()
    )
    assert printed.qr == "TEST-PAGE" and printed.cut
    assert "printed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("paper_out", "error.printer.paper_out"),
        ("cover_open", "error.printer.cover_open"),
        ("silent", "error.printer.no_answer"),
    ],
)
def test_test_print_refuses_on_fault(escpos_sim, tmp_path, capsys, fault, reason):
    escpos_sim.set_fault(fault)
    status = main(
        [
            "devices",
            "test-print",
            "receipt",
            "--device",
            f"{escpos_sim.url}?poll=0&status_timeout=0.3",
            "--data-dir",
            str(tmp_path),
        ]
    )
    assert status == 3
    err = capsys.readouterr().err
    assert reason in err and "nothing was printed" in err
    assert escpos_sim.printed == []


def test_test_print_documents_on_the_simulators(tmp_path, capsys):
    for printer in ("document", "license"):
        assert (
            main(
                [
                    "devices",
                    "test-print",
                    printer,
                    "--device",
                    f"sim://{printer}",
                    "--data-dir",
                    str(tmp_path),
                ]
            )
            == 0
        )
        assert list((tmp_path / "printed" / printer).glob("*.pdf"))


def test_calibrate_license_stores_offsets_and_prints(tmp_path, capsys):
    assert (
        main(
            [
                "devices",
                "calibrate",
                "license",
                "--x",
                "1.5",
                "--y",
                "-0.5",
                "--device",
                "sim://license",
                "--data-dir",
                str(tmp_path),
            ]
        )
        == 0
    )
    stored = json.loads((tmp_path / "printing" / "license_calibration.json").read_text())
    assert stored == {"x_mm": 1.5, "y_mm": -0.5}
    assert len(list((tmp_path / "printed" / "license").glob("*.pdf"))) == 1
    assert (
        main(
            [
                "devices",
                "calibrate",
                "license",
                "--x",
                "40",
                "--device",
                "sim://license",
                "--data-dir",
                str(tmp_path),
            ]
        )
        == 2
    )
    assert "±15 mm" in capsys.readouterr().err
