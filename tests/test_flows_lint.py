"""``kiosk flows lint``: each kind of mistake is reported with its file and line, and fails the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.lint import lint_text
from kiosk.cli import main

GOOD = """\
id: sample
version: 1
title: {zh_CN: 样例, en: Sample}
category: test
item_code: "X1"
identity: none
start: ask
steps:
  ask:
    type: form
    title: {zh_CN: 填写, en: Fill in}
    fields:
      - {id: n, type: number, label: {zh_CN: 数量, en: Count}, required: true}
    next:
      - {when: {field: form.n, gt: 3}, goto: many}
      - {goto: done}
  many:
    type: notice
    title: {zh_CN: 很多, en: Many}
    body: {zh_CN: "数量是${form.n}。", en: "Count: ${form.n}"}
    next: done
  done:
    type: finish
    title: {zh_CN: 完成, en: Done}
"""


def codes(text: str, severity: str = "error") -> list[tuple[str, int]]:
    _flow, problems = lint_text(text, "t.yaml")
    return [(p.code, p.line) for p in problems if p.severity == severity]


def test_good_flow_is_clean() -> None:
    assert codes(GOOD) == [] and codes(GOOD, "warning") == []


def test_schema_error_has_a_line() -> None:
    bad = GOOD.replace("type: notice", "type: dance")
    assert codes(bad) == [("schema", 18)]


def test_yaml_error_has_a_line() -> None:
    bad = GOOD.replace("{zh_CN: 很多, en: Many}", "{zh_CN: 很多, en: Many, really}")
    found = codes(bad)
    assert found and found[0][0] in ("yaml", "schema")


def test_transition_to_nowhere() -> None:
    assert ("nowhere", 18) in codes(GOOD.replace("    next: done\n  done:", "    next: gone\n  done:"))


def test_unreachable_step() -> None:
    bad = GOOD.replace("      - {when: {field: form.n, gt: 3}, goto: many}\n", "")
    assert ("unreachable", 17) in codes(bad)


def test_dead_end_step() -> None:
    bad = GOOD.replace('Count: ${form.n}"}\n    next: done\n', 'Count: ${form.n}"}\n    next: many\n')
    assert ("dead-end", 18) in codes(bad)


def test_field_no_step_provides() -> None:
    assert ("unset", 18) in codes(GOOD.replace("数量是${form.n}", "数量是${form.m}"))
    assert ("unset", 10) in codes(GOOD.replace("field: form.n, gt", "field: record.n, gt"))


def test_missing_translation() -> None:
    assert ("translation", 19) in codes(GOOD.replace("{zh_CN: 很多, en: Many}", "{zh_CN: 很多}"))


def test_ascii_punctuation_in_chinese_is_a_warning() -> None:
    assert ("punctuation", 19) in codes(GOOD.replace("很多, en", '"很多,真的", en'), "warning")


def test_devices_the_flow_does_not_list_and_the_terminal_lacks(tmp_path: Path) -> None:
    flow = (
        GOOD.replace("identity: none", "identity: id_card\ndevices: [idcard, license]")
        .replace("start: ask", "start: who")
        .replace(
            "steps:\n",
            "steps:\n  who:\n    type: identify\n"
            "    title: {zh_CN: 身份, en: Who}\n    next: ask\n"
            "    on: {refused: who, error: who}\n",
        )
    )
    path = tmp_path / "f.yaml"
    path.write_text(flow, encoding="utf-8")
    assert main(["flows", "lint", str(path)]) == 0
    assert main(["flows", "lint", "--terminal", "compact", str(path)]) == 1
    printing = flow.replace("devices: [idcard, license]", "devices: [idcard]").replace(
        "  many:\n    type: notice\n",
        "  many:\n    type: print\n    printer: receipt\n    template: nope\n    on: {error: done}\n",
    )
    found = codes(printing)
    assert ("devices", 24) in found and ("template", 24) in found


def test_unknown_service_and_unhandled_failure() -> None:
    bad = GOOD.replace("  many:\n    type: notice\n", "  many:\n    type: query\n    service: no.such\n")
    found = codes(bad)
    assert ("service", 18) in found and ("unhandled", 18) in found


def test_cli_reports_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("goto: many", "goto: lost"), encoding="utf-8")
    assert main(["flows", "lint", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:15: error:" in out and "'lost'" in out


def test_cli_passes_the_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "lint", "--terminal", "full", "flows"]) == 0
    assert "0 error(s)" in capsys.readouterr().out


def test_duplicate_step_ids_are_refused() -> None:
    dup = GOOD.replace("  done:\n    type: finish", "  many:\n    type: finish\n  done:\n    type: finish")
    assert codes(dup) == [("yaml", 22)]


def test_assurance_is_declared_on_the_identify_step() -> None:
    """Issue 11: flows declare the assurance they need; 'any' beside a personal-data query is flagged."""
    step = (
        "  who:\n    type: identify\n    title: {zh_CN: 读卡, en: Card}\n    accept: [resident, sscard]\n"
        "    assurance: ASSURANCE\n    next: ask\n"
    )
    flow = GOOD.replace(
        "identity: none\nstart: ask\nsteps:\n",
        "identity: either\ndevices: [idcard, sscard]\nstart: who\nsteps:\n" + step,
    )
    flow = flow.replace(
        "  many:\n    type: notice\n    title: {zh_CN: 很多, en: Many}\n"
        '    body: {zh_CN: "数量是${form.n}。", en: "Count: ${form.n}"}\n',
        "  many:\n    type: query\n    title: {zh_CN: 很多, en: Many}\n    service: si.rights_record\n"
        '    params: {id_number: "${identity.id_number}"}\n    on: {error: sorry, offline: sorry, '
        "empty: sorry}\n",
    )
    flow += (
        "  sorry:\n    type: finish\n    outcome: failed\n"  # issue 10: a failure's end says so
        "    title: {zh_CN: 暂时无法查询, en: Unavailable}\n"
    )
    assert codes(flow.replace("ASSURANCE", "authenticated")) == []
    assert "assurance" in [code for code, _ in codes(flow.replace("ASSURANCE", "any"), "warning")]
    assert codes(flow.replace("ASSURANCE", "sometimes"))  # not in the schema


SORRY_NOTICE = """  sorry:
    type: notice
    title: {zh_CN: 暂时无法查询, en: Unavailable}
    body: {zh_CN: 请稍后再试。, en: Please try again later.}
    next: done
