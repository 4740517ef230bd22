"""Factories the registry calls for ``idcard`` URLs.

``serial:///dev/ttyUSB0?baud=115200&poll=0.5`` opens the real SAM driver.
``sim://idcard`` starts the pty simulator in a background thread of this process
and returns the *same* real serial driver connected to the pty's slave end, with
the simulator attached as ``reader.simulator`` (``place(card)``, ``lift()``,
``cards``, ``inject(fault)``, ``unplug()``/``replug()``) for demo buttons and tests.
URL parameters of ``sim://``: ``pace`` (1: send at the baud rate's speed, the
default), ``baud``, ``poll`` (poll interval in seconds), ``old_module`` (1: a
module too old for foreigner and HK/Macau/Taiwan cards), ``cards`` (a JSON file); otherwise the
cards are ``context.options['cards']`` (a list of card dicts).
"""

from __future__ import annotations

from typing import Any

from drivers.base import DeviceConfigError
from drivers.idcard.reader import IdCardReader
from drivers.idcard.simulator import SamSimulator, load_cards
from drivers.registry import DeviceContext, DeviceUrl

BAUD_RATES = (115200, 57600, 38400, 19200, 9600)


def _float_param(url: DeviceUrl, name: str, default: float) -> float:
    value = url.params.get(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise DeviceConfigError(f"device URL {url.raw!r}: {name} must be a number") from None


def _baud(url: DeviceUrl) -> int:
    baud = url.int_param("baud", 115200)
    if baud not in BAUD_RATES:
        raise DeviceConfigError(f"device URL {url.raw!r}: baud must be one of {BAUD_RATES}")
    return baud


class SimulatedIdCardReader(IdCardReader):
    """The real serial driver plus the simulator it talks to; ``open``/``close`` run both."""

    def __init__(self, simulator: SamSimulator, **kwargs: Any) -> None:
        self.simulator = simulator
        super().__init__("", simulator.baud, **kwargs)

    def open(self, wait: float = 2.0) -> None:
        self.simulator.start()
        self.port_name = self.simulator.port
        super().open(wait)

    def close(self) -> None:
        super().close()
        self.simulator.stop()


def open_simulated(url: DeviceUrl, context: DeviceContext) -> SimulatedIdCardReader:
    # the cards come from the URL (a JSON file) or the caller (through the device options); none:
    # an empty simulator, to which ``place(card_dict)`` still works
    cards = (
        load_cards(url.params["cards"])
        if url.params.get("cards")
        else list(context.options.get("cards") or [])
    )
    simulator = SamSimulator(
        cards,
        baud=_baud(url),
        pace=url.params.get("pace", "1") not in ("0", "false", "no"),
        old_module=url.params.get("old_module", "0") in ("1", "true", "yes"),
    )
    return SimulatedIdCardReader(simulator, poll_interval=_float_param(url, "poll", 0.5))


def open_serial(url: DeviceUrl, context: DeviceContext) -> IdCardReader:
    port = url.path or url.host
    baud = _baud(url)
    if port.strip("/") == "auto":  # serial:///auto: probe the ports and rates for the module
        from drivers.idcard.probe import find_reader

        found = find_reader()
        if found is None:
            from drivers.idcard.errors import PortError

            raise PortError("no SAM module answered on any serial port")
        port, baud = found.port, found.baud or baud
    if not port:
        raise DeviceConfigError(f"device URL {url.raw!r} names no port (serial:///dev/ttyUSB0?baud=115200)")
    return IdCardReader(
        port,
        baud,
        poll_interval=_float_param(url, "poll", 0.5),
        with_fingerprint=url.params.get("fingerprint", "0") in ("1", "true"),
        read_new_address=url.params.get("new_address", "0") in ("1", "true"),
    )
