"""The service catalog as the citizen browses it: tabs, pages, most-used first, search by pinyin or Chinese.

Qt-free, so the ≤ 3-taps rule and the search can be tested and benchmarked without a window. Built from the
catalog view items (kiosk/ui/views.catalog_view) plus what only the flows know (which card a service takes).
Pinyin initials and full pinyin of every title are computed once here, at load time (pypinyin), so a key on
the search keyboard costs one pass over 170 short strings.

Tabs: 常用 (the services most used on this terminal), 可用此卡办理 (after a card read: services that card can
start), then one tab per category in a fixed citizen-facing order, then 全部. Pages hold a fixed number of tiles
(fewer in elderly mode); the page indicator's dots are tappable, so tab → page → tile is three taps for any
service.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# citizen-facing order of the category tabs (the most asked-for first); unknown categories follow by name
CATEGORY_ORDER = (
    "social_security",
    "medical_insurance",
    "medical",
    "housing_fund",
    "housing",
    "real_estate",
    "property",
    "business",
    "general",
    "guide",
    "rating",
)
PER_PAGE = {"standard": 12, "elderly": 6}
POPULAR_SIZE = {"standard": 12, "elderly": 6}
# which flows a card can start: flow.identity values accepted per card kind
CARD_IDENTITIES = {"idcard": ("id_card", "either"), "sscard": ("ss_card", "either")}


def pinyin_keys(title: str) -> tuple[str, str]:
    """(initials, full pinyin) of a title, lower case, without tones: 社保缴费 -> ('sbjf', 'shebaojiaofei')."""
    from pypinyin import (
        Style,
        lazy_pinyin,
    )  # 120 ms to import (its phrase tables): only when a catalog is built

    syllables = [s.lower() for s in lazy_pinyin(title, style=Style.NORMAL, errors="ignore")]
    return "".join(s[:1] for s in syllables if s), "".join(syllables)


@dataclass(frozen=True)
class Entry:
    item: dict[str, Any]  # the catalog view item shown on the tile
    identity: str  # the flow's identity (id_card | ss_card | either | none)
    initials: str
    full: str

    @property
    def id(self) -> str:
        return str(self.item["id"])


@dataclass
class UsageCounter:
    """How often each service was started on this terminal, kept in a small JSON file in the data folder.

    ``submit`` decides where the file is written: by default at once (the Qt-free tests and tools); the kiosk
    passes its db lane, so a tile tap never waits for the disk on the GUI thread. Each write carries a
    snapshot of all counts and the lane runs them in order, so the last tap's counts are the ones kept.
    """

    path: Path | None = None
    counts: Counter[str] = field(default_factory=Counter)
    submit: Callable[[Callable[[], None]], Any] | None = None

    @classmethod
    def load(cls, path: Path | None) -> UsageCounter:
        return cls(path, cls.read(path))

    @staticmethod
    def read(path: Path | None) -> Counter[str]:
        """The counts in ``path`` (empty if there is none or it is damaged: that only loses an ordering)."""
        counts: Counter[str] = Counter()
        if path is not None and path.exists():
            try:
                counts.update(
                    {str(k): int(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
                )
            except (ValueError, AttributeError, OSError):
                counts = Counter()
        return counts

    def count(self, service_id: str) -> None:
        self.counts[service_id] += 1
        if self.path is None:
            return
        snapshot = dict(self.counts)

        def write() -> None:
            self.save(snapshot)

        if self.submit is None:
            write()
        else:
            self.submit(write)

    def save(self, counts: dict[str, int]) -> None:
        """Write ``counts`` atomically (a power cut leaves the old file or the new one, never half of one)."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".part")
        tmp.write_text(json.dumps(counts), encoding="utf-8")
        tmp.replace(self.path)


class CatalogModel:
    def __init__(
        self,
        items: list[dict[str, Any]],
        identities: dict[str, str],
        usage: UsageCounter,
        categories: dict[str, str] | None = None,
    ):
        """``items``: catalog view items; ``identities``: flow id -> flow.identity; ``categories``: id -> label."""
        self.usage = usage
        self.entries = [
            Entry(item, identities.get(item["id"], "none"), *pinyin_keys(str(item["title"])))
            for item in items
        ]
        self._category_of = {e.id: str(e.item.get("category_id", "")) for e in self.entries}
        self.category_labels = categories or {}
        order = {c: i for i, c in enumerate(CATEGORY_ORDER)}
        present = {self._category_of[e.id] for e in self.entries}
        self.categories = sorted(present, key=lambda c: (order.get(c, len(order)), c))

    def tabs(self, card: str | None = None) -> list[str]:
        """Tab ids in order: popular, for_card (after a card read), the categories, all."""
        return ["popular", *(["for_card"] if card else []), *self.categories, "all"]

    def tab_entries(self, tab: str, mode: str = "standard", card: str | None = None) -> list[Entry]:
        available_first = sorted(self.entries, key=lambda e: not e.item.get("available", True))
        if tab == "popular":
            ranked = sorted(
                self.entries, key=lambda e: (-self.usage.counts[e.id], not e.item.get("available", True))
            )
            return ranked[: POPULAR_SIZE[mode]]
        if tab == "for_card":
            accepted = CARD_IDENTITIES.get(card or "", ())
            return [e for e in available_first if e.identity in accepted]
        if tab == "all":
            return list(self.entries)
        return [e for e in self.entries if self._category_of[e.id] == tab]

    def page(self, entries: list[Entry], page: int, mode: str = "standard") -> tuple[list[Entry], int]:
        """The entries of one page (clamped) and the number of pages (at least 1)."""
        per = PER_PAGE[mode]
        pages = max(1, math.ceil(len(entries) / per))
        page = min(max(page, 0), pages - 1)
        return entries[page * per : (page + 1) * per], pages

    def search(self, query: str) -> list[Entry]:
        """Latin letters match pinyin initials (prefix first) or full pinyin; anything else matches the title."""
        q = (
            query.strip().lower().replace(" ", "").replace("'", "")
        )  # the pinyin keyboard's preedit: "s'b", "s b"
        if not q:
            return []
        if q.isascii() and q.isalpha():
            ranked = []
            for e in self.entries:
                if e.initials.startswith(q):
                    ranked.append((0, e))
                elif q in e.initials:
                    ranked.append((1, e))
                elif e.full.startswith(q) or q in e.full:
                    ranked.append((2, e))
            return [e for _, e in sorted(ranked, key=lambda r: r[0])]
        return [e for e in self.entries if q in str(e.item["title"]).lower()]