"""
SORRY_FINISH = """  sorry:
    type: finish
    outcome: OUTCOME
    title: {zh_CN: 暂时无法查询, en: Unavailable}
    body: {zh_CN: 请稍后再试。, en: Please try again later.}
"""
LOOKUP = """  lookup:
    type: query
    title: {zh_CN: 查询, en: Lookup}
    service: guide.services
    next: done
    on: {error: sorry, offline: sorry}
"""


def querying(sorry: str) -> str:
    return GOOD.replace(
        "      - {goto: done}\n  many:", "      - {goto: lookup}\n" + LOOKUP + sorry + "  many:"
    )


def test_a_finish_reached_from_a_failure_must_say_what_it_means() -> None:
    """Issue 10: a failed lookup ending on the default finish would be stored as completed."""
    assert [code for code, _line in codes(querying(SORRY_NOTICE))] == ["outcome"]
    assert codes(querying(SORRY_FINISH.replace("OUTCOME", "failed"))) == []
    assert [code for code, _ in codes(querying(SORRY_FINISH.replace("OUTCOME", "completed")))] == ["outcome"]


def test_a_retry_of_the_failing_step_is_not_a_failure_path() -> None:
    assert codes(querying(SORRY_NOTICE.replace("next: done", "next: lookup"))) == []


def test_a_flow_without_a_case_only_shows_things() -> None:
    """Issue 10: the service guide opens no case; a step that needs one (a print for the journal, who came,
    a signed commitment) is refused in such a flow."""
    caseless = GOOD.replace("identity: none\n", "identity: none\nopens_case: false\n")
    flow, _problems = lint_text(caseless, "t.yaml")
    assert flow is not None and flow.opens_case is False and codes(caseless) == []
    printing = caseless.replace(
        "  done:\n",
        "  paper:\n    type: print\n    title: {zh_CN: 打印, en: Print}\n    printer: receipt\n"
        "    template: si_contribution_receipt\n"
        "    next: done\n    on: {error: done}\n  done:\n",
    ).replace("      - {goto: done}\n  many:", "      - {goto: paper}\n  many:")
    assert "case" in [code for code, _line in codes(printing)]
    assert "case" not in [code for code, _line in codes(printing.replace("opens_case: false\n", ""))]
