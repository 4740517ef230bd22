"""A 好差评 rating as the back office keeps it, whichever way it came: a terminal's outbox event
(``backoffice.ingest``) or the phone page (``backoffice.rate_later``). Both build the row here, so a rating
holds the same things, cut to the same limits (``wire.events``), checked against the same rating set
(``flows/ratings.yaml``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from backoffice.models import Rating, RatingScore
from flows.ratings import load_rating_set
from wire import events as wire_events


def rating_row(
    terminal_id: str, payload: dict[str, Any], channel: str, now: float, event_id: int | None = None
) -> Rating | None:
    """The row of a rating payload as an ORM object (the phone page), or None (see :func:`rating_values`)."""
    values = rating_values(terminal_id, payload, channel, now, event_id)
    return Rating(**values) if values is not None else None


def rating_values(
    terminal_id: str, payload: dict[str, Any], channel: str, now: float, event_id: int | None = None
) -> dict[str, Any] | None:
    """The column values of a rating payload, or None if its case number or level is unusable. A set-2 rating keeps the
    indicator scores and reasons the set knows (a terminal on another set version loses only what this back
    office cannot read); a set-1 rating keeps its tick-box ids as they came."""
    w = wire_events
    level = payload.get("level")
    case_no = payload.get("case_no")
    if (
        not isinstance(case_no, str)
        or not case_no
        or not isinstance(level, int)
        or level not in w.RATING_LEVELS
    ):
        return None
    set_version = payload.get("set_version")
    indicators: dict[str, int] | list[Any]
    reasons: list[str] = []
    if isinstance(set_version, int) and set_version >= 2:
        scores = payload.get("indicators")
        raw_scores = dict(list(scores.items())[: w.RATING_INDICATORS_MAX]) if isinstance(scores, dict) else {}
        raw_reasons = payload.get("reasons")
        raw_reasons = raw_reasons[: w.RATING_REASONS_MAX] if isinstance(raw_reasons, list) else []
        checked = load_rating_set().check(level, raw_scores, raw_reasons, "", lenient=True)
        indicators = {k[: w.RATING_ID_MAX]: v for k, v in checked.scores.items()}
        reasons = list(checked.reasons)
    else:
        set_version = 1
        raw = payload.get("indicators")
        indicators = (
            [str(i)[: w.RATING_ID_MAX] for i in raw[: w.RATING_INDICATORS_MAX]]
            if isinstance(raw, list)
            else []
        )
    return {
        "event_id": event_id,
        "terminal_id": terminal_id,
        "case_no": case_no[: w.CASE_NO_MAX],
        "item_code": str(payload.get("item_code") or "")[: w.CODE_MAX],
        "level": level,
        "indicators": indicators,
        "reasons": reasons,
        "set_version": set_version,
        "comment": str(payload.get("comment") or "")[: w.RATING_COMMENT_MAX],
        "channel": str(channel or "")[: w.CHANNEL_MAX],
        "received_at": now,
    }


def add_scores(session: Session, ratings: list[Rating]) -> None:
    """The indicator scores of ratings already flushed (they have ids), one row each."""
    for rating in ratings:
        if isinstance(rating.indicators, dict):
            for indicator, score in rating.indicators.items():
                session.add(RatingScore(rating_id=rating.id, indicator=indicator, score=score))


def score_rows(ratings: list[dict[str, Any]], ids: dict[str, int]) -> list[dict[str, Any]]:
    """The rating_scores rows of inserted ratings' values (``ids``: rating id by case number, unique fleet-wide)."""
    return [
        {"rating_id": ids[r["case_no"]], "indicator": indicator, "score": score}
        for r in ratings
        if isinstance(r["indicators"], dict)
        for indicator, score in r["indicators"].items()
    ]
