"""Logging: one format, and a filter that refuses anything shaped like an ID number.

Code never logs personal data; the filter is the second line of defence (an
18-character ID number or a 15-digit legacy number in a message is masked).
"""

from __future__ import annotations

import logging
import re

_ID_NUMBER = re.compile(r"(?<![0-9])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9])|(?<![0-9])(\d{6})(\d{6})(\d{3})(?![0-9])")


def scrub(text: str) -> str:
    def mask(match: re.Match[str]) -> str:
        whole = match.group(0)
        return whole[:4] + "*" * (len(whole) - 8) + whole[-4:]

    return _ID_NUMBER.sub(mask, text)


class PiiScrubber(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PiiScrubber())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
