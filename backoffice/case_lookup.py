"""``case.lookup``: a case the back office holds, by its 办件编号, so a citizen can rate it (好差评) at any
terminal.

Honest: only a case the back office holds is found. A case just finished at the asking terminal may still
sit in that terminal's outbox; the terminal answers that one from its own store (``kiosk.session.case_lookup``),
so the back office never guesses from the number's format. Any terminal may look up any terminal's case (a
citizen may rate anywhere), so the answer holds only what a rating needs (the number, the service, its item
code, whether it is rated), every lookup is in the audit trail like the personal queries, and each terminal
may look up at most ``Limits.lookups_per_minute`` / ``lookups_per_hour`` cases: sequential numbers tried
faster than a citizen types are refused (``error.service.lookup_rate``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from backoffice import audit
from backoffice.errors import ApiError
from backoffice.models import Case, Rating, Terminal
from backoffice.state import Backoffice
from wire import services


def lookup(bo: Backoffice, term: Terminal, params: dict[str, Any]) -> dict[str, Any]:
    """The answer to ``case.lookup`` from ``term``: ``found`` false for a case this back office does not hold."""
    case_no = params.get("case_no")
    case_no = case_no if isinstance(case_no, str) and 0 < len(case_no) <= 64 else ""
    now, limits = bo.clock(), bo.limits
    if (
        bo.count(f"lookup:{term.id}", 60.0, now) > limits.lookups_per_minute
        or bo.count(f"lookup-hour:{term.id}", 3600.0, now) > limits.lookups_per_hour
    ):
        _audit(bo, term, case_no, "refused.rate")
        raise ApiError(403, services.E_LOOKUP_RATE, "too many case lookups at this terminal")
    answer = _held(bo, case_no) if case_no else None
    _audit(bo, term, case_no, "answered" if answer else "not_found")
    return answer or {"found": False, "case_no": case_no}


def _held(bo: Backoffice, case_no: str) -> dict[str, Any] | None:
    with bo.sessions() as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no).order_by(Case.id).limit(1)).first()
        if case is None:
            return None
        # one rating per case fleet-wide (the unique index), whichever terminal or phone gave it
        rated = session.scalar(select(func.count()).select_from(Rating).where(Rating.case_no == case_no)) or 0
        return {
            "found": True,
            "case_no": case_no,
            "title": case.service_id,
            "service_id": case.service_id,
            "item_code": case.item_code,
            "rated": rated > 0,
        }


def _audit(bo: Backoffice, term: Terminal, case_no: str, outcome: str) -> None:
    """A case number is not personal data; it is kept in the detail so an enumeration shows in the trail."""
    with bo.sessions.begin() as session:
        audit.record(
            session,
            bo.clock(),
            actor_kind="terminal",
            actor=term.id,
            action="query",
            service="case.lookup",
            outcome=outcome,
            detail={"case_no": case_no[:32]},
        )
