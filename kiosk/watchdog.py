"""systemd integration: READY=1 once the first screen is up, then WATCHDOG=1 from the GUI thread.

The pings come from a timer on the GUI thread, so a frozen UI stops them and systemd restarts the
kiosk (``WatchdogSec=`` with ``Restart=always`` in deploy/kiosk.service). Plain datagrams on
``$NOTIFY_SOCKET`` (a leading ``@`` is the abstract namespace); no library needed.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


class SystemdNotifier:
    def __init__(self, address: str | None = None):
        self.address = address if address is not None else os.environ.get("NOTIFY_SOCKET", "")

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def notify(self, state: str) -> bool:
        if not self.address:
            return False
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.sendto(state.encode(), target)
            return True
        except OSError as exc:
            log.warning("systemd notify failed: %s", exc)
            return False


def watchdog_interval_ms() -> int | None:
    """Half the watchdog period systemd asked for (``WATCHDOG_USEC``), or None when there is none."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or (pid and pid != str(os.getpid())):
        return None
    return max(50, int(usec) // 2000)
