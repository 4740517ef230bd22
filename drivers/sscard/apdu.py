"""APDUs and data items of the social-security card (pure functions, no I/O).

The SSSE application is selected by name, its elementary files by id, and data
items are read with READ RECORD addressed by tag (P1 = tag, P2 = 00); a reply is
``tag len value`` followed by the status word.
"""

from __future__ import annotations

from dataclasses import dataclass

SSSE_AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")  # 'sx1.sh.' + GBK '社会保障'
EF05, EF06, EF07, EF08 = 0xEF05, 0xEF06, 0xEF07, 0xEF08

SW_OK = 0x9000
SW_SECURITY = 0x6982  # security status not satisfied (3rd-generation card without PSAM authentication)
SW_CONDITIONS = 0x6985
SW_FILE_NOT_FOUND = 0x6A82
SW_RECORD_NOT_FOUND = 0x6A83

# (file, tag, name, length, kind): kind is 'an' (ASCII, 00-padded), 'cn' (BCD, F-padded), 'gbk', 'b' (binary)
ITEMS: list[tuple[int, int, str, int, str]] = [
    (EF05, 0x01, "card_id_code", 16, "b"),  # first 3 bytes: region (BCD)
    (EF05, 0x02, "card_category", 1, "an"),
    (EF05, 0x03, "version", 4, "an"),
    (EF05, 0x04, "issuer", 12, "an"),
    (EF05, 0x05, "issue_date", 4, "cn"),
    (EF05, 0x06, "expiry_date", 4, "cn"),
    (EF05, 0x07, "card_number", 9, "an"),
    (EF06, 0x08, "id_number", 18, "an"),
    (EF06, 0x09, "name", 30, "gbk"),
    (EF06, 0x4E, "name_extension", 20, "gbk"),
    (EF06, 0x0A, "gender", 1, "an"),
    (EF06, 0x0B, "nation", 1, "cn"),
    (EF06, 0x0C, "birthplace", 3, "cn"),
    (EF06, 0x0D, "birth_date", 4, "cn"),
]
ITEM_BY_NAME = {name: (ef, tag, length, kind) for ef, tag, name, length, kind in ITEMS}


def select_aid(aid: bytes = SSSE_AID) -> bytes:
    return bytes([0x00, 0xA4, 0x04, 0x00, len(aid)]) + aid


def select_file(fid: int) -> bytes:
    return bytes([0x00, 0xA4, 0x02, 0x00, 0x02]) + fid.to_bytes(2, "big")


def read_record_by_tag(tag: int, length: int) -> bytes:
    """READ RECORD for a data item; Le covers tag + length bytes + value."""
    return bytes([0x00, 0xB2, tag, 0x00, (length + 2) & 0xFF])


def get_response(le: int) -> bytes:
    return bytes([0x00, 0xC0, 0x00, 0x00, le & 0xFF])


def with_le(apdu: bytes, le: int) -> bytes:
    """The same case-2 APDU with another Le (answer to 6Cxx)."""
    return apdu[:4] + bytes([le & 0xFF])


def split_sw(response: bytes) -> tuple[bytes, int]:
    if len(response) < 2:
        return b"", 0x6F00
    return bytes(response[:-2]), int.from_bytes(response[-2:], "big")


def parse_item(data: bytes, tag: int) -> bytes:
    """Value of a ``tag len value`` reply; a mismatch raises ValueError."""
    if len(data) < 2 or data[0] != tag:
        raise ValueError(f"item {tag:#04x}: reply does not start with its tag")
    length = data[1]
    if len(data) < 2 + length:
        raise ValueError(f"item {tag:#04x}: {len(data) - 2} bytes, length says {length}")
    return bytes(data[2 : 2 + length])


def encode_item(tag: int, value: bytes) -> bytes:
    return bytes([tag, len(value)]) + value


def decode_bcd(value: bytes) -> str:
    """``19 90 01 01`` -> '19900101'; F padding removed."""
    return value.hex().upper().rstrip("F")


def encode_bcd(digits: str, length: int) -> bytes:
    digits = digits + "F" * (2 * length - len(digits))
    return bytes.fromhex(digits[: 2 * length])


def decode_an(value: bytes) -> str:
    return value.split(b"\x00", 1)[0].decode("ascii", errors="replace").strip()


def encode_an(text: str, length: int) -> bytes:
    raw = text.encode("ascii")[:length]
    return raw + b"\x00" * (length - len(raw))


def decode_gbk(value: bytes) -> str:
    """GBK text, 00- or space-padded; undecodable bytes become U+FFFD rather than an exception.

    Decoded as GB 18030, GBK's superset, so a rare character written in its four-byte
    form (or in the user-defined area) comes out as itself instead of breaking the name.
    """
    return value.rstrip(b"\x00").decode("gb18030", errors="replace").strip()


def encode_gbk(text: str, length: int) -> bytes:
    raw = text.encode("gb18030")[:length]
    return raw + b"\x00" * (length - len(raw))


def decode_value(value: bytes, kind: str) -> str:
    if kind == "cn":
        return decode_bcd(value)
    if kind == "gbk":
        return decode_gbk(value)
    if kind == "an":
        return decode_an(value)
    return value.hex().upper()


def encode_value(text: str, length: int, kind: str) -> bytes:
    if kind == "cn":
        return encode_bcd(text, length)
    if kind == "gbk":
        return encode_gbk(text, length)
    if kind == "b":
        raw = bytes.fromhex(text)[:length]
        return raw + b"\x00" * (length - len(raw))
    return encode_an(text, length)


@dataclass(frozen=True)
class Apdu:
    """A parsed command APDU (used by the emulator)."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None

    @classmethod
    def parse(cls, raw: bytes) -> Apdu:
        if len(raw) < 4:
            raise ValueError("APDU shorter than 4 bytes")
        cla, ins, p1, p2 = raw[:4]
        body = raw[4:]
        if not body:
            return cls(cla, ins, p1, p2)
        if len(body) == 1:
            return cls(cla, ins, p1, p2, le=body[0] or 256)
        lc = body[0]
        data = body[1 : 1 + lc]
        le = (body[1 + lc] or 256) if len(body) > 1 + lc else None
        return cls(cla, ins, p1, p2, bytes(data), le)
