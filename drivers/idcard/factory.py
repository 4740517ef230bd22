"""Factories the registry calls for ``idcard`` URLs.

``sim://idcard`` is the embedded default. Placeholder until the pty simulator and
the real serial driver land (issue 3): an in-process reader with the same
control surface (``reader.simulator.place(card)`` / ``lift()``).
"""

from __future__ import annotations

import threading
import time

from drivers.base import DeviceState, HealthReport, StatefulDevice
from drivers.events import CardPresented, CardRemoved
from drivers.identity import Identity
from drivers.registry import DeviceContext, DeviceUrl


class InProcessCardSimulator:
    """Holds the demo cards and lets a demo button or a test place and lift one."""

    def __init__(self, reader: SimulatedIdCardReader, cards: list[dict]):
        self._reader = reader
        self.cards = cards

    def place(self, card: dict | int = 0) -> None:
        data = self.cards[card] if isinstance(card, int) else card
        self._reader._on_place(Identity(**data))

    def lift(self) -> None:
        self._reader._on_lift()


class SimulatedIdCardReader(StatefulDevice):
    name = "idcard"

    def __init__(self, cards: list[dict], read_delay: float = 0.05):
        super().__init__()
        self.simulator = InProcessCardSimulator(self, cards)
        self._read_delay = read_delay
        self._present = False

    def open(self) -> None:
        self._set_state(DeviceState.ONLINE)

    def close(self) -> None:
        self._set_state(DeviceState.OFFLINE, "state.closed")

    def health(self) -> HealthReport:
        return HealthReport(self.name, True, {"simulator": "ok"})

    def _on_place(self, identity: Identity) -> None:
        if self._present:
            return
        self._present = True

        def read() -> None:
            time.sleep(self._read_delay)
            if self._present:
                self.events.emit(CardPresented(self.name, identity))

        threading.Thread(target=read, name="idcard-sim", daemon=True).start()

    def _on_lift(self) -> None:
        if self._present:
            self._present = False
            self.events.emit(CardRemoved(self.name))


def open_simulated(url: DeviceUrl, context: DeviceContext) -> SimulatedIdCardReader:
    from backoffice.demo_data import demo_cards

    return SimulatedIdCardReader(context.options.get("cards") or demo_cards())


def open_serial(url: DeviceUrl, context: DeviceContext):
    raise NotImplementedError("the serial SAM driver lands with issue 3")
