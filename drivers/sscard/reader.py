"""Social-security card reader over PC/SC: a thread waiting on SCardGetStatusChange.

Uses pyscard's thin ``smartcard.scard`` layer rather than ``CardMonitor`` because
the monitor threads die with pcscd; here one loop owns the context, blocks in
GetStatusChange (so an idle reader costs nothing), reads the card on insertion,
reports removal, and re-establishes the context when pcscd comes back.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from drivers.base import DeviceState, HealthReport, StatefulDevice
from drivers.events import CardPresented, CardReadFailed, CardRemoved
from drivers.identity import Identity
from drivers.sscard.card import SsCard
from drivers.sscard.errors import (
    CardReadError,
    CardRemovedDuringRead,
    NoCard,
    NoReader,
    NoService,
    PsamError,
    SsCardError,
)
from drivers.sscard.psam import Psam, Transmit

PsamSource = Transmit | str | None  # in-process PSAM, the PC/SC reader holding it, or none

log = logging.getLogger(__name__)


def _scard() -> Any:  # pyscard ships no types
    from smartcard import scard  # optional dependency, imported when a PC/SC reader is used

    return scard


def _service_gone(scard: Any, hresult: int) -> bool:
    return hresult in (
        scard.SCARD_E_NO_SERVICE,
        scard.SCARD_E_SERVICE_STOPPED,
        scard.SCARD_E_INVALID_HANDLE,
        scard.SCARD_F_COMM_ERROR,
        scard.SCARD_E_NO_READERS_AVAILABLE,
    )


class PcscContext:
    """One SCARD context; raises typed errors for the failures the loop handles."""

    def __init__(self) -> None:
        self.scard = _scard()
        hresult, self.handle = self.scard.SCardEstablishContext(self.scard.SCARD_SCOPE_USER)
        if hresult != self.scard.SCARD_S_SUCCESS:
            raise NoService(f"SCardEstablishContext: {self.scard.SCardGetErrorMessage(hresult)}")

    def readers(self) -> list[str]:
        hresult, readers = self.scard.SCardListReaders(self.handle, [])
        if hresult == self.scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if hresult != self.scard.SCARD_S_SUCCESS:
            raise NoService(f"SCardListReaders: {self.scard.SCardGetErrorMessage(hresult)}")
        return list(readers)

    def release(self) -> None:
        self.scard.SCardReleaseContext(self.handle)

    def _with_pcsc_psam(self, reader: str, psam_reader: str) -> Identity:
        """Read ``reader``'s card with the PSAM in the PC/SC reader whose name contains ``psam_reader``."""
        s = self.scard
        slot = next((r for r in self.readers() if psam_reader in r and r != reader), None)
        if slot is None:
            raise PsamError(f"no PSAM reader matching {psam_reader!r}")
        hresult, hpsam, protocol = s.SCardConnect(
            self.handle, slot, s.SCARD_SHARE_SHARED, s.SCARD_PROTOCOL_T0 | s.SCARD_PROTOCOL_T1
        )
        if hresult != s.SCARD_S_SUCCESS:
            raise PsamError(f"PSAM connect: {s.SCardGetErrorMessage(hresult)}")

        def transmit(command: bytes) -> bytes:
            result, response = s.SCardTransmit(hpsam, protocol, list(command))
            if result != s.SCARD_S_SUCCESS:
                raise PsamError(f"PSAM transmit: {s.SCardGetErrorMessage(result)}")
            return bytes(response)

        try:
            return self.read(reader, transmit)
        finally:
            s.SCardDisconnect(hpsam, s.SCARD_LEAVE_CARD)

    def cancel(self) -> None:
        self.scard.SCardCancel(self.handle)

    def read(self, reader: str, psam: PsamSource = None) -> Identity:
        """Connect to the card in ``reader``, read it, and leave it powered for the next reader.

        With a PSAM (an object with ``transmit``, or the name of the PC/SC reader holding it) the
        card is authenticated before its personal data is read; without one the identity is marked
        unauthenticated.
        """
        if isinstance(psam, str):
            return self._with_pcsc_psam(reader, psam)
        s = self.scard
        hresult, hcard, protocol = s.SCardConnect(
            self.handle, reader, s.SCARD_SHARE_SHARED, s.SCARD_PROTOCOL_T0 | s.SCARD_PROTOCOL_T1
        )
        if hresult in (s.SCARD_E_NO_SMARTCARD, s.SCARD_W_REMOVED_CARD):
            raise CardRemovedDuringRead("no card at connect")
        if hresult != s.SCARD_S_SUCCESS:
            raise CardReadError(f"SCardConnect: {s.SCardGetErrorMessage(hresult)}")

        def transmit(command: bytes) -> bytes:
            result, response = s.SCardTransmit(hcard, protocol, list(command))
            if result in (s.SCARD_W_REMOVED_CARD, s.SCARD_E_NO_SMARTCARD, s.SCARD_W_RESET_CARD):
                raise CardRemovedDuringRead(s.SCardGetErrorMessage(result))
            if result != s.SCARD_S_SUCCESS:
                if _service_gone(s, result):
                    raise NoService(s.SCardGetErrorMessage(result))
                raise CardReadError(f"SCardTransmit: {s.SCardGetErrorMessage(result)}")
            return bytes(response)

        # exclusive for the few milliseconds of the read: another PC/SC client (a second kiosk
        # process, a technician's tool) must not interleave its SELECTs with ours
        hresult = s.SCardBeginTransaction(hcard)
        try:
            if hresult != s.SCARD_S_SUCCESS:
                if hresult in (s.SCARD_W_REMOVED_CARD, s.SCARD_E_NO_SMARTCARD):
                    raise CardRemovedDuringRead("card gone at begin transaction")
                raise CardReadError(f"SCardBeginTransaction: {s.SCardGetErrorMessage(hresult)}")
            return SsCard(transmit, psam=Psam(psam) if psam is not None else None).read_identity()
        finally:
            if hresult == s.SCARD_S_SUCCESS:
                s.SCardEndTransaction(hcard, s.SCARD_LEAVE_CARD)
            s.SCardDisconnect(hcard, s.SCARD_LEAVE_CARD)


