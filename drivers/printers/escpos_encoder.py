"""Receipt -> ESC/POS bytes, with the kiosk doing its own Chinese encoding.

python-escpos only switches to GB18030 when a string holds a CJK ideograph in
U+4E00..U+9FA5, so Chinese punctuation alone or rarer ideographs print as ``?``.
We therefore encode every line ourselves in the printer's own encoding (GB18030,
or GBK for older heads) and send raw bytes; the encoder is pure and fast (no I/O),
so the same bytes can be asserted in tests and measured in the bench.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.receipt import Receipt, ReceiptLine

ESC, GS, FS, LF = b"\x1b", b"\x1d", b"\x1c", b"\n"

INIT = ESC + b"@"
CHINESE_ON = FS + b"&"  # FS &: select Kanji/Chinese character mode (double-byte text)
ALIGN = {"left": ESC + b"a\x00", "center": ESC + b"a\x01", "right": ESC + b"a\x02"}
BOLD_ON, BOLD_OFF = ESC + b"E\x01", ESC + b"E\x00"
SIZE_DOUBLE, SIZE_NORMAL = GS + b"!\x11", GS + b"!\x00"
FULL_CUT, PARTIAL_CUT = GS + b"V\x00", GS + b"V\x01"

ENCODINGS = ("gb18030", "gbk")
# characters that a GBK head garbles or cannot print, replaced by a GBK equivalent before encoding
_GBK_SAFE = str.maketrans({"¥": "￥", "€": "EUR", "\u00a0": " ", "–": "-", "•": "·"})
# columns of font A (12 x 24 dots): 384 dots on 58 mm paper, 576 dots on 80 mm paper
COLUMNS = {58: 32, 80: 48}


@dataclass(frozen=True)
class EncoderSettings:
    """Per-printer settings (from the device URL): ``?encoding=gbk&width=58``."""

    encoding: str = "gb18030"
    width_mm: int = 80
    qr_size: int = 6  # module size in dots (1..16)
    qr_level: str = "M"  # L M Q H
    feed_before_cut: int = 4
    partial_cut: bool = False

    def __post_init__(self) -> None:
        if self.encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}")
        if self.width_mm not in COLUMNS:
            raise ValueError("width must be 58 or 80 (mm)")
        if not 1 <= self.qr_size <= 16 or self.qr_level not in "LMQH":
            raise ValueError("qr_size 1..16 and qr_level L/M/Q/H")

    @property
    def columns(self) -> int:
        return COLUMNS[self.width_mm]


def char_columns(ch: str) -> int:
    """Columns a character takes on the head: in Chinese mode every double-byte character is full width."""
    return 1 if ord(ch) < 0x80 else 2


def wrap(text: str, columns: int) -> list[str]:
    """Break a line where it would overflow the paper, counting CJK as two columns."""
    if not text:
        return [""]
    lines: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:
        width = char_columns(ch)
        if used + width > columns and current:
            lines.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += width
    lines.append("".join(current))
    return lines


def encode_text(text: str, encoding: str) -> bytes:
    """Text in the printer's encoding; GBK gets GBK-safe substitutes and '?' for the rest."""
    if encoding == "gbk":
        text = text.translate(_GBK_SAFE)
    return text.encode(encoding, errors="replace")


def qr_command(payload: str, size: int = 6, level: str = "M") -> bytes:
    """The printer's own QR code (``GS ( k``): about 80 bytes instead of a 4.5 KB raster image."""
    data = payload.encode("utf-8")
    if len(data) > 7089:
        raise ValueError("QR payload too long")
    store_len = len(data) + 3
    return b"".join(
        [
            GS + b"(k\x04\x001A2\x00",  # fn 165: model 2
            GS + b"(k\x03\x001C" + bytes([size]),  # fn 167: module size
            GS + b"(k\x03\x001E" + bytes([0x30 + "LMQH".index(level)]),  # fn 169: error correction
            GS + b"(k" + bytes([store_len & 0xFF, store_len >> 8]) + b"1P0" + data,  # fn 180: store
            GS + b"(k\x03\x001Q0",  # fn 181: print
        ]
    )


def encode_line(line: ReceiptLine, settings: EncoderSettings) -> bytes:
    columns = settings.columns // (2 if line.double else 1)
    out = [
        ALIGN.get(line.align, ALIGN["left"]),
        BOLD_ON if line.bold else BOLD_OFF,
        SIZE_DOUBLE if line.double else SIZE_NORMAL,
    ]
    for part in wrap(line.text, columns):
        out.append(encode_text(part, settings.encoding) + LF)
    return b"".join(out)


def encode_receipt(receipt: Receipt, settings: EncoderSettings | None = None) -> bytes:
    """The complete job: init, Chinese mode, lines, QR, feed and cut."""
    settings = settings or EncoderSettings()
    out = [INIT, CHINESE_ON]
    out.extend(encode_line(line, settings) for line in receipt.lines)
    out.append(ALIGN["left"] + BOLD_OFF + SIZE_NORMAL)
    if receipt.qr:
        out.append(
            ALIGN["center"] + qr_command(receipt.qr, settings.qr_size, settings.qr_level) + LF + ALIGN["left"]
        )
    if receipt.rate_qr:  # rate later on a phone: its caption, then its own QR code
        out.extend(encode_line(line, settings) for line in receipt.rate_lines)
        out.append(ALIGN["left"] + BOLD_OFF + SIZE_NORMAL)
        out.append(
            ALIGN["center"]
            + qr_command(receipt.rate_qr, settings.qr_size, settings.qr_level)
            + LF
            + ALIGN["left"]
        )
    if receipt.cut:
        out.append(ESC + b"d" + bytes([settings.feed_before_cut]))
        out.append(PARTIAL_CUT if settings.partial_cut else FULL_CUT)
    return b"".join(out)
