"""Read an Identity from a social-security card through any ``transmit`` function.

Independent of PC/SC so the same logic runs against pyscard, a vendor library or
the tests' emulator. Handles ``61xx`` (GET RESPONSE) and ``6Cxx`` (re-send with
the right Le), and turns "security status not satisfied" on a third-generation
card into :class:`CardNeedsPsam`, which the flow shows as "please use your ID card".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from common.card_tables import nation_name
from drivers.assurance import ASSURANCE_AUTHENTICATED, ASSURANCE_UNAUTHENTICATED
from drivers.identity import CARD_SOCIAL_SECURITY, SOURCE_SSCARD, Identity
from drivers.sscard import apdu as a
from drivers.sscard.errors import CardNeedsPsam, CardNotGenuine, CardReadError, NotSocialSecurityCard
from drivers.sscard.psam import Psam
from drivers.sscard.validate import check_an, check_items

Transmit = Callable[[bytes], bytes]  # command APDU -> response APDU (data + SW1 SW2)

PROTECTED = (a.SW_SECURITY, a.SW_CONDITIONS)


class SsCard:
    def __init__(self, transmit: Transmit, *, confirm_read: bool = True, psam: Psam | None = None):
        self._transmit = transmit
        self.confirm_read = confirm_read
        self.psam = psam  # None: no PSAM configured, the identity is read but stays unauthenticated
        self.version = ""
        self.apdus = 0
        self.raw: dict[str, bytes] = {}

    def send(self, command: bytes) -> tuple[bytes, int]:
        """Transmit, following 61xx with GET RESPONSE and answering 6Cxx with the right Le."""
        self.apdus += 1
        data, sw = a.split_sw(self._transmit(command))
        if sw >> 8 == 0x6C:
            self.apdus += 1
            data, sw = a.split_sw(self._transmit(a.with_le(command, sw & 0xFF)))
        collected = bytearray(data)
        for _ in range(32):  # a card cannot have more than a few KB to hand over
            if sw >> 8 != 0x61:
                break
            self.apdus += 1
            data, sw = a.split_sw(self._transmit(a.get_response(sw & 0xFF)))
            if sw >> 8 == 0x6C:
                data, sw = a.split_sw(self._transmit(a.get_response(sw & 0xFF)))
            collected += data
        return bytes(collected), sw

    def _relay(self, command: bytes) -> bytes:
        """Transmit for the PSAM exchange: 61xx/6Cxx followed, the status word put back."""
        data, sw = self.send(command)
        return data + sw.to_bytes(2, "big")

    def select_application(self) -> bytes:
        fci, sw = self.send(a.select_aid())
        if sw in (a.SW_FILE_NOT_FOUND, 0x6A81, 0x6D00, 0x6E00):
            raise NotSocialSecurityCard(f"SELECT SSSE answered {sw:04X}")
        if sw != a.SW_OK:
            raise CardReadError(f"SELECT SSSE answered {sw:04X}")
        return fci

    def select_file(self, fid: int) -> int:
        _, sw = self.send(a.select_file(fid))
        return sw

    def read_item(self, tag: int, length: int) -> tuple[bytes | None, int]:
        data, sw = self.send(a.read_record_by_tag(tag, length))
        if sw != a.SW_OK:
            return None, sw
        try:
            return a.parse_item(data, tag), sw
        except ValueError as exc:
            raise CardReadError(str(exc)) from None

    def read_file_items(self, fid: int) -> tuple[dict[str, str], list[str]]:
        """Every known item of one EF; returns (values, names refused for lack of authentication)."""
        values: dict[str, str] = {}
        refused: list[str] = []
        sw = self.select_file(fid)
        if sw in PROTECTED:
            return values, [name for ef, _t, name, _l, _k in a.ITEMS if ef == fid]
        if sw != a.SW_OK:
            raise CardReadError(f"SELECT {fid:04X} answered {sw:04X}")
        for ef, tag, name, length, kind in a.ITEMS:
            if ef != fid:
                continue
            value, sw = self.read_item(tag, length)
            if value is not None:
                self.raw[name] = value
                values[name] = a.decode_value(value, kind)
            elif sw in PROTECTED:
                refused.append(name)
            elif sw not in (a.SW_RECORD_NOT_FOUND, a.SW_FILE_NOT_FOUND):
                raise CardReadError(f"READ RECORD {tag:02X} answered {sw:04X}")
        return values, refused

    def read_identity(self) -> Identity:
        fci = self.select_application()
        ef05, _refused05 = self.read_file_items(a.EF05)
        self.version = ef05.get("version", "")
        assurance = ASSURANCE_UNAUTHENTICATED
        if self.psam is not None:
            if "card_number" not in ef05:
                raise CardNotGenuine("no card number to authenticate the card with")
            check_an("card_number", self.raw["card_number"])
            self.psam.authenticate(self._relay, ef05["card_number"])
            assurance = ASSURANCE_AUTHENTICATED
        ef06, refused06 = self.read_file_items(a.EF06)
        needed = {"id_number", "name"}
        if needed & set(refused06) or not needed <= set(ef06):
            if refused06 or self.version.startswith("3"):
                algorithm = "SM4" if b"SM4" in fci else ("SSF33" if b"SSF33" in fci else "")
                raise CardNeedsPsam(
                    f"version {self.version or '?'} card; EF06 needs PSAM authentication {algorithm}"
                )
            raise CardReadError("EF06 lacks the ID number or the name")
        if self.confirm_read:  # a transient line error must not become another person: read EF06 again
            first = {name: self.raw[name] for name in ef06}
            again, _ = self.read_file_items(a.EF06)
            if set(again) != set(ef06) or any(self.raw[name] != first[name] for name in again):
                raise CardReadError("two reads of EF06 disagree")
        check_items(self.raw)
        id_number = ef06["id_number"].upper()
        # merge the bytes, not the texts: the 30-byte cut may fall inside a character
        name = a.decode_gbk(self.raw["name"].rstrip(b"\x00") + self.raw.get("name_extension", b""))
        nation_code = ef06.get("nation", "")
        extra: dict[str, Any] = {
            k: ef05[k] for k in ("card_number", "card_id_code", "card_category", "issuer") if k in ef05
        }
        extra.update(
            version=self.version,
            birthplace=ef06.get("birthplace", ""),
            nation_code=nation_code,
            assurance=assurance,
        )
        if ef05.get("card_id_code"):
            extra["region"] = ef05["card_id_code"][:6]
        return Identity(
            card_type=CARD_SOCIAL_SECURITY,
            source=SOURCE_SSCARD,
            name=name,
            id_number=id_number,
            gender=ef06.get("gender", ""),
            nation=nation_name(nation_code) if nation_code else "",
            birth_date=ef06.get("birth_date", ""),
            valid_from=ef05.get("issue_date", ""),
            valid_to=ef05.get("expiry_date", ""),
            authority=ef05.get("issuer", ""),
            extra=extra,
        )