class SsCardReader(StatefulDevice):
    """A PC/SC reader holding social-security cards. ``reader_name`` matches a substring; None: the first."""

    name = "sscard"

    def __init__(
        self,
        reader_name: str | None = None,
        *,
        wait_ms: int = 500,
        reconnect_interval: float = 0.5,
        psam: PsamSource = None,
    ):
        super().__init__()
        self.reader_name = reader_name
        # the terminal's PSAM: a transmit function (emulated, vendor library) or a PC/SC reader name;
        # None: no PSAM, social-security identities are unauthenticated
        self.psam = psam
        self.wait_ms = wait_ms
        self.reconnect_interval = reconnect_interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._context: PcscContext | None = None
        self._card_present = False
        self.current_reader: str | None = None
        self.contexts_established = 0

    # ---- lifecycle ---------------------------------------------------------------------------------
    def open(self, wait: float = 2.0) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        first = threading.Event()
        unsubscribe = self.events.subscribe(lambda _e: first.set())
        self._thread = threading.Thread(target=self._run, name=f"{self.name}-reader", daemon=True)
        self._thread.start()
        first.wait(wait)
        unsubscribe()

    def close(self) -> None:
        self._stop.set()
        context = self._context
        if context is not None:
            context.cancel()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._card_present = False
        self._set_state(DeviceState.OFFLINE, "state.closed")

    def health(self) -> HealthReport:
        checks: dict[str, str] = {}
        try:
            context = PcscContext()
        except NoService as exc:
            return HealthReport(self.name, False, {"pcscd": exc.key})
        try:
            checks["pcscd"] = "ok"
            checks["reader"] = "ok" if self._pick(context.readers()) else "error.sscard.no_reader"
        except SsCardError as exc:
            checks["reader"] = exc.key
        finally:
            context.release()
        return HealthReport(self.name, all(v == "ok" for v in checks.values()), checks)

    def _pick(self, readers: list[str]) -> str | None:
        if self.reader_name is None:
            return readers[0] if readers else None
        return next((r for r in readers if self.reader_name in r), None)

    # ---- one-shot read (CLI) -----------------------------------------------------------------------
    def read_card(self, timeout: float = 10.0) -> Identity:
        s = _scard()
        context = PcscContext()
        try:
            reader = self._pick(context.readers())
            if reader is None:
                raise NoReader(f"no reader matching {self.reader_name!r}")
            deadline = time.monotonic() + timeout
            state = s.SCARD_STATE_UNAWARE
            while True:
                remaining = int(max(0.0, deadline - time.monotonic()) * 1000)
                hresult, states = s.SCardGetStatusChange(context.handle, remaining, [(reader, state)])
                if hresult == s.SCARD_E_TIMEOUT:
                    raise NoCard("no card inserted in time")
                if hresult != s.SCARD_S_SUCCESS:
                    raise NoService(s.SCardGetErrorMessage(hresult))
                state = states[0][1] & ~s.SCARD_STATE_CHANGED
                if state & s.SCARD_STATE_PRESENT:
                    return context.read(reader, self.psam)
        finally:
            context.release()

    # ---- the loop ----------------------------------------------------------------------------------
    def _run(self) -> None:
        s = _scard()
        while not self._stop.is_set():
            try:
                self._context = PcscContext()
                self.contexts_established += 1
            except NoService as exc:
                self._set_state(exc.state, exc.key, exc.detail)
                self._stop.wait(self.reconnect_interval)
                continue
            try:
                self._watch(s, self._context)
            except SsCardError as exc:
                self._set_state(
                    exc.state if exc.state != DeviceState.ONLINE else DeviceState.OFFLINE, exc.key, exc.detail
                )
            except Exception as exc:  # keep the loop alive whatever happens
                log.exception("sscard loop error")
                self._set_state(DeviceState.HARDWARE_ERROR, "error.sscard.generic", type(exc).__name__)
            finally:
                context, self._context = self._context, None
                if context is not None:
                    context.release()
            if self._card_present:
                self._card_present = False
                self.events.emit(CardRemoved(self.name))
            self._stop.wait(self.reconnect_interval)

    def _watch(self, s: Any, context: PcscContext) -> None:
        """Follow one reader until pcscd or the reader goes away (raise) or we are closed (return)."""
        reader = self._pick(context.readers())
        if reader is None:
            raise NoReader(f"no PC/SC reader matching {self.reader_name!r}")
        self.current_reader = reader
        self._set_state(DeviceState.ONLINE)
        state = s.SCARD_STATE_UNAWARE
        while not self._stop.is_set():
            hresult, states = s.SCardGetStatusChange(context.handle, self.wait_ms, [(reader, state)])
            if hresult == s.SCARD_E_TIMEOUT:
                continue
            if hresult == s.SCARD_E_CANCELLED:
                return
            if hresult in (s.SCARD_E_UNKNOWN_READER, s.SCARD_E_READER_UNAVAILABLE):
                raise NoReader(f"reader gone: {s.SCardGetErrorMessage(hresult)}")
            if hresult != s.SCARD_S_SUCCESS:
                raise NoService(f"SCardGetStatusChange: {s.SCardGetErrorMessage(hresult)}")
            event = states[0][1]
            state = event & ~s.SCARD_STATE_CHANGED
            if event & s.SCARD_STATE_UNAVAILABLE:
                raise NoReader("reader unavailable")
            present = bool(event & s.SCARD_STATE_PRESENT)
            if present and not self._card_present:
                self._card_present = True
                self._read_and_emit(context, reader)
            elif not present and self._card_present:
                self._card_present = False
                self.events.emit(CardRemoved(self.name))

    def _read_and_emit(self, context: PcscContext, reader: str) -> None:
        self._set_state(DeviceState.BUSY, "state.reading")
        try:
            identity = context.read(reader, self.psam)
        except NoService:
            raise
        except SsCardError as error:
            log.info("sscard: read failed: %s", error.key)
            self._set_state(DeviceState.ONLINE)
            self.events.emit(CardReadFailed(self.name, error))
            return
        self._set_state(DeviceState.ONLINE)
        log.info("sscard: card read (version %s)", identity.extra.get("version", "?"))
        self.events.emit(CardPresented(self.name, identity))
