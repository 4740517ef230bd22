"""The card photo: raw WLT bytes, decoded only by an optional, pluggable backend.

Every known WLT decoder is a closed vendor library, so none ships with the
kiosk. A terminal that has one installs a package exposing an entry point in the
``gov_kiosk.wlt_decoders`` group (a callable ``bytes -> bytes`` returning an image
file, e.g. BMP/PNG), or registers one at runtime with :func:`register_decoder`.
Without one, :func:`photo_image` returns a neutral placeholder so screens always
have something to draw.
"""

from __future__ import annotations

import logging
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points

log = logging.getLogger(__name__)

PhotoDecoder = Callable[[bytes], bytes]
PHOTO_WIDTH, PHOTO_HEIGHT = 102, 126  # the decoded size of every known decoder
ENTRY_POINT_GROUP = "gov_kiosk.wlt_decoders"

_decoders: list[PhotoDecoder] = []


def register_decoder(decoder: PhotoDecoder) -> None:
    """Install a decoder at runtime (first registered wins)."""
    _decoders.append(decoder)


def unregister_decoder(decoder: PhotoDecoder) -> None:
    if decoder in _decoders:
        _decoders.remove(decoder)


def _entry_point_decoders() -> list[PhotoDecoder]:
    found = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            found.append(ep.load())
        except Exception as exc:  # a broken vendor package must not stop the kiosk
            log.warning("photo decoder %s failed to load: %s", ep.name, exc)
    return found


def available_decoder() -> PhotoDecoder | None:
    decoders = _decoders + _entry_point_decoders()
    return decoders[0] if decoders else None


@dataclass(frozen=True)
class PhotoImage:
    data: bytes  # an image file (PNG for the placeholder)
    placeholder: bool  # True when no decoder was available or decoding failed


def photo_image(raw: bytes | None) -> PhotoImage:
    """Decode a WLT photo if a decoder is installed; otherwise (or on failure) the placeholder."""
    decoder = available_decoder()
    if raw and decoder is not None:
        try:
            return PhotoImage(decoder(raw), False)
        except Exception as exc:
            log.warning("photo decoder failed: %s", type(exc).__name__)
    return PhotoImage(placeholder_png(), True)


@cache
def placeholder_png(width: int = PHOTO_WIDTH, height: int = PHOTO_HEIGHT) -> bytes:
    """A grey head-and-shoulders silhouette, as a PNG built with zlib only (no Qt, no Pillow)."""
    rows = []
    cx, cy, r = width / 2, height * 0.38, width * 0.22
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            head = (x - cx) ** 2 + (y - cy) ** 2 <= r * r
            body = y > height * 0.66 and abs(x - cx) < width * 0.42 - (height - y) * 0.3
            grey = 0x9A if head or body else 0xE4
            row += bytes((grey, grey, grey))
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
