"""Typed errors of the ID-card reader, one per SAM status code, each with a translation key.

The key tells the citizen what to do (``error.idcard.no_card``); ``detail`` is for
technicians and never carries personal data. Statuses the reference does not list
map to :class:`UnknownStatus` so a new module firmware never crashes the loop.
"""

from __future__ import annotations

from drivers.base import DeviceError, DeviceState, DeviceTimeout


class IdCardError(DeviceError):
    """Base of every ID-card reader failure."""

    key = "error.idcard.generic"
    state = DeviceState.ONLINE  # most card-level failures leave the reader usable


class FrameError(IdCardError):
    """A reply that is not a well-formed frame (bad length, truncated, garbage)."""

    key = "error.idcard.frame"


class ChecksumError(FrameError):
    """The XOR checksum of a reply does not match: the line is noisy, the command is retried."""

    key = "error.idcard.checksum"


class ReadMismatch(FrameError):
    """Two reads of the same card disagree: a line error slipped past the XOR checksum; read again."""

    key = "error.idcard.read_mismatch"


class NoResponse(IdCardError, DeviceTimeout):
    """The module did not answer within the command's timeout."""

    key = "error.idcard.no_response"
    state = DeviceState.OFFLINE


class PortError(IdCardError):
    """The serial port cannot be opened or went away (reader unplugged)."""

    key = "error.idcard.no_device"
    state = DeviceState.NO_DEVICE


class CardLifted(IdCardError):
    """The card was taken away before its data could be read."""

    key = "error.idcard.card_lifted"


class InvalidCardData(IdCardError):
    """The text block does not parse (wrong check character, impossible layout)."""

    key = "error.idcard.invalid_data"


class StatusError(IdCardError):
    """The SAM answered with a status other than success."""

    status: int = -1

    def __init__(self, detail: str = "", *, status: int | None = None):
        if status is not None:
            self.status = status
        super().__init__(detail or f"SAM status {self.status:#04x}")


def _status(
    code: int, name: str, key: str, state: DeviceState = DeviceState.ONLINE, doc: str = ""
) -> type[StatusError]:
    cls = type(
        name,
        (StatusError,),
        {"status": code, "key": key, "state": state, "__doc__": doc, "__module__": __name__},
    )
    return cls


SamChecksumError = _status(
    0x10,
    "SamChecksumError",
    "error.idcard.sam_checksum",
    doc="The SAM received a request with a bad checksum (line noise).",
)
SamLengthError = _status(
    0x11, "SamLengthError", "error.idcard.sam_length", doc="The SAM received a request with a bad length."
)
BadCommand = _status(
    0x21, "BadCommand", "error.idcard.bad_command", doc="The SAM does not know this command or parameter."
)
Unauthorized = _status(
    0x23, "Unauthorized", "error.idcard.unauthorized", doc="The operation is not authorised."
)
UnrecognizedError = _status(
    0x24, "UnrecognizedError", "error.idcard.unrecognized", doc="The SAM reports an error it does not name."
)
CardAuthFailed = _status(
    0x31, "CardAuthFailed", "error.idcard.card_auth", doc="The card failed to authenticate the SAM."
)
SamAuthFailed = _status(
    0x32,
    "SamAuthFailed",
    "error.idcard.sam_auth",
    doc="The SAM failed to authenticate the card (forged or damaged card).",
)
VerifyFailed = _status(
    0x33, "VerifyFailed", "error.idcard.verify", doc="The card's information failed verification."
)
UnsupportedCardType = _status(
    0x40,
    "UnsupportedCardType",
    "error.idcard.unsupported_card",
    doc="Unrecognised card type; older modules answer this for I/J/Y cards.",
)
CardReadFailed = _status(
    0x41,
    "CardReadFailed",
    "error.idcard.read_failed",
    doc="Reading the card failed (moved, lifted, damaged).",
)
RandomFailed = _status(
    0x47, "RandomFailed", "error.idcard.random_failed", doc="Getting a random number from the card failed."
)
SamSelfTestFailed = _status(
    0x60,
    "SamSelfTestFailed",
    "error.idcard.sam_selftest",
    DeviceState.HARDWARE_ERROR,
    doc="The SAM self-test failed: the module needs service.",
)
SamNotAuthorized = _status(
    0x66,
    "SamNotAuthorized",
    "error.idcard.sam_not_authorized",
    DeviceState.HARDWARE_ERROR,
    doc="The SAM is not authorised: the module needs service.",
)
FindCardFailed = _status(
    0x80,
    "FindCardFailed",
    "error.idcard.no_card",
    doc="No card in the field (or a card already read and not yet lifted).",
)
SelectCardFailed = _status(
    0x81,
    "SelectCardFailed",
    "error.idcard.select_failed",
    doc="Selecting the card failed (lifted, or a card already read).",
)
ItemEmpty = _status(
    0x91,
    "ItemEmpty",
    "error.idcard.item_empty",
    doc="The requested item is not on the card (e.g. no newer address).",
)


class UnknownStatus(StatusError):
    """A status byte the reference does not list."""

    key = "error.idcard.status_unknown"


STATUS_ERRORS: dict[int, type[StatusError]] = {
    cls.status: cls
    for cls in (
        SamChecksumError,
        SamLengthError,
        BadCommand,
        Unauthorized,
        UnrecognizedError,
        CardAuthFailed,
        SamAuthFailed,
        VerifyFailed,
        UnsupportedCardType,
        CardReadFailed,
        RandomFailed,
        SamSelfTestFailed,
        SamNotAuthorized,
        FindCardFailed,
        SelectCardFailed,
        ItemEmpty,
    )
}


def status_error(status: int) -> StatusError:
    """The typed error for a non-success status byte."""
    cls = STATUS_ERRORS.get(status)
    if cls is None:
        return UnknownStatus(status=status)
    return cls()
