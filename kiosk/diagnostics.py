"""A diagnostic bundle for the technician's USB stick: what support needs, nothing personal (Qt-free).

The zip holds the status facts (:mod:`kiosk.status`: states, counts, versions, case numbers), the recent
log lines (already scrubbed, and scrubbed again here), the configuration file (device URLs and timeouts,
no secrets) and the software version. It never holds ``kiosk.db``, ``credentials.json``, the PIN file or
printed documents.
"""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path
from typing import Any

from kiosk.logging_setup import scrub

EXPORT_ROOTS = (Path("/media"), Path("/run/media"), Path("/mnt"))


def find_usb_stick(roots: tuple[Path, ...] = EXPORT_ROOTS) -> Path | None:
    """The first writable mount under /media, /run/media or /mnt (a USB stick as desktop mounts put it)."""
    for root in roots:
        if not root.is_dir():
            continue
        for candidate in sorted(root.glob("*")) + sorted(root.glob("*/*")):
            if candidate.is_dir() and candidate.is_mount():
                return candidate
    return None


def export_bundle(
    target: Path,
    terminal_id: str,
    facts: dict[str, Any],
    log_lines: list[str],
    config_path: str | None = None,
) -> Path:
    """Write ``diagnostics-TERMINAL-TIME.zip`` into ``target``; returns its path."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = Path(target) / f"diagnostics-{terminal_id}-{stamp}.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(
            "terminal-status.json", scrub(json.dumps(facts, ensure_ascii=False, indent=1, default=str))
        )
        bundle.writestr("log.txt", "\n".join(scrub(line) for line in log_lines) + "\n")
        if config_path and Path(config_path).is_file():
            bundle.writestr("config.toml", Path(config_path).read_text(encoding="utf-8"))
        bundle.writestr("version.txt", _version() + "\n")
    return path


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("gov-kiosk")
    except Exception:  # not installed as a distribution (a source checkout)
        return "unknown"
