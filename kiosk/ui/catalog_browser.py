"""The catalog screen's state for QML: current tab, page and search, over kiosk/catalog_model.py.

The model is rebuilt when the controller's catalog changes (language, availability, a new bundle, a card read)
and when the mode changes (fewer tiles per page in elderly mode). A tile tap is counted here (the 常用 tab)
before it goes to the controller as an ordinary ``service`` action.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

from PySide6.QtCore import Property, QObject, QTimer, QUrl, Signal, Slot

from kiosk.catalog_model import CatalogModel, Entry, UsageCounter
from kiosk.i18n import ASSETS, tr

log = logging.getLogger(__name__)

ICONS = ASSETS / "icons"
FALLBACK_ICON = "document"


def _not_saved(error: BaseException) -> None:
    log.warning("catalog usage counts not read or saved: %s", type(error).__name__)


def icon_url(name: str) -> str:
    path = ICONS / f"{name}.svg"
    return QUrl.fromLocalFile(str(path if path.exists() else ICONS / f"{FALLBACK_ICON}.svg")).toString()


class CatalogBrowser(QObject):
    changed = Signal()

    def __init__(self, ctl: Any, assist: Any, data_dir: Path, parent: QObject | None = None):
        super().__init__(parent)
        self._ctl, self._assist = ctl, assist
        # the usage file is read and written on the db lane: the GUI thread never waits for the disk
        path = Path(data_dir) / "catalog_usage.json"
        tasks = ctl.ctx.tasks
        self.usage = UsageCounter(path, submit=lambda write: tasks.run("db", write, on_error=_not_saved))
        self._tab, self._page, self._query = "popular", 0, ""
        self._card: str | None = None
        # built just after the first frame: pypinyin's tables take ~120 ms to load, and nobody can reach the
        # catalog in the first second (the attract screen is first)
        self._ready = False
        self.model = CatalogModel([], {}, self.usage)
        QTimer.singleShot(300, self._first_build)
        ctl.catalogChanged.connect(self._rebuild)
        ctl.screenChanged.connect(self._screen_changed)
        assist.elderlyChanged.connect(self._rebuild)
        # last: a read that is already done answers at once, on this thread, into a fully built object
        tasks.run("db", lambda: UsageCounter.read(path), on_done=self._usage_read, on_error=_not_saved)

    # -- properties ------------------------------------------------------------------------------
    def _get_tabs(self) -> list[dict[str, str]]:
        lang = self._ctl.lang
        labels = {
            "popular": tr("catalog.tab.popular", lang),
            "for_card": tr("catalog.tab.for_card", lang),
            "all": tr("catalog.tab.all", lang),
        }
        return [
            {"id": t, "label": labels.get(t) or tr(f"category.{t}", lang)}
            for t in self.model.tabs(self._ctl.pending_card_kind)
        ]

    def _entries(self) -> list[Entry]:
        if self._query:
            return self.model.search(self._query)
        return self.model.tab_entries(self._tab, self._assist.mode, card=self._ctl.pending_card_kind)

    def _get_tiles(self) -> list[dict[str, Any]]:
        shown, _ = self.model.page(self._entries(), self._page, self._assist.mode)
        return [{**e.item, "iconUrl": icon_url(str(e.item.get("icon") or FALLBACK_ICON))} for e in shown]

    def _get_pages(self) -> int:
        return self.model.page(self._entries(), 0, self._assist.mode)[1]

    def _get_page(self) -> int:
        return min(self._page, self._get_pages() - 1)

    def _get_tab(self) -> str:
        return "" if self._query else self._tab

    def _get_query(self) -> str:
        return self._query

    tabs = Property(list, _get_tabs, notify=changed)
    tiles = Property(list, _get_tiles, notify=changed)
    pages = Property(int, _get_pages, notify=changed)
    page = Property(int, _get_page, notify=changed)
    tab = Property(str, _get_tab, notify=changed)
    query = Property(str, _get_query, notify=changed)

    # -- what the screen calls -------------------------------------------------------------------
    @Slot(str)
    def setTab(self, tab: str) -> None:
        self._ctl.touched()
        self._tab, self._page, self._query = tab, 0, ""
        self.changed.emit()

    @Slot(int)
    def setPage(self, page: int) -> None:
        self._ctl.touched()
        self._page = max(0, min(page, self._get_pages() - 1))
        self.changed.emit()

    @Slot(str)
    def setQuery(self, query: str) -> None:
        self._ctl.touched()
        self._query, self._page = query.strip(), 0
        self.changed.emit()

    @Slot(str)
    def open(self, service_id: str) -> None:
        """A tile was tapped: count it for the 常用 tab, then start the service as before."""
        entry = next((e for e in self.model.entries if e.id == service_id), None)
        if entry is not None and entry.item.get("available", True):
            self.usage.count(service_id)
        self._ctl.tap("service", service_id)

    # -- following the controller ----------------------------------------------------------------
    def _build(self) -> CatalogModel:
        identities = {f.id: f.identity for f in self._ctl.ctx.flows.values()}
        return CatalogModel(list(self._ctl.catalog), identities, self.usage)

    def _usage_read(self, counts: Counter[str]) -> None:
        counts.update(self.usage.counts)  # taps counted before the file was read (none, in practice)
        self.usage.counts = counts
        self._rebuild()

    def _first_build(self) -> None:
        self._ready = True
        self._rebuild()

    def _rebuild(self) -> None:
        if not self._ready:
            return
        card = self._ctl.pending_card_kind
        if card != self._card:  # a card was just read: its services first
            self._card = card
            self._tab, self._page, self._query = ("for_card" if card else "popular"), 0, ""
        self.model = self._build()
        self.changed.emit()

    def _screen_changed(self) -> None:
        if self._ctl.screen == "catalog":
            return
        if self._ctl.screen == "attract":  # a new citizen starts on the first tab, no search
            self._card = None
            self._tab, self._page, self._query = "popular", 0, ""
            self.changed.emit()
