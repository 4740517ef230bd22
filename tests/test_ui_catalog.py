"""Every printing service of the catalog, walked by touch to its paper: receipt, A4 document or license."""

from __future__ import annotations

import pytest

from backoffice.demo.data import persons

# (flow, printer class, a demo person who has what the service needs)
SERVICES = [
    ("medical_certificate_print", "document", 0),
    ("hf_statement_print", "document", 0),
    ("property_query", "document", 0),
    ("property_query", "document", next(i for i, p in enumerate(persons()) if not p.properties)),  # 无房证明
    ("license_collect", "license", next(i for i, p in enumerate(persons()) if p.company)),
]


def walk(robot, ctl) -> None:
    """Touch through whatever the flow shows, choosing the first option of each choice."""
    for _ in range(30):
        robot.wait_until(
            lambda: ctl.view.get("stepType") not in (None, "query", "print"),
            timeout=20,
            what="a step that waits for the citizen",
        )
        step = ctl.view["stepType"]
        if step == "identify":  # the test put the citizen's card on the reader before starting
            robot.wait_until(lambda: ctl.view.get("stepType") != "identify", timeout=10, what="card read")
        elif step == "confirm_identity":
            robot.tap("confirmButton")
        elif step == "form":
            for field in ctl.view["fields"]:
                if field["type"] == "choice" and not field["value"]:
                    robot.tap(f"choice_{field['id']}_{field['options'][0]['value']}")
            robot.tap("submitButton")
        elif step == "preview":
            robot.tap("printButton")
        elif step == "notice":
            robot.tap("continueButton")
        elif step == "rate":
            return
        else:
            raise AssertionError(f"unexpected step {step}")
    raise AssertionError("the flow never reached its rating")


@pytest.mark.parametrize(("flow_id", "printer", "card"), SERVICES, ids=[f"{s[0]}-{s[2]}" for s in SERVICES])
def test_service_prints_its_document(kiosk, flow_id, printer, card):
    app, robot = kiosk
    ctl = app.controller
    person = persons()[card]
    robot.tap("startButton")
    robot.tap(f"service_{flow_id}")
    robot.tap("beginButton")
    app.ctx.devices["idcard"].simulator.place(card)
    walk(robot, ctl)
    case_no = ctl.session.case_no
    printed = app.ctx.devices[printer].simulator.printed
    assert printed, f"nothing reached the {printer} printer"
    text = printed[-1].text()
    if printer == "license":
        assert person.company["name"] in text and person.company["credit_code"] in text
    else:
        assert person.name in text and person.id_number in text and case_no in text
    if flow_id == "property_query" and not person.properties:
        assert "未查询到不动产登记记录" in text
    journal = app.ctx.printing.journal.jobs("completed")
    assert [job.case_no for job in journal] == [case_no]
    assert not list((app.ctx.printing.spool).glob("*.pdf"))  # the terminal keeps no copy with personal data


def test_a_tile_tap_is_counted_on_the_db_lane_not_the_gui_thread(kiosk, monkeypatch):
    """The 常用 tab's counts file was written on the GUI thread at every tile tap (issue 10)."""
    import json
    import threading

    from kiosk.catalog_model import UsageCounter

    app, robot = kiosk
    writers: list[threading.Thread] = []
    real_save = UsageCounter.save

    def watched_save(self, counts):  # the real write, noting the thread it runs on
        writers.append(threading.current_thread())
        real_save(self, counts)

    monkeypatch.setattr(UsageCounter, "save", watched_save)
    robot.tap("startButton")
    robot.tap("service_si_contribution_print")
    robot.wait_until(lambda: app.controller.screen == "intro", what="the service opened")
    path = app.ctx.config.data_dir / "catalog_usage.json"
    robot.wait_until(lambda: path.exists(), what="the counts saved")
    assert writers and all(t is not threading.main_thread() for t in writers)
    assert json.loads(path.read_text(encoding="utf-8")) == {"si_contribution_print": 1}
