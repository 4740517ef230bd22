"""``kiosk demo --headless --walk``, through the command as a user runs it (tryout findings 2, 3, 4).

Before: the rate_case walk rated a number no terminal had filed (the back office 'found' any well-formed one),
and a second walk of it on the same data rated the same case again; ``--walk license_collect`` ignored the
flow's own walk card (ending nothing_to_deliver) and ``--card 99`` raised IndexError; ``--out`` kept the
screens of an earlier run beside the new ones, and a walk with no paper said "None taps / None screens".
"""

from __future__ import annotations

import json

import pytest

from kiosk.cli import main
from kiosk.demo.cards import demo_cards
from offline_cache.store import Store

pytestmark = pytest.mark.slow  # whole demo runs through the rendered UI (~10 s each)


def _demo(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["--log-level", "WARNING", "demo", "--headless", *argv])
    except SystemExit as exc:  # a CliError: one line on stderr, non-zero exit
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_rate_case_rates_a_case_that_exists_again_and_again(qapp, tmp_path, capsys) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    (out / "screens").mkdir(parents=True)
    (out / "screens" / "04-none_ready.png").write_bytes(b"an earlier run's screen")
    (out / "screens" / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "mine.png").write_bytes(b"not the demo's")
    rated = []
    for lang in ("zh_CN", "en"):  # one data directory: the second walk must not meet the first one's case
        code, stdout, stderr = _demo(
            capsys, "--walk", "rate_case", "--lang", lang, "--data-dir", str(data), "--out", str(out)
        )
        assert code == 0, stderr[-2000:]
        assert "rate_case: case " in stdout and " completed, no paper (outcome completed); " in stdout
        assert "None" not in stdout
        result = json.loads((out / "result.json").read_text(encoding="utf-8"))
        assert result["screens"][-3:] == ["enter", "rate", "done"], result
        shots = sorted(p.name for p in (out / "screens").glob("*.png"))
        assert shots == [f"{i:02d}-{name}.png" for i, name in enumerate(result["screens"], 1)]
        rated.append(result)
    assert (out / "screens" / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "mine.png").read_bytes() == b"not the demo's"
    store = Store(data / "kiosk.db", terminal_id="T-0001")
    try:
        ratings = store.db.conn.execute("SELECT case_no FROM ratings ORDER BY at, rowid").fetchall()
        rated_cases = [store.get_case(row[0]) for row in ratings]
    finally:
        store.close()
    # each walk rated a case the terminal had really filed (a contribution record, not rated there)
    assert len(rated_cases) == 2 and len({c.case_no for c in rated_cases if c}) == 2
    assert all(c is not None and c.service_id == "si_contribution_print" for c in rated_cases), rated_cases
    assert all(c.case_no != r["case_no"] for c in rated_cases for r in rated)


def test_walk_takes_the_flows_card_and_refuses_a_card_that_is_not_there(qapp, tmp_path, capsys) -> None:
    code, stdout, stderr = _demo(capsys, "--walk", "license_collect", "--out", str(tmp_path / "o"))
    assert code == 0, stderr[-2000:]
    assert " completed, 4 taps / 6 screens to paper; " in stdout, stdout
    code, stdout, stderr = _demo(
        capsys, "--walk", "license_collect", "--card", "99", "--out", str(tmp_path / "o")
    )
    last = stderr.strip().splitlines()
    assert code == 2 and len(last) == 1 and "Traceback" not in stderr
    assert last[0] == f"kiosk: --card 99: the demo cards are 0-{len(demo_cards()) - 1}"
