"""Read the text a screenshot shows (Tesseract, simplified Chinese), to prove it is not blank or tofu."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path


def screen_text(png: Path) -> str:
    """OCR a screenshot; whitespace removed so CJK words compare regardless of spacing."""
    result = subprocess.run(
        ["tesseract", str(png), "-", "-l", "chi_sim+eng", "--psm", "3"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return re.sub(r"\s+", "", result.stdout)
