"""Typed errors of the social-security card reader, each with a translation key."""

from __future__ import annotations

from drivers.base import DeviceError, DeviceState


class SsCardError(DeviceError):
    key = "error.sscard.generic"
    state = DeviceState.ONLINE  # card-level failures leave the reader usable


class NoService(SsCardError):
    """pcscd is not running (or went away): the reader loop waits for it to come back."""

    key = "error.sscard.no_service"
    state = DeviceState.NO_DEVICE


class NoReader(SsCardError):
    """pcscd runs but the configured reader is not connected."""

    key = "error.sscard.no_reader"
    state = DeviceState.NO_DEVICE


class NoCard(SsCardError):
    key = "error.sscard.no_card"


class CardRemovedDuringRead(SsCardError):
    key = "error.sscard.card_removed"


class NotSocialSecurityCard(SsCardError):
    """The card has no SSSE application (a bank card, a transit card...)."""

    key = "error.sscard.not_sscard"


class CardNeedsPsam(SsCardError):
    """A third-generation card whose personal data needs a PSAM this terminal lacks.

    Not a failure of the terminal: the citizen is asked to use the ID card instead.
    """

    key = "error.sscard.needs_psam"


class CardReadError(SsCardError):
    """An unexpected status word or malformed item."""

    key = "error.sscard.read_failed"


class InvalidCardData(SsCardError):
    key = "error.sscard.invalid_data"


class CardNotGenuine(SsCardError):
    """Card authentication with the PSAM failed: a clone or a forged card. The citizen uses the ID card."""

    key = "error.sscard.not_genuine"


class PsamError(SsCardError):
    """The terminal's PSAM did not answer as it should: card authentication is impossible right now."""

    key = "error.sscard.psam_failed"
