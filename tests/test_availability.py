"""Service availability from device states and the network (Qt-free)."""

from __future__ import annotations

from drivers.base import DeviceState, DeviceStatus
from flows.model import Flow
from kiosk.availability import service_availability


def flow(identity: str, devices: tuple[str, ...], offline: bool = True) -> Flow:
    return Flow(
        id="f",
        version=1,
        title={"zh_CN": "f"},
        category="c",
        icon="",
        item_code="1",
        identity=identity,
        devices=devices,
        offline=offline,
        notice={},
        start="s",
        steps={},
    )


def states(**given: DeviceState) -> dict[str, DeviceStatus]:
    reasons = {DeviceState.USER_ERROR: "error.printer.paper_out", DeviceState.UNKNOWN: "state.unknown"}
    return {name: DeviceStatus(name, state, reasons.get(state, "")) for name, state in given.items()}


ONLINE, OUT, UNKNOWN = DeviceState.ONLINE, DeviceState.USER_ERROR, DeviceState.UNKNOWN


def test_every_device_must_work():
    assert service_availability(
        flow("id_card", ("idcard", "receipt")), states(idcard=ONLINE, receipt=ONLINE), True
    ) == (True, "")
    assert service_availability(
        flow("id_card", ("idcard", "receipt")), states(idcard=ONLINE, receipt=OUT), True
    ) == (False, "error.printer.paper_out")


def test_unknown_is_never_fine_and_missing_is_no_device():
    assert service_availability(flow("id_card", ("idcard",)), states(idcard=UNKNOWN), True) == (
        False,
        "error.device.generic",
    )
    assert service_availability(flow("id_card", ("idcard",)), {}, True) == (False, "error.device.no_device")


def test_either_card_needs_one_working_reader():
    either = flow("either", ("idcard", "sscard", "receipt"))
    assert service_availability(either, states(idcard=ONLINE, receipt=ONLINE), True) == (True, "")
    assert service_availability(either, states(sscard=ONLINE, idcard=UNKNOWN, receipt=ONLINE), True) == (
        True,
        "",
    )
    assert service_availability(either, states(receipt=ONLINE), True) == (False, "error.device.no_device")


def test_live_data_needs_the_network():
    assert service_availability(flow("id_card", (), offline=False), {}, False) == (
        False,
        "error.service.offline",
    )
    assert service_availability(flow("id_card", (), offline=True), {}, False) == (True, "")
