"""The 好差评 rating set (``flows/ratings.yaml``): levels, indicators, 差评 reasons, and the one rule for what a
rating may hold. Qt-free and shared: the terminal's rate step, its screen, and the back office (the phone page
and the ingest of terminal ratings) all check a rating here, so a rating means the same wherever it was given.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from flows.model import text

RATINGS_PATH = Path(__file__).parent / "ratings.yaml"


class RatingInvalid(ValueError):
    """A rating outside the set: unknown level, indicator, score or reason."""


@dataclass(frozen=True)
class Rating:
    """A checked rating: the level (整体满意度), indicator scores, 差评 reasons, the optional comment."""

    level: int
    scores: dict[str, int]
    reasons: tuple[str, ...]
    comment: str
    set_version: int


@dataclass(frozen=True)
class RatingSet:
    version: int
    standard: str
    comment_max: int
    levels: tuple[dict[str, Any], ...]
    bad_levels: frozenset[int]
    scale: tuple[dict[str, Any], ...]
    indicators: tuple[dict[str, Any], ...]
    reasons: tuple[dict[str, Any], ...]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> RatingSet:
        for kind in ("levels", "indicator_scale", "indicators", "reasons"):
            for row in data.get(kind, []):
                _check_label(row.get("label"), f"{kind}: {row.get('id', row.get('level', row.get('value')))}")
        return cls(
            version=int(data["version"]),
            standard=str(data.get("standard", "")),
            comment_max=int(data.get("comment_max", 200)),
            levels=tuple(data["levels"]),
            bad_levels=frozenset(int(v) for v in data.get("bad_levels", [1, 2])),
            scale=tuple(data.get("indicator_scale", [])),
            indicators=tuple(data.get("indicators", [])),
            reasons=tuple(data.get("reasons", [])),
        )

    def is_bad(self, level: int) -> bool:
        """差评: the levels that offer reasons and start a 回访 in the back office."""
        return level in self.bad_levels

    def check(
        self, level: Any, scores: Any = None, reasons: Any = None, comment: Any = "", *, lenient: bool = False
    ) -> Rating:
        """The rating as the set allows it. Strict (the terminal, the phone page): anything unknown is refused.
        Lenient (ingest of a terminal's event, which may run an older or newer set): unknown entries dropped."""
        if (
            not isinstance(level, int)
            or isinstance(level, bool)
            or level not in {lv["level"] for lv in self.levels}
        ):
            raise RatingInvalid("level")
        known_ids = {i["id"] for i in self.indicators}
        values = {s["value"] for s in self.scale}
        clean_scores: dict[str, int] = {}
        for key, value in (scores or {}).items() if isinstance(scores, dict) else []:
            if (
                key in known_ids
                and isinstance(value, int)
                and not isinstance(value, bool)
                and value in values
            ):
                clean_scores[key] = value
            elif not lenient:
                raise RatingInvalid("indicator")
        if scores is not None and not isinstance(scores, dict) and not lenient:
            raise RatingInvalid("indicator")
        reason_ids = [r["id"] for r in self.reasons]
        given = [r for r in reasons or [] if isinstance(r, str)] if isinstance(reasons, list | tuple) else []
        listed = reasons if isinstance(reasons, list | tuple) else [reasons] if reasons else []
        if not lenient and (len(given) != len(listed) or any(r not in reason_ids for r in given)):
            raise RatingInvalid("reason")
        if given and not self.is_bad(level) and not lenient:
            raise RatingInvalid("reason")
        chosen = tuple(r for r in reason_ids if r in given) if self.is_bad(level) else ()
        return Rating(
            level=level,
            scores=clean_scores,
            reasons=chosen,
            comment=str(comment or "").strip()[: self.comment_max],
            set_version=self.version,
        )

    def view(self, lang: str) -> dict[str, Any]:
        """The set in one language, as a screen or a web page shows it."""
        return {
            "version": self.version,
            "levels": [{"level": lv["level"], "label": text(lv["label"], lang)} for lv in self.levels],
            "badLevels": sorted(self.bad_levels),
            "scale": [{"value": s["value"], "label": text(s["label"], lang)} for s in self.scale],
            "indicators": [{"id": i["id"], "label": text(i["label"], lang)} for i in self.indicators],
            "reasons": [{"id": r["id"], "label": text(r["label"], lang)} for r in self.reasons],
            "commentMax": self.comment_max,
        }

    def label(self, kind: str, key: Any, lang: str) -> str:
        """The label of a level, indicator or reason id (the id itself when this set does not know it)."""
        rows = {"level": self.levels, "indicator": self.indicators, "reason": self.reasons}[kind]
        field = "level" if kind == "level" else "id"
        for row in rows:
            if row[field] == key:
                return text(row["label"], lang)
        return str(key)


def _check_label(label: Any, where: str) -> None:
    """Each label is {zh_CN, en} strings and nothing else, as the flow schema's text: an unquoted comma in a YAML
    flow mapping (``en: Device fault (card, printing)``) once cut the English label and added a key."""
    if (
        not isinstance(label, dict)
        or set(label) - {"zh_CN", "en"}
        or not all(isinstance(v, str) and v.strip() for v in label.values())
        or "zh_CN" not in label
    ):
        raise ValueError(f"rating set {where}: a label is {{zh_CN: ..., en: ...}} strings, got {label!r}")


@cache
def load_rating_set(path: Path = RATINGS_PATH) -> RatingSet:
    return RatingSet.from_data(yaml.safe_load(path.read_text(encoding="utf-8")))
