"""A SAM module on a pseudo-terminal: the real driver talks to it over a real serial line.

The simulator owns the master end of a pty and answers the SAM protocol on it; the driver opens the
slave end (through a stable symlink, so "unplugging" and "replugging" keep the same port name) with
pyserial like any USB-serial adapter. It builds real text blocks from card dicts (the field names of
:class:`drivers.identity.Identity`, plus ``extra``), optionally paces its replies at the configured baud
rate so timings are those of a real line, and injects faults on request: ``bad_checksum``,
``truncated``, ``silence``, ``garbage``, ``lift_mid_read``, ``status`` (answer with a given status
byte), and an ``old_module`` switch (a module too old for I/J/Y cards).

Split the way OctoPrint's cautionary tale says to keep protocol, state and transport apart:

- :mod:`.sam` — the card state machine: request in, reply out, no I/O.
- :mod:`.port` — the pty behind a stable port name, plug/unplug, paced writes; no protocol.
- :mod:`.faults` — the fault queue and how each fault damages a reply.
- :mod:`.cards` — loading and checking a cards file, the stand-in photo. No built-in cards: the caller
  (a test, the kiosk's demo, a technician) supplies them.
- :mod:`.server` — :class:`SamSimulator`, the serving thread that joins the three, and its control surface.
- :mod:`.cli` — the standalone command::

    python -m drivers.idcard.simulator --cards cards.json --link /tmp/ttySAM0 --place 0
"""

from drivers.idcard.simulator.cards import fake_photo, load_cards
from drivers.idcard.simulator.faults import FAULTS, Fault
from drivers.idcard.simulator.server import SamSimulator

__all__ = ["FAULTS", "Fault", "SamSimulator", "fake_photo", "load_cards"]
