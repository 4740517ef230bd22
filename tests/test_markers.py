"""The quick loop's promise: ``-m "not slow"`` selects no test that needs a system daemon or a long run.

tests/conftest.py marks by fixture (pcscd, cupsd, PostgreSQL) and skips importing slow-only modules; this checks the
result on the real suite, collected in a subprocess as scripts/quick.sh collects it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # collects the whole suite in subprocesses (about 12 s)

ROOT = Path(__file__).resolve().parent.parent


def _collected(*args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_not_slow_leaves_out_daemons_and_long_runs() -> None:
    fast = _collected("-m", "not slow")
    modules = {node.split("::")[0] for node in fast}
    assert len(fast) > 400 and "tests/test_bundle_trust.py" in modules
    assert not modules & {
        "tests/test_bench_smoke.py",
        "tests/test_packaging.py",
        "tests/test_backoffice_schemathesis.py",
        "tests/test_sync_crash.py",
        "tests/test_cli_demo.py",
    }
    assert not [node for node in fast if "[postgresql" in node]
    # by fixture: every test using pcscd or cupsd is slow; the ones in those modules that need neither stay fast
    assert "tests/test_sscard_pcsc.py::test_insert_read_remove" not in fast
    assert "tests/test_idcard_cli.py::test_read_sscard" not in fast
    assert "tests/test_print_cups.py::test_pdf_queue_completes" not in fast
    assert "tests/test_sscard_pcsc.py::test_sim_url_without_pcscd_does_not_crash" in fast
    assert "tests/test_print_cups.py::test_reason_mapping" in fast


def test_the_quick_loop_leaves_out_rendering_tests() -> None:
    """scripts/quick.sh runs ``-m "not slow and not ui"``: no kiosk window, no browser; the Qt-free core stays in."""
    quick = _collected("-m", "not slow and not ui")
    modules = {node.split("::")[0] for node in quick}
    assert not [m for m in modules if m.startswith("tests/test_ui_") or "browser" in m]
    assert "tests/test_demo_walk.py" not in modules  # the walk renders through the kiosk fixture
    assert {"tests/test_session_core.py", "tests/test_flows_lint.py", "tests/test_console.py"} <= modules
    rendering = _collected("-m", "ui")
    assert "tests/test_ui_fingers.py" in {node.split("::")[0] for node in rendering}
