"""Screenshots the console asked for, uploaded from the sync thread (Qt-free).

``kiosk.ui.remote`` saves the PNG as ``DATA_DIR/screenshots/<command id>.png`` (only on the attract screen,
never while a citizen is served) and acknowledges the command; the sync client then uploads it here, signed,
before it drains the outbox, so the console usually has the image by the time it shows the command done.
A file the back office refuses (not its command any more, refused, too large) is given up, not retried for
ever; the names sent are remembered in the store, and only the newest ``KEEP`` files stay on disk.
"""

from __future__ import annotations

import logging
from pathlib import Path

from kiosk.sync.transport import Refused, Revoked, Transport
from offline_cache.store import Store
from wire.commands import PNG_MAGIC, SCREENSHOT_PATH
from wire.limits import MAX_SCREENSHOT_BYTES

log = logging.getLogger(__name__)

STATE_KEY = "screenshots_sent"
KEEP = 20  # local screenshots kept after upload (a technician may look at them)
PER_PASS = 3  # uploads in one sync pass: the outbox is not held up behind them


def upload_screenshots(transport: Transport, store: Store, folder: Path) -> int:
    """Upload the screenshots not sent yet (oldest first); how many were handled. ``Unreachable`` and
    ``Revoked`` propagate: the sync client backs off and the next pass tries again."""
    if not folder.is_dir():
        return 0
    sent: list[str] = list(store.get_state(STATE_KEY, []) or [])
    files = sorted(folder.glob("*.png"), key=lambda p: p.stat().st_mtime)
    handled = 0
    for path in [p for p in files if p.name not in sent][:PER_PASS]:
        content = path.read_bytes()
        if len(content) > MAX_SCREENSHOT_BYTES or not content.startswith(PNG_MAGIC):
            log.warning(
                "screenshot %s not uploaded: not a PNG within %d bytes", path.name, MAX_SCREENSHOT_BYTES
            )
        else:
            try:
                transport.call(
                    "PUT", f"{SCREENSHOT_PATH}/{path.stem}", content=content, content_type="image/png"
                )
                log.info("screenshot %s uploaded (%d bytes)", path.name, len(content))
            except Revoked:
                raise
            except Refused as exc:  # the back office will never take this one: give it up
                log.warning("screenshot %s refused by the back office: %s", path.name, exc)
        sent = [*sent, path.name][-5 * KEEP :]
        store.set_state(STATE_KEY, sent)
        handled += 1
    for old in files[:-KEEP]:
        if old.name in sent:
            old.unlink(missing_ok=True)
    return handled
