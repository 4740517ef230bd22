"""``kiosk flows try DIR --out OUT`` (issue 12): an operator sees every flow of a tree walked before publishing.

Real runs through the command, in this process (one offscreen kiosk per run, the embedded back office and
the simulated devices): a copy of two catalog flows walks clean in both languages; a tree that fails lint is
not walked; a flow that ends ``failed`` fails the run unless the flow declares that outcome.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from flows.loader import FLOWS_DIR
from kiosk.cli import main

LANGS = ["zh_CN", "en"]
TOP = "si_contribution_print"


def _tree(tmp_path: Path, name: str, flows: dict[str, str]) -> Path:
    root = tmp_path / name
    (root / "definitions").mkdir(parents=True)
    for flow_id, text in flows.items():
        (root / "definitions" / f"{flow_id}.yaml").write_text(text, encoding="utf-8")
    return root


def _catalog(flow_id: str) -> str:
    return (FLOWS_DIR / f"{flow_id}.yaml").read_text(encoding="utf-8")


def test_two_catalog_flows_walk_in_both_languages(qapp, tmp_path, capsys) -> None:
    tree = tmp_path / "tree"
    (tree / "definitions").mkdir(parents=True)
    for flow_id in (TOP, "license_collect"):  # license_collect declares its card (walk: {card: 1})
        shutil.copy(FLOWS_DIR / f"{flow_id}.yaml", tree / "definitions")
    shutil.copytree(FLOWS_DIR.parent / "templates", tree / "templates")
    out = tmp_path / "out"
    assert main(["flows", "try", str(tree), "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["ok"] is True and sorted(summary["flows"]) == ["license_collect", TOP]
    assert summary["flows"]["license_collect"]["card"] == 1
    for flow_id, entry in summary["flows"].items():
        assert entry["expected"] == "completed" and entry["ok"] is True
        assert list(entry["langs"]) == LANGS
        for lang, walk in entry["langs"].items():
            assert walk["outcome"] == "completed" and walk["error"] == "", (flow_id, lang, walk)
            assert len(walk["case_no"]) == 18
            # paper is counted per walk although one kiosk served them all
            assert 1 <= walk["taps_to_paper"] <= 4 and 2 < walk["screens_to_paper"] <= 6, walk
            assert walk["screens"][:3] == ["attract", "card", "catalog"] and walk["screens"][-1] == "done"
            shots = sorted(p.name for p in (out / flow_id / lang / "screens").glob("*.png"))
            assert shots == [f"{i:02d}-{name}.png" for i, name in enumerate(walk["screens"], 1)]
    cases = [w["case_no"] for e in summary["flows"].values() for w in e["langs"].values()]
    assert len(set(cases)) == 4
    assert f"ok   {TOP}: zh_CN completed, " in "\n".join(lines)
    assert lines[-1].startswith("tried 2 flow(s) in zh_CN and en: 2 as expected, 0 not")
    # the English walk really ran in English: its catalog screen differs from the Chinese one
    zh, en = ((out / TOP / lang / "screens" / "03-catalog.png").read_bytes() for lang in LANGS)
    assert zh != en


def test_rate_case_rates_a_case_filed_first_in_each_language(qapp, tmp_path, capsys) -> None:
    """Tryout finding 2: the en walk rated the zh walk's case again (该办件已经评价过, then a timeout), and the
    number it rated was filed by no terminal. Now each walk files a case first (walk: {case_from: ...})."""
    tree = tmp_path / "tree"
    (tree / "definitions").mkdir(parents=True)
    for flow_id in (TOP, "rate_case"):
        shutil.copy(FLOWS_DIR / f"{flow_id}.yaml", tree / "definitions")
    shutil.copytree(FLOWS_DIR.parent / "templates", tree / "templates")
    out = tmp_path / "out"
    assert main(["flows", "try", str(tree), "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "ok   rate_case: zh_CN completed; en completed" in lines
    walks = json.loads((out / "summary.json").read_text(encoding="utf-8"))["flows"]["rate_case"]["langs"]
    for walk in walks.values():
        assert walk["error"] == "" and walk["screens"][-3:] == ["enter", "rate", "done"], walk
        assert not list((out / "rate_case").rglob("*already_rated*"))


def test_a_tree_that_fails_lint_is_reported_and_not_walked(tmp_path, capsys) -> None:
    broken = _catalog(TOP).replace("next: confirm", "next: nowhere")
    tree = _tree(tmp_path, "broken", {"broken": broken, "rate_case": _catalog("rate_case")})
    out = tmp_path / "out"
    assert main(["flows", "try", str(tree), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    lint_lines = captured.out.splitlines()
    assert lint_lines and all(": error: " in line and "broken.yaml" in line for line in lint_lines)
    assert any("nowhere" in line for line in lint_lines)
    assert captured.err.strip().startswith("kiosk: not walked: ") and len(captured.err.splitlines()) == 1
    assert not (out / "summary.json").exists() and not list(out.iterdir())


def test_a_flow_that_ends_failed_fails_the_run_unless_it_declares_so(qapp, tmp_path, capsys) -> None:
    # a flow author's slip: a fixed ID number where the citizen's belongs; the lookup finds nobody
    slip = _catalog(TOP).replace('id_number: "${identity.id_number}"', 'id_number: "000000000000000000"')
    wrong = slip.replace(f"id: {TOP}", "id: si_wrong_param")
    known = slip.replace(f"id: {TOP}", "id: si_known_failure").replace(
        "offline: true\n", "offline: true\nwalk: {outcome: failed}\n"
    )
    tree = _tree(tmp_path, "failing", {"si_wrong_param": wrong, "si_known_failure": known})
    out = tmp_path / "out"
    assert main(["flows", "try", str(tree), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["ok"] is False
    wrong_entry, known_entry = summary["flows"]["si_wrong_param"], summary["flows"]["si_known_failure"]
    assert (wrong_entry["expected"], wrong_entry["ok"]) == ("completed", False)
    assert (known_entry["expected"], known_entry["ok"]) == ("failed", True)
    for entry in (wrong_entry, known_entry):
        for walk in entry["langs"].values():
            assert walk["outcome"] == "failed" and walk["taps_to_paper"] is None
            assert walk["screens"][-1] == "failed" and walk["case_no"]
    assert "FAIL si_wrong_param: zh_CN failed (expected completed); en failed (expected completed)" in (
        captured.out
    )
    assert "ok   si_known_failure: zh_CN failed; en failed" in captured.out
    assert captured.err.strip().splitlines()[-1] == "kiosk: 1 flow(s) did not end as expected: si_wrong_param"


@pytest.mark.parametrize(
    "case, expected",
    [
        ("missing", "no such directory"),
        ("empty", "not a flow tree"),
        ("unwritable", "cannot write there"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, case, expected) -> None:
    source, out = tmp_path / "tree", tmp_path / "out"
    if case != "missing":
        source.mkdir()
    if case == "unwritable":
        (source / "definitions").mkdir()
        (source / "definitions" / f"{TOP}.yaml").write_text(_catalog(TOP), encoding="utf-8")
        (tmp_path / "a-file").write_text("", encoding="utf-8")
        out = (
            tmp_path / "a-file" / "out"
        )  # under a regular file: no directory can be made there (even as root)
    assert main(["flows", "try", str(source), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1 and expected in captured.err, captured.err
    assert "Traceback" not in captured.err
