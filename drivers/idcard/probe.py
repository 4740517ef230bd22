"""Find the SAM module: try each serial port at each of the five baud rates with SAM-status.

No autobaud is documented and a changed rate survives a power cycle, so a
technician's scan (``kiosk devices scan``) and ``serial://auto`` ask every
candidate port at every rate, fastest first, and keep the first that answers.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass

from drivers.idcard import protocol as p
from drivers.idcard.errors import IdCardError
from drivers.idcard.transport import SamLink, open_port

BAUD_RATES = (115200, 57600, 38400, 19200, 9600)


@dataclass(frozen=True)
class ProbeResult:
    port: str
    baud: int | None  # None when nothing answered
    sam_id: str = ""
    detail: str = ""  # what went wrong, for the technician

    @property
    def found(self) -> bool:
        return self.baud is not None


def candidate_ports() -> list[str]:
    """Serial ports worth probing: what pyserial lists (USB adapters first), then on-board ttyS."""
    ports: list[str] = []
    try:
        from serial.tools import list_ports

        ports = [info.device for info in sorted(list_ports.comports(), key=lambda i: (not i.vid, i.device))]
    except ImportError:
        pass
    for pattern in ("/dev/ttyUSB*", "/dev/ttyACM*"):
        ports += [path for path in sorted(glob.glob(pattern)) if path not in ports]
    return ports


def probe_port(port: str, bauds: tuple[int, ...] = BAUD_RATES, timeout: float = 0.15) -> ProbeResult:
    """Ask one port at each rate; return the first rate where a SAM answers."""
    detail = "no answer"
    for baud in bauds:
        try:
            serial_port = open_port(port, baud)
        except IdCardError as exc:
            return ProbeResult(port, None, detail=exc.detail)
        try:
            link = SamLink(serial_port, baud, checksum_retries=0)
            reply = link.command(p.SAM_STATUS, timeout=timeout + p.wire_time(30, baud))
            if reply.status != p.STATUS_OK:
                detail = f"status {reply.status:#04x} at {baud}"
                continue
            sam = link.command(p.READ_SAM_ID, timeout=timeout + p.wire_time(40, baud))
            return ProbeResult(port, baud, sam.data.hex() if sam.status == p.STATUS_OK else "")
        except IdCardError as exc:
            detail = f"{exc.key} at {baud}"
        finally:
            serial_port.close()
    return ProbeResult(port, None, detail=detail)


def probe(ports: list[str] | None = None, bauds: tuple[int, ...] = BAUD_RATES) -> list[ProbeResult]:
    """Probe every port (default: :func:`candidate_ports`)."""
    return [probe_port(port, bauds) for port in (candidate_ports() if ports is None else ports)]


def find_reader(ports: list[str] | None = None) -> ProbeResult | None:
    return next((r for r in probe(ports) if r.found), None)
