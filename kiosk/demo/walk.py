"""``kiosk demo --headless --walk FLOW_ID``: a scripted citizen walks any flow card first, by touch.

The card goes on the reader at the attract screen ("已读取：*秀英", confirm), the citizen picks the
service from those that take the card, answers each form with valid sample answers (a field's
``sample:`` in the flow, else derived from its rules) and takes the paper. Every screen is saved as a
PNG; ``result.json`` says what came out: the case number, its outcome, and how many taps and screens it
took from the card on the reader to the paper (the attract screen included). ``--fault DEVICE=FAULT``
puts a simulator fault on a device just before the print, to show what a citizen sees then.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from flows.samples import sample_values
from kiosk.demo.robot import UiRobot


class WalkStuck(RuntimeError):
    """The scripted citizen came back to the same notice: its answers lead nowhere (e.g. no such case)."""


class Walk:
    def __init__(self, app, out: Path, case_no: str = "", *, rates: bool = True):
        self.app, self.ctl, self.robot = app, app.controller, UiRobot(app.window)
        self.out = out
        self.rates = rates  # rate the case on its rate step, or 暂不评价 (it is rated later, elsewhere)
        self.case_no = case_no  # a case filed first, for a form that asks for a 办件编号 (walk: case_from)
        self.screens: list[str] = []
        self.taps = 0
        self.paper_at: tuple[int, int] | None = None  # (taps, screens) when the paper came out
        self._printed_before = self._printed_total()  # one kiosk may serve many walks (kiosk flows try)

    def printed(self) -> int:
        """Pages the simulated printers put out during this walk."""
        return self._printed_total() - self._printed_before

    def _printed_total(self) -> int:
        return sum(
            len(getattr(getattr(d, "simulator", None), "printed", []) or [])
            for name, d in self.app.ctx.devices.items()
            if name in ("receipt", "document", "license")
        )

    def shot(self, name: str) -> None:
        self.screens.append(name)
        self.robot.pump(0.15)
        self.robot.screenshot(self.out / "screens" / f"{len(self.screens):02d}-{name}.png")

    def tap(self, name: str, timeout: float = 20.0) -> None:  # a loaded machine builds a screen slowly
        self.robot.tap(name, timeout=timeout)
        self.taps += 1


def _open_service(walk: Any, flow_id: str) -> None:
    """Tap the service's tile as a citizen finds it: on the first tab if it is there, else under 全部, page by page
    (every tap counted). A card on the reader shows the services that card can use first, so a service that needs
    no card (办事指南, 办件评价) is one tab away."""
    robot, name = walk.robot, f"service_{flow_id}"
    robot.pump(0.5)  # the catalog settles before it takes taps
    if robot.find(name) is None:
        walk.tap("tab_all")
        page = 1
        while robot.find(name) is None and robot.find(f"page_{page}", enabled=False) is not None:
            walk.tap(f"page_{page}")
            page += 1
    walk.tap(name)


def wait_ready(app, timeout: float = 30.0) -> None:
    """The attract screen, the back office online and the reader and printer usable, as a citizen needs them
    (TimeoutError naming what did not come)."""
    ctl, robot = app.controller, UiRobot(app.window)
    robot.wait_until(lambda: ctl.screen == "attract", timeout=timeout, what="attract screen")
    robot.wait_until(
        lambda: (
            ctl.online
            and all(
                ctl.device_states.get(d) is not None and ctl.device_states[d].state.usable
                for d in ("idcard", "receipt")
            )
        ),
        timeout=timeout,
        what="devices and back office ready",
    )


def walk_flow(
    app,
    flow_id: str,
    out: Path,
    *,
    card: int = 0,
    lang: str = "zh_CN",
    fault: tuple[str, str] | None = None,
    timeout: float = 30.0,
    rates: bool = True,
) -> dict[str, Any]:
    """Walk ``flow_id`` card first; write screenshots and ``result.json`` under ``out``; return the result.

    A flow that rates an earlier case (``walk: {case_from: FLOW}``) needs a case that exists: the scripted
    citizen first walks FLOW (its own walk card, same language; screens not kept) and enters that case's
    number. Each walk files its own case (not rating it there: 暂不评价), so a second walk or a second run never
    rates one twice. ``rates`` False: the walk skips its own rate step."""
    if flow_id not in app.ctx.flows:
        raise KeyError(flow_id)
    wait_ready(app)
    filed = _file_case(app, app.ctx.flows[flow_id].walk.get("case_from"), lang)
    walk = Walk(app, out, filed, rates=rates)
    ctl, robot = walk.ctl, walk.robot
    if fault is not None and getattr(app.ctx.devices.get(fault[0]), "simulator", None) is None:
        raise ValueError(f"--fault {fault[0]}: no simulated device of that name")
    if ctl.lang != lang:
        robot.tap("langButton")
    robot.pump(0.2)
    walk.shot("attract")
    app.ctx.devices["idcard"].simulator.place(card)
    case_no, outcome, last = "", "", None
    for _ in range(40):
        robot.wait_until(
            lambda: (
                ctl.screen in ("catalog", "message")
                or (
                    ctl.screen == "step"
                    and ctl.view.get("stepType") not in (None, "identify", "query", "print")
                )
            ),
            timeout=timeout,
            what="a screen waiting for the citizen",
        )
        if walk.paper_at is None and walk.printed():
            walk.paper_at = (walk.taps, len(walk.screens) + 1)  # the printing screen counted
        view = dict(ctl.view)
        key = (
            ctl.screen,
            view.get("stepId"),
            view.get("status"),
            len(ctl.session.run.history) if ctl.session else -1,
        )
        if key == last:
            robot.pump(0.1)
            continue
        last = key
        if ctl.screen == "message":
            walk.shot("message")
            break
        if ctl.screen == "catalog":
            walk.shot("catalog")
            _open_service(walk, flow_id)
            continue
        step, step_id = view["stepType"], view.get("stepId", "")
        if step == "notice" and step_id in walk.screens:
            raise WalkStuck(f"back at {step_id}: the sample answers lead nowhere")
        walk.shot(step_id)
        if ctl.session is not None:
            case_no = ctl.session.case_no or case_no
        if step == "finish":
            outcome = ctl.session.outcome if ctl.session else ""
            break
        _act(walk, step, fault)
    if walk.paper_at is None and walk.printed():
        walk.paper_at = (walk.taps, len(walk.screens))
    if (
        ctl.screen == "step" and robot.find("doneHome", enabled=False) is not None
    ):  # tap waits for it to settle
        robot.tap("doneHome")  # leaving the end screen closes a case that could still have been retried
    if case_no:
        robot.wait_until(
            lambda: (c := app.ctx.store.get_case(case_no)) is not None and bool(c.outcome),
            timeout=10,
            what="case closed",
        )
        outcome = app.ctx.store.get_case(case_no).outcome or ""
    result = {
        "flow": flow_id,
        "lang": lang,
        "case_no": case_no,
        "outcome": outcome,
        "taps_to_paper": walk.paper_at[0] if walk.paper_at else None,
        "screens_to_paper": walk.paper_at[1] if walk.paper_at else None,
        "taps": walk.taps,
        "screens": walk.screens,
    }
    (out / "result.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return result


def _act(walk: Walk, step: str, fault: tuple[str, str] | None) -> None:
    """What the citizen does on a step's screen."""
    app, ctl, robot = walk.app, walk.ctl, walk.robot
    if step == "confirm_identity":
        walk.tap("confirmButton")
    elif step == "form":
        session = ctl.session
        values = sample_values(session.run.current, session.run.context, case_no=walk.case_no or None)
        for field_id, value in values.items():
            if session.form_values.get(field_id) != value:
                ctl.tap("field", {"id": field_id, "value": value})
        walk.tap("submitButton")
    elif step == "preview":
        if fault is not None:
            app.ctx.devices[fault[0]].simulator.set_fault(fault[1])
        walk.tap("printButton")
    elif step == "notice":
        walk.tap("continueButton")
    elif step == "commitment":
        robot.draw("signaturePad", [(0.1, 0.5), (0.2, 0.3), (0.3, 0.7), (0.4, 0.4), (0.5, 0.6)])
        walk.tap("commitButton")
    elif step == "rate" and not walk.rates:
        walk.tap("rateSkip")
    elif step == "rate":
        walk.tap("rate_5")
        walk.tap("rateSubmit")


