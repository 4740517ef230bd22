"""QR codes for the screens, as PNG data URLs a QML ``Image`` shows (rate later on a phone, on the done
screen). Qt-free: drawn by the ``qrcode`` package the A4 documents already use; cached, since the done screen
re-renders its view on every change."""

from __future__ import annotations

import base64
import io
from functools import lru_cache

import qrcode
import qrcode.constants
from qrcode.image.pil import PilImage


@lru_cache(maxsize=32)
def qr_data_url(payload: str, box: int = 8) -> str:
    """``data:image/png;base64,...`` of the payload's QR code (level M, a 2-module quiet zone)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box, border=2)
    code.add_data(payload)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(image_factory=PilImage, fill_color="black", back_color="white").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
