"""The simulator's end of a serial line: a pseudo-terminal behind a stable port name.

The real driver opens the slave end (through a symlink, so "unplugging" and "replugging" keep the same
port name) with pyserial like any USB-serial adapter; this module owns the master end. It only moves
bytes — at the line's real pace if asked — and knows nothing of the SAM protocol, so the same port
could carry another simulated serial device.
"""

from __future__ import annotations

import contextlib
import os
import select
import tempfile
import termios
import threading
import time
import tty
from pathlib import Path

from drivers.idcard import protocol as p

BAUD_CONSTANTS = {getattr(termios, f"B{b}"): b for b in (9600, 19200, 38400, 57600, 115200)}


class PtyPort:
    """A pty whose slave is reachable at :attr:`name`; :meth:`read` blocks until data or :meth:`wake`."""

    def __init__(self, link: str | Path | None = None) -> None:
        self._link = Path(link) if link else None
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        self._lock = threading.RLock()
        self._master = -1
        self._slave = -1
        self._wake_r, self._wake_w = -1, -1

    @property
    def name(self) -> str:
        """The stable port name (a symlink to the current pty slave)."""
        if self._link is None:
            raise RuntimeError("simulator not started")
        return str(self._link)

    # ---- lifecycle -------------------------------------------------------------------------------
    def open(self) -> None:
        if self._link is None:
            self._tmpdir = tempfile.TemporaryDirectory(prefix="samsim-")
            self._link = Path(self._tmpdir.name) / "ttySAM0"
        self._wake_r, self._wake_w = os.pipe()
        self.plug()

    def close(self) -> None:
        with self._lock:
            self._unplug_locked()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._wake_r = self._wake_w = -1
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None
            self._link = None

    def plug(self) -> None:
        """A new pty, and the port name pointed at its slave (atomically, so a reader never sees no link)."""
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        with self._lock:
            assert self._link is not None
            self._master, self._slave = master, slave
            tmp = self._link.with_name(self._link.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            os.symlink(os.ttyname(slave), tmp)
            os.replace(tmp, self._link)
        self.wake()

    def unplug(self) -> None:
        """The reader's USB cable is pulled: the port disappears."""
        with self._lock:
            self._unplug_locked()
        self.wake()

    def replug(self) -> None:
        """Plugged back in: a new pty behind the same port name."""
        with self._lock:
            if self._master >= 0:
                return
        self.plug()

    def _unplug_locked(self) -> None:
        for fd in (self._master, self._slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = -1
        if self._link is not None:
            with contextlib.suppress(FileNotFoundError):
                self._link.unlink()

    def wake(self) -> None:
        """Make a blocked :meth:`read` return (to notice a stop, a replug)."""
        if self._wake_w >= 0:
            with contextlib.suppress(OSError):
                os.write(self._wake_w, b"x")

    # ---- bytes -------------------------------------------------------------------------------------
    def read(self) -> bytes | None:
        """Wait for what the driver wrote; None when woken, unplugged or the slave is not open."""
        with self._lock:
            master = self._master
        fds = [self._wake_r] + ([master] if master >= 0 else [])
        try:
            readable, _, _ = select.select(fds, [], [])
        except (OSError, ValueError):
            time.sleep(0.01)
            return None
        if self._wake_r in readable:
            os.read(self._wake_r, 64)
        if master < 0 or master not in readable:
            return None
        try:
            return os.read(master, 4096)
        except BlockingIOError:
            return None
        except OSError:
            # EIO: no process has the slave open; wait for the next wake-up or data
            time.sleep(0.01)
            return None

    def line_speed(self) -> int | None:
        """The baud rate the driver set on its end, None if unplugged or not a standard rate."""
        with self._lock:
            if self._slave < 0:
                return None
            attrs = termios.tcgetattr(self._slave)
        return BAUD_CONSTANTS.get(attrs[4])

    def write(self, data: bytes, pace_baud: int | None = None) -> int:
        """Write ``data``, at ``pace_baud``'s real speed if given (10 bits a byte); returns bytes written."""
        with self._lock:
            master = self._master
        if master < 0:
            return 0
        start = time.monotonic()
        chunk = 32 if pace_baud else len(data)
        sent = 0
        while sent < len(data):
            piece = data[sent : sent + chunk]
            if pace_baud:  # a byte is readable only once its last bit is on the wire
                delay = start + p.wire_time(sent + len(piece), pace_baud) - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            try:
                written = os.write(master, piece)
            except BlockingIOError:
                if not select.select([], [master], [], 1.0)[1]:
                    break  # nobody reads: drop the rest like a line with no one listening
                continue
            except OSError:
                break
            sent += written
        return sent
