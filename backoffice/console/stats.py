"""办件量 and 好差评 statistics, grouped in the database so a page stays under a second at a million cases.

Periods are counted in local time (``ConsoleConfig.utc_offset_hours``): days and Monday-start weeks are
integer arithmetic on the epoch seconds (portable between SQLite and PostgreSQL); months are folded from
the days in Python (at most a few thousand rows). Ratings follow GB/T 39734-2020: five levels, 好评 =
非常满意 + 满意 + 基本满意, 差评 = 不满意 + 非常不满意, 好评率 = 好评 / all ratings.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import ColumnElement, Integer, cast, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from backoffice.console.config import ConsoleConfig
from backoffice.models import Case, Rating, RatingScore, Terminal
from backoffice.state import Backoffice

DAY = 86400
DIMENSIONS = ("period", "service", "terminal", "group", "outcome")
PERIODS = ("day", "week", "month")
LEVELS = (5, 4, 3, 2, 1)
BAD = (1, 2)


def day_range(config: ConsoleConfig, start: str, end: str, now: float) -> tuple[float, float, str, str]:
    """[from, to) in epoch seconds for ISO dates (default: the last 30 days); at most ten years."""
    tz = config.tz
    today = dt.datetime.fromtimestamp(now, tz).date()
    try:
        last = dt.date.fromisoformat(end) if end else today
        first = dt.date.fromisoformat(start) if start else last - dt.timedelta(days=29)
    except ValueError:
        last, first = today, today - dt.timedelta(days=29)
    first = max(first, last - dt.timedelta(days=3660))
    lo = dt.datetime.combine(first, dt.time(), tz).timestamp()
    hi = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz).timestamp()
    return lo, hi, first.isoformat(), last.isoformat()


def _day_number(bo: Backoffice, column: InstrumentedAttribute, config: ConsoleConfig) -> ColumnElement:
    shifted = (column + config.utc_offset_hours * 3600) / DAY
    if bo.engine.dialect.name == "postgresql":
        return cast(func.floor(shifted), Integer)
    return cast(shifted, Integer)  # SQLite truncates toward zero: the same for times after 1970


def _label(day: int, period: str) -> str:
    date = dt.date(1970, 1, 1) + dt.timedelta(days=day)
    if period == "month":
        return date.strftime("%Y-%m")
    if period == "week":
        monday = date - dt.timedelta(days=date.weekday())
        return f"{monday.isoformat()}"
    return date.isoformat()


def volume(
    bo: Backoffice, config: ConsoleConfig, lo: float, hi: float, by: str, period: str
) -> list[dict[str, Any]]:
    """Case counts in [lo, hi) by one dimension, each row with its outcomes counted."""
    when = func.coalesce(Case.finished_at, Case.received_at)
    stmt = (
        select(func.count())
        .select_from(Case)
        .where(Case.received_at >= lo - DAY, Case.received_at < hi + DAY, when >= lo, when < hi)
    )
    keys: list[Any]
    if by == "period":
        keys = [_day_number(bo, Case.received_at, config)]
    elif by == "service":
        keys = [Case.item_code, Case.service_id]
    elif by == "terminal":
        keys = [Case.terminal_id]
    elif by == "group":
        stmt = stmt.join(Terminal, Terminal.id == Case.terminal_id)
        keys = [Terminal.group]
    else:
        keys = [Case.outcome]
    rows: dict[tuple, Counter] = defaultdict(Counter)
    with bo.sessions() as session:
        for n, *key, outcome in session.execute(
            stmt.add_columns(*keys, Case.outcome).group_by(*keys, Case.outcome)
        ):
            if by == "period":
                key = [_label(key[0], period)]
            rows[tuple(key)][outcome or "-"] += n
    out: list[dict[str, Any]] = [
        {"key": list(k), "total": sum(c.values()), "outcomes": dict(c)} for k, c in rows.items()
    ]
    out.sort(key=lambda r: r["key"] if by == "period" else (-r["total"], r["key"]))
    return out


def ratings(
    bo: Backoffice, config: ConsoleConfig, lo: float, hi: float, by: str, period: str
) -> list[dict[str, Any]]:
    """Ratings in [lo, hi) by period, service (事项编码) or terminal: counts per level, 好评率, 差评."""
    stmt = select(func.count()).select_from(Rating).where(Rating.received_at >= lo, Rating.received_at < hi)
    keys: list[Any]
    if by == "period":
        keys = [_day_number(bo, Rating.received_at, config)]
    elif by == "terminal":
        keys = [Rating.terminal_id]
    else:
        keys = [Rating.item_code]
    rows: dict[str, Counter] = defaultdict(Counter)
    with bo.sessions() as session:
        for n, key, level in session.execute(
            stmt.add_columns(*keys, Rating.level).group_by(*keys, Rating.level)
        ):
            label = _label(key, period) if by == "period" else (key or "-")
            rows[label][level] += n
        bad_indicators = Counter[str]()  # 差评 content: set-2 reasons, or set-1 tick-box ids
        for indicators, reasons in session.execute(
            select(Rating.indicators, Rating.reasons)
            .where(Rating.level.in_(BAD), Rating.received_at >= lo, Rating.received_at < hi)
            .limit(50_000)
        ):
            bad_indicators.update(str(i) for i in reasons or [])
            if isinstance(indicators, list):
                bad_indicators.update(str(i) for i in indicators)
        scores = indicator_scores(session, lo, hi)
    out: list[dict[str, Any]] = []
    for key, levels in rows.items():
        total = sum(levels.values())
        bad = sum(levels[b] for b in BAD)
        out.append(
            {
                "key": key,
                "total": total,
                "levels": [levels[lv] for lv in LEVELS],
                "bad": bad,
                "good_rate": round(100.0 * (total - bad) / total, 1) if total else None,  # "—", not 0 %
            }
        )
    out.sort(key=lambda r: r["key"] if by == "period" else (-r["total"], r["key"]))
    return [{"indicators": bad_indicators.most_common(10), "scores": scores}, *out]


def indicator_scores(session: Session, lo: float, hi: float) -> dict[str, dict[int, int]]:
    """Per indicator of rating set 2 (办事效率, 办事指南精确度, ...): how many ratings in [lo, hi) gave each score."""
    out: dict[str, dict[int, int]] = defaultdict(dict)
    for indicator, score, n in session.execute(
        select(RatingScore.indicator, RatingScore.score, func.count())
        .join(Rating, Rating.id == RatingScore.rating_id)
        .where(Rating.received_at >= lo, Rating.received_at < hi)
        .group_by(RatingScore.indicator, RatingScore.score)
    ):
        out[indicator][int(score)] = int(n)
    return dict(out)


def rows_for_export(
    table: list[dict[str, Any]], dimension: list[str], outcomes: list[str]
) -> list[list[Any]]:
    """A header row and one row per group, for CSV and Excel."""
    out: list[list[Any]] = [[*dimension, "total", *outcomes]]
    for row in table:
        out.append([*row["key"], row["total"], *(row["outcomes"].get(o, 0) for o in outcomes)])
    return out