def _file_case(app, flow_id: str | None, lang: str) -> str:
    """The case number of a fresh sample walk of ``flow_id`` (none: ""), the terminal home again after it."""
    if not flow_id:
        return ""
    if flow_id not in app.ctx.flows:
        raise ValueError(f"walk: case_from {flow_id}: no such flow in the catalog")
    with tempfile.TemporaryDirectory(prefix="kiosk-walk-") as scratch:
        result = walk_flow(
            app,
            flow_id,
            Path(scratch),
            card=int(app.ctx.flows[flow_id].walk.get("card", 0)),
            lang=lang,
            rates=False,
        )
    go_home(app)
    if not result["case_no"]:
        raise WalkStuck(f"walk: case_from {flow_id} filed no case")
    return str(result["case_no"])


def go_home(app) -> None:
    """Back to the attract screen with no card on the reader, as between two citizens."""
    ctl, robot = app.controller, UiRobot(app.window)
    reader = app.ctx.devices.get("idcard")
    simulator = getattr(reader, "simulator", None)
    if ctl.session is not None:
        ctl.tap("home")
    if simulator is not None and simulator.card_present:
        simulator.lift()
        robot.pump(float(getattr(reader, "poll_interval", 0.5)) * 2 + 0.1)  # the reader sees it go
    if ctl.screen == "message":
        ctl.tap("dismiss")
    robot.wait_until(
        lambda: ctl.screen == "attract" and ctl.session is None, timeout=15, what="the attract screen again"
    )
