"""Logging: text for a technician's terminal, JSON lines for operations, and a filter that refuses
anything shaped like an ID number.

Code never logs personal data; the filter is the second line of defence (an
18-character ID number or a 15-digit legacy number in a message is masked).
``kiosk run`` logs one JSON object per line (to stdout, which systemd hands to the journal), each
carrying the terminal id, so a fleet's logs can be searched and joined with the back office's.
"""

from __future__ import annotations

import collections
import json
import logging
import re
import time

_ID_NUMBER = re.compile(r"(?<![0-9])\d{17}[0-9Xx](?![0-9])|(?<![0-9])\d{15}(?![0-9])")


def _looks_like_id_number(number: str) -> bool:
    """A plausible birth date where an ID number has one (so an 18-digit case number is left alone)."""
    birth = number[6:14] if len(number) == 18 else "19" + number[6:12]
    year, month, day = int(birth[:4]), int(birth[4:6]), int(birth[6:8])
    return 1890 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31


def scrub(text: str) -> str:
    def mask(match: re.Match[str]) -> str:
        whole = match.group(0)
        if not _looks_like_id_number(whole):
            return whole
        return whole[:4] + "*" * (len(whole) - 8) + whole[-4:]

    return _ID_NUMBER.sub(mask, text)


class PiiScrubber(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info:  # an exception's text can carry data too: format it now, scrubbed
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class TerminalTag(logging.Filter):
    """Stamps every record with the terminal id (set once the configuration is read)."""

    terminal_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.terminal = self.terminal_id
        return True


_TAG = TerminalTag()


def set_terminal(terminal_id: str) -> None:
    """Name the terminal in every following log line."""
    _TAG.terminal_id = terminal_id


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, terminal, message (scrubbed), exception text."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "terminal": getattr(record, "terminal", ""),
            "message": scrub(record.getMessage()),
        }
        for key in ("event", "config", "data_dir", "backoffice", "bundle"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup_logging(level: str = "INFO", fmt: str = "text") -> None:
    """``fmt`` "json": JSON lines (production); "text": one readable line per record (technicians' commands)."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PiiScrubber())
    handler.addFilter(_TAG)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


class RecentLines(logging.Handler):
    """The last few hundred log lines, scrubbed, for the maintenance screen and the diagnostic bundle."""

    def __init__(self, maxlen: int = 500) -> None:
        super().__init__()
        self.lines: collections.deque[str] = collections.deque(maxlen=maxlen)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        self.addFilter(PiiScrubber())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(scrub(self.format(record)))
        except Exception:  # a log line must never break the kiosk
            self.handleError(record)


_RECENT: RecentLines | None = None


def recent_lines() -> RecentLines:
    """The one in-memory buffer of recent lines, attached to the root logger on first use."""
    global _RECENT
    if _RECENT is None:
        _RECENT = RecentLines()
    root = logging.getLogger()
    if _RECENT not in root.handlers:
        root.addHandler(_RECENT)
    return _RECENT
