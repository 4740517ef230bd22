"""Device state changes are events queued at once (issue 14): paper near end, reader gone and back, and paper
counted from what was printed."""

from __future__ import annotations

import time

from kiosk import consumables


def _events(app, device: str) -> list[tuple[str, str, float | None]]:
    rows = app.ctx.store.db.execute(
        "SELECT payload, delivered_at FROM outbox WHERE kind='device_event' ORDER BY id"
    ).fetchall()
    import json

    found = []
    for payload, delivered in rows:
        data = json.loads(payload)
        if data["device"] == device:
            found.append((data["state"], data["reason"], delivered))
    return found


def test_paper_near_end_is_an_event_delivered_within_seconds(kiosk):
    app, robot = kiosk
    printer = app.ctx.devices["receipt"]
    printer.simulator.set_fault("paper_near_end")
    started = time.monotonic()
    app.ctx.tasks.run("receipt", printer.refresh_status)
    robot.wait_until(
        lambda: any(
            reason == "state.printer.paper_near_end" and delivered
            for _, reason, delivered in _events(app, "receipt")
        ),
        timeout=10,
        what="paper near end delivered to the back office",
    )
    assert time.monotonic() - started < 10  # not the next heartbeat, a minute away
    assert app.controller.device_states["receipt"].state.usable  # near end still prints
    # and the heartbeat's entry for the printer carries the paper left and the days it will last
    receipt = next(d for d in app._heartbeat_devices() if d["device"] == "receipt")
    assert receipt["paper_left"] == consumables.CAPACITY["receipt"] and "paper_days_left" in receipt
    assert "paper_left" not in next(d for d in app._heartbeat_devices() if d["device"] == "idcard")


def test_a_reader_gone_and_back_is_two_events(kiosk):
    app, robot = kiosk
    reader = app.ctx.devices["idcard"]
    reader.simulator.unplug()
    robot.wait_until(
        lambda: any(state != "online" for state, _, _ in _events(app, "idcard")),
        timeout=10,
        what="reader gone recorded",
    )
    reader.simulator.replug()
    robot.wait_until(
        lambda: _events(app, "idcard")[-1][0] == "online", timeout=15, what="reader back recorded"
    )


def test_paper_is_counted_from_what_was_printed_and_reset_when_replaced(tmp_path):
    from drivers.registry import DeviceContext, open_device
    from kiosk.printing import PrintService
    from offline_cache.store import Store

    store = Store(tmp_path / "kiosk.db", terminal_id="T-1")
    printer = open_device("receipt", "sim://receipt", DeviceContext(tmp_path))
    printer.open()
    try:
        service = PrintService(store, tmp_path)
        context = {
            "terminal": {"name": "终端"},
            "case": {"case_no": "C1", "time": "2026-11-27 10:00"},
            "identity": {"name": "张三", "id_number": "420106199001011234"},
            "rights": {
                "employer": "单位",
                "year": 2026,
                "paid_months_total": 12,
                "pension_account_balance": 1.0,
                "medical_account_balance": 2.0,
            },
        }
        for number in range(3):
            service.print_step(
                printer, "receipt", "si_rights_receipt", context, case_no=f"C{number}", step_id="print"
            )
    finally:
        printer.close()
        printer.simulator.stop()
    printed = printer.simulator.printed
    assert len(printed) == 3
    facts = consumables.estimate(store, "receipt")
    expected = sum(consumables.receipt_length_mm(r) for r in printed)
    assert facts["jobs"] == 3 and abs(facts["used"] - expected) < 40  # decoded receipts: lines, QR, feed
    assert facts["left"] == consumables.CAPACITY["receipt"] - facts["used"]
    assert facts["days_left"] is None  # no rate from a few seconds of history
    later = consumables.estimate(store, "receipt", now=time.time() + 2 * 86400)
    assert later["days_left"] == round(later["left"] / (later["used"] / 2), 1)
    replaced = consumables.paper_replaced(store, "receipt")
    assert replaced["used"] == 0 and replaced["paper_changes"] == 1 and replaced["left"] == 80_000
    assert consumables.heartbeat_fields(store, "receipt")["paper_left"] == 80_000
    assert consumables.heartbeat_fields(store, "idcard") == {}


def test_a_device_event_after_shutdown_writes_nothing_to_the_closed_store(make_kiosk, qapp):
    """Seen in CI: a status change queued on the GUI thread while the kiosk shut down was delivered after it,
    opened a new database lane and wrote to the closed store (ProgrammingError). After shutdown the lanes
    run nothing; the late event is dropped."""
    from kiosk.ui.controller import DeviceStatus  # the real event type the bridges deliver

    app, _robot = make_kiosk()
    late = app.controller.device_states["receipt"]
    app.shutdown()
    ran = []
    future = app.ctx.tasks.run("db", lambda: ran.append(1))
    assert future.cancelled() and not ran
    app.controller.on_device_event(DeviceStatus(late.device, type(late.state)("offline"), "state.gone"))
    qapp.processEvents()
    assert ran == []
