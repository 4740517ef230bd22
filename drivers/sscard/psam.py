"""Card authentication with the terminal's PSAM: what proves a social-security card is genuine.

Anyone can program a card that answers SELECT and READ RECORD with someone else's number; only
the card's key, diversified from the issuer's master key by the card's own number, proves it was
issued. The PSAM holds the master key and never lets it out; the terminal only relays:

1. *Internal authentication* (the card proves itself): the terminal sends the card a fresh random
   challenge (``00 88``); the card encrypts it with its internal key; the PSAM, told the card's
   number (``80 1A``, diversify), encrypts the same challenge (``80 FA``) and the terminal compares.
2. *External authentication* (the terminal proves itself, unlocking protected files on 3rd-generation
   cards): ``00 84`` GET CHALLENGE from the card, encrypted by the PSAM under the card's external key,
   sent back with ``00 82``.

The real command set and keys belong to the issuer and are not public; this module uses the same
shape with SM4 and test keys (:data:`TEST_MASTER_KEY`), and talks to any PSAM through a
``transmit`` function: the emulated PSAM in process, or a PSAM in a PC/SC slot.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable

from drivers.sscard import apdu as a
from drivers.sscard.errors import CardNotGenuine, PsamError

Transmit = Callable[[bytes], bytes]

# Test keys only: a simulator's issuer. A deployment's PSAM holds the issuer's real master key.
TEST_MASTER_KEY = bytes.fromhex("53494d554c41544f522d4d4b2d303031")  # 'SIMULATOR-MK-001'
KEY_INTERNAL, KEY_EXTERNAL = 0x01, 0x02
BLOCK = 16

INS_INTERNAL_AUTH, INS_GET_CHALLENGE, INS_EXTERNAL_AUTH = 0x88, 0x84, 0x82
INS_PSAM_DIVERSIFY, INS_PSAM_CIPHER = 0x1A, 0xFA


def sm4_encrypt(key: bytes, block: bytes) -> bytes:
    """One SM4 block (ECB): the cipher social-security PSAMs name (SSF33 is the other)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    return encryptor.update(block) + encryptor.finalize()


def diversification_data(card_number: str) -> bytes:
    """The card's number (9 ASCII characters on the card) as one 16-byte block."""
    raw = card_number.encode("ascii", errors="replace")[:BLOCK]
    return raw + b"\x00" * (BLOCK - len(raw))


def card_key(master: bytes, card_number: str, usage: int) -> bytes:
    """The key an issuer writes into a card: the master key's encryption of the card's number.

    Internal and external keys differ by the usage byte mixed into the last byte of the block.
    """
    data = bytearray(diversification_data(card_number))
    data[-1] ^= usage
    return sm4_encrypt(master, bytes(data))


def _check(response: bytes, what: str, error: type[Exception]) -> bytes:
    data, sw = a.split_sw(response)
    if sw != a.SW_OK:
        raise error(f"{what} answered {sw:04X}")
    return data


class Psam:
    """The terminal's PSAM behind a ``transmit`` function (in-process emulation or a PC/SC slot)."""

    def __init__(self, transmit: Transmit, random_bytes: Callable[[int], bytes] = os.urandom):
        self._transmit = transmit
        self._random = random_bytes

    def cipher(self, card_number: str, usage: int, block: bytes) -> bytes:
        """Ask the PSAM to encrypt ``block`` under the card's diversified key for ``usage``."""
        _check(
            self._transmit(
                bytes([0x80, INS_PSAM_DIVERSIFY, usage, 0x00, BLOCK]) + diversification_data(card_number)
            ),
            "PSAM DIVERSIFY",
            PsamError,
        )
        out = _check(
            self._transmit(bytes([0x80, INS_PSAM_CIPHER, 0x00, 0x00, BLOCK]) + block + bytes([BLOCK])),
            "PSAM CIPHER DATA",
            PsamError,
        )
        if len(out) != BLOCK:
            raise PsamError(f"PSAM CIPHER DATA gave {len(out)} bytes")
        return out

    def authenticate(self, card: Transmit, card_number: str) -> None:
        """Internal then external authentication of ``card``; raise CardNotGenuine if it fails."""
        challenge = self._random(BLOCK)
        response = card(bytes([0x00, INS_INTERNAL_AUTH, 0x00, 0x00, BLOCK]) + challenge + bytes([BLOCK]))
        data, sw = a.split_sw(response)
        if sw != a.SW_OK or len(data) != BLOCK:
            raise CardNotGenuine(f"INTERNAL AUTHENTICATE answered {sw:04X} with {len(data)} bytes")
        expected = self.cipher(card_number, KEY_INTERNAL, challenge)
        if not hmac.compare_digest(data, expected):
            raise CardNotGenuine("INTERNAL AUTHENTICATE: the card's answer is not the issuer key's")
        card_challenge = _check(
            card(bytes([0x00, INS_GET_CHALLENGE, 0x00, 0x00, BLOCK])), "GET CHALLENGE", CardNotGenuine
        )
        if len(card_challenge) != BLOCK:
            raise CardNotGenuine(f"GET CHALLENGE gave {len(card_challenge)} bytes")
        proof = self.cipher(card_number, KEY_EXTERNAL, card_challenge)
        _check(
            card(bytes([0x00, INS_EXTERNAL_AUTH, 0x00, 0x00, BLOCK]) + proof),
            "EXTERNAL AUTHENTICATE",
            CardNotGenuine,
        )


class EmulatedPsam:
    """A PSAM holding the issuer master key, as a card object the vpcd emulator can also serve."""

    atr = bytes.fromhex("3B6900005053414D2D53494D")  # 'PSAM-SIM' historical bytes

    def __init__(self, master_key: bytes = TEST_MASTER_KEY) -> None:
        self._master = master_key
        self._key: bytes | None = None
        self.log: list[str] = []

    def reset(self) -> None:
        self._key = None

    def process(self, raw: bytes) -> bytes:
        try:
            cmd = a.Apdu.parse(raw)
        except ValueError:
            return b"\x67\x00"
        self.log.append(raw[:2].hex())
        if cmd.cla != 0x80:
            return b"\x6e\x00"
        if (
            cmd.ins == INS_PSAM_DIVERSIFY
            and cmd.p1 in (KEY_INTERNAL, KEY_EXTERNAL)
            and len(cmd.data) == BLOCK
        ):
            data = bytearray(cmd.data)
            data[-1] ^= cmd.p1
            self._key = sm4_encrypt(self._master, bytes(data))
            return b"\x90\x00"
        if cmd.ins == INS_PSAM_CIPHER and len(cmd.data) == BLOCK:
            if self._key is None:
                return b"\x69\x85"  # conditions of use not satisfied: no key derived
            return sm4_encrypt(self._key, cmd.data) + b"\x90\x00"
        return b"\x6d\x00"
