"""ESC/POS bytes -> what a printer would put on paper: text lines, QR payloads, cuts.

Used by the simulated printer (``simulator.printed``) and by tests, so an assertion
is about what the citizen holds (text, QR payload, a cut), not about byte layout.
Existing ESC/POS emulators are incomplete for double-byte Chinese, hence our own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from common.receipt import ReceiptLine

_ALIGN = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}


@dataclass
class DecodedReceipt:
    """One receipt as printed: ends at a cut (``cut`` False while the paper is still in the printer)."""

    lines: list[ReceiptLine] = field(default_factory=list)
    qr_codes: list[str] = field(default_factory=list)
    cut: bool = False
    partial_cut: bool = False

    def text(self) -> str:
        """The printed text lines joined by newlines (same contract as :meth:`Receipt.text`)."""
        return "\n".join(line.text for line in self.lines)

    @property
    def qr(self) -> str | None:
        """The first QR payload, like :attr:`Receipt.qr`."""
        return self.qr_codes[0] if self.qr_codes else None

    @property
    def empty(self) -> bool:
        return not self.lines and not self.qr_codes and not self.cut


@dataclass
class DecodeResult:
    receipts: list[DecodedReceipt]
    status_requests: int = 0  # DLE EOT n seen in the stream
    unknown: int = 0  # bytes the decoder did not understand

    @property
    def cuts(self) -> int:
        return sum(1 for r in self.receipts if r.cut)


def decode(data: bytes, encoding: str = "gb18030") -> DecodeResult:
    """Decode a whole byte stream; an empty trailing receipt (no text, no cut) is dropped."""
    receipts: list[DecodedReceipt] = []
    current = DecodedReceipt()
    text = bytearray()
    align, bold, double = "left", False, False
    qr_store: bytes | None = None
    after_qr = False
    status_requests = unknown = 0
    i, n = 0, len(data)

    def end_line() -> None:
        nonlocal text
        current.lines.append(ReceiptLine(bytes(text).decode(encoding, errors="replace"), align, bold, double))
        text = bytearray()

    while i < n:
        b = data[i]
        if b == 0x0A:  # LF
            if text or not after_qr:
                end_line()
            after_qr = False
            i += 1
        elif b == 0x0D:
            i += 1
        elif b == 0x10 and i + 2 < n and data[i + 1] == 0x04:  # DLE EOT n: real-time status, not printed
            status_requests += 1
            i += 3
        elif b == 0x1B and i + 1 < n:  # ESC
            cmd = data[i + 1]
            if cmd == 0x40:  # ESC @
                align, bold, double = "left", False, False
                i += 2
            elif cmd == 0x61 and i + 2 < n:  # ESC a n
                align = _ALIGN.get(data[i + 2], "left")
                i += 3
            elif cmd == 0x45 and i + 2 < n:  # ESC E n
                bold = bool(data[i + 2] & 1)
                i += 3
            elif cmd == 0x21 and i + 2 < n:  # ESC ! n
                double = bool(data[i + 2] & 0x30)
                bold = bool(data[i + 2] & 0x08)
                i += 3
            elif (
                cmd in (0x64, 0x4A, 0x74, 0x2D, 0x4D, 0x33) and i + 2 < n
            ):  # feed, codepage, underline, spacing
                i += 3
            elif cmd == 0x32:  # ESC 2
                i += 2
            else:
                unknown += 1
                i += 2
        elif b == 0x1C and i + 1 < n:  # FS & / FS .: Chinese mode on/off
            i += 2
        elif b == 0x1D and i + 1 < n:  # GS
            cmd = data[i + 1]
            if cmd == 0x21 and i + 2 < n:  # GS ! n
                double = data[i + 2] != 0
                i += 3
            elif cmd == 0x56 and i + 2 < n:  # GS V m [n]
                m = data[i + 2]
                i += 4 if m in (65, 66) else 3
                current.cut = True
                current.partial_cut = m in (1, 49, 66)
                if text:
                    end_line()
                receipts.append(current)
                current = DecodedReceipt()
            elif cmd == 0x28 and i + 4 < n:  # GS ( x pL pH ...: length-prefixed functions
                kind = data[i + 2]
                length = data[i + 3] | data[i + 4] << 8
                body = data[i + 5 : i + 5 + length]
                if kind == 0x6B and len(body) >= 3 and body[0] == 0x31:  # GS ( k, symbol = QR
                    fn = body[1]
                    if fn == 0x50:  # store the data
                        qr_store = bytes(body[3:])
                    elif fn == 0x51 and qr_store is not None:  # print the stored symbol
                        if text:
                            end_line()
                        current.qr_codes.append(qr_store.decode("utf-8", errors="replace"))
                        after_qr = True
                i += 5 + length
            elif cmd in (0x42, 0x48, 0x66, 0x68, 0x77) and i + 2 < n:
                i += 3
            else:
                unknown += 1
                i += 2
        elif b < 0x20:
            unknown += 1
            i += 1
        else:
            text.append(b)
            i += 1
    if text:
        end_line()
    if not current.empty:
        receipts.append(current)
    return DecodeResult(receipts, status_requests, unknown)
