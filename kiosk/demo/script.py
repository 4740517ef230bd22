"""The scripted citizen of ``kiosk demo --headless``: walks the first flow by touch, saving screenshots.

It goes through the real window with real touch events (kiosk.demo.robot), the
simulated ID-card reader and the simulated receipt printer, so what it writes
to ``--out`` is what a citizen would have seen and received.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from kiosk.demo.robot import UiRobot

FLOW_ID = "si_contribution_print"


def walk_first_flow(app, out: Path, *, voice: bool = False) -> dict[str, str]:
    """Run the whole 社保参保缴费证明打印 flow; return {'case_no': ..., 'receipt': path}.

    In elderly mode (the terminal's default, ``--mode elderly``) the catalog shows fewer tiles, so the walk
    opens the service's category tab first. With ``voice`` every prompt spoken on the way is copied as a WAV
    file under ``out/voice`` (numbered in the order spoken)."""
    robot = UiRobot(app.window)
    ctl = app.controller
    shots = out / "screens"
    robot.wait_until(lambda: ctl.screen == "attract", what="attract screen")
    # the devices and the back office report in on their own threads: let them, as a citizen would not
    # arrive in the first second after the terminal booted
    robot.wait_until(
        lambda: (
            _revoked(app)
            or ctl.online
            and all(
                ctl.device_states.get(d) is not None and ctl.device_states[d].state.usable
                for d in ("idcard", "receipt")
            )
        ),
        timeout=30,
        what="devices and back office ready",
    )
    if _revoked(app):  # no point waiting out the timeout: the back office will not take this terminal
        raise TimeoutError("the back office revoked this terminal")
    robot.pump(0.2)
    robot.screenshot(shots / "01-attract.png")
    robot.tap("startButton")
    robot.wait_until(lambda: ctl.screen == "catalog", what="catalog")
    if app.assist.elderly:
        robot.tap("tab_social_security")
    robot.wait_for(f"service_{FLOW_ID}")
    robot.screenshot(shots / "02-catalog.png")
    robot.tap(f"service_{FLOW_ID}")
    robot.wait_for("beginButton")
    robot.screenshot(shots / "03-notice.png")
    robot.tap("beginButton")
    robot.wait_for("demoPlaceCard")
    robot.screenshot(shots / "04-identify.png")
    robot.tap("demoPlaceCard")
    robot.wait_for("confirmButton", timeout=10)
    robot.screenshot(shots / "05-confirm.png")
    robot.tap("confirmButton")
    robot.wait_for("submitButton")
    robot.screenshot(shots / "06-period.png")
    robot.tap("submitButton")
    robot.wait_for("printButton", timeout=10)
    robot.screenshot(shots / "07-preview.png")
    robot.tap("printButton")
    robot.wait_for("rate_5", timeout=20)
    robot.tap("rate_5")
    robot.tap("score_efficiency_3")  # an indicator of the standard's set (flows/ratings.yaml)
    robot.screenshot(shots / "08-rate.png")
    robot.tap("rateSubmit")
    robot.wait_for("doneHome")
    robot.screenshot(shots / "09-done.png")
    case_no = ctl.session.case_no if ctl.session else ""
    robot.tap("doneHome")
    robot.wait_until(lambda: ctl.screen == "attract", what="back to attract")
    result = {"case_no": case_no or "", "screens": str(shots)}
    if voice:
        result["voice"] = str(write_prompts(app, out / "voice"))
    printer = app.ctx.devices.get("receipt")
    printed = getattr(getattr(printer, "simulator", None), "printed", [])
    if printed:
        receipt_path = out / "receipt.txt"
        receipt_path.write_text(printed[-1].text() + "\n", encoding="utf-8")
        result["receipt"] = str(receipt_path)
    return result


def write_prompts(app, folder: Path) -> Path:
    """Copy each prompt the guide spoke, in order, as NN-<lang>.wav (rendering any still in flight)."""
    guide = app.assist.guide
    if guide is None:
        raise RuntimeError("voice guidance is disabled in this configuration ([voice] enabled = false)")
    folder.mkdir(parents=True, exist_ok=True)
    for number, (lang, text) in enumerate(guide.spoken, start=1):
        shutil.copyfile(guide.cache.render(text, lang), folder / f"{number:02d}-{lang}.wav")
    (folder / "prompts.txt").write_text(
        "".join(f"{n:02d}-{lang}.wav\t{text}\n" for n, (lang, text) in enumerate(guide.spoken, start=1)),
        encoding="utf-8",
    )
    return folder


def _revoked(app) -> bool:
    sync = getattr(app.ctx.link, "sync", None)
    return sync is not None and sync.status.revoked
