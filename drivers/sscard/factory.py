"""Factories the registry calls for ``sscard`` URLs.

``pcsc://?reader=NAME`` opens the PC/SC driver on the first reader whose name
contains NAME (or the first reader). ``sim://sscard`` returns the same real
driver on the vpcd virtual reader, with the card emulator attached as
``reader.simulator`` (``place(card)``, ``lift()``, ``cards``; the cards are ``context.options['cards']``) and a PSAM emulated in
process holding the test issuer key (``?psam=0``: a terminal without a PSAM, whose
cards stay unauthenticated). It needs pcscd with vsmartcard-vpcd; without it the
reader reports NO_DEVICE with the key ``error.sscard.no_service`` and keeps waiting,
and ``place`` does not fail. ``pcsc://?psam=NAME`` uses the PSAM in the PC/SC reader
whose name contains NAME.
The vpcd port comes from ``?port=``, ``context.options['vpcd_port']``, the
environment variable ``KIOSK_VPCD_PORT`` or the vpcd default 35963.
"""

from __future__ import annotations

import os
from typing import Any

from drivers.registry import DeviceContext, DeviceUrl
from drivers.sscard.emulator import DEFAULT_PORT, VpcdEmulator
from drivers.sscard.psam import EmulatedPsam
from drivers.sscard.reader import SsCardReader


class SimulatedSsCardReader(SsCardReader):
    """The real PC/SC driver plus the vpcd card emulator it reads."""

    def __init__(self, simulator: VpcdEmulator, **kwargs: Any) -> None:
        self.simulator = simulator
        super().__init__(**kwargs)

    def close(self) -> None:
        self.simulator.lift()
        super().close()


def vpcd_port(url: DeviceUrl | None, context: DeviceContext | None) -> int:
    if url is not None and url.params.get("port"):
        return url.int_param("port", DEFAULT_PORT)
    if context is not None and context.options.get("vpcd_port"):
        return int(context.options["vpcd_port"])
    return int(os.environ.get("KIOSK_VPCD_PORT", DEFAULT_PORT))


def open_simulated(url: DeviceUrl, context: DeviceContext) -> SimulatedSsCardReader:
    # the cards are the caller's (through the device options); none: an empty emulator
    cards = list(context.options.get("sscards") or context.options.get("cards") or [])
    emulator = VpcdEmulator(cards, port=vpcd_port(url, context))
    # the simulated terminal has a PSAM holding the test issuer key (?psam=0: a terminal without one)
    psam = EmulatedPsam().process if url.params.get("psam", "1") not in ("0", "false", "no") else None
    # vpcd's first slot is "Virtual PCD 00 00"; its port+1 twin is "00 01"
    return SimulatedSsCardReader(emulator, reader_name=url.params.get("reader", "Virtual PCD"), psam=psam)


def open_pcsc(url: DeviceUrl, context: DeviceContext) -> SsCardReader:
    """``pcsc://?reader=NAME&psam=PSAM_READER``: without ``psam`` the cards read are unauthenticated."""
    return SsCardReader(url.params.get("reader") or None, psam=url.params.get("psam") or None)
