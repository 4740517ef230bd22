"""The audit trail: every access to personal data and every operator action, append-only.

Rows are only ever inserted (no route updates or deletes them; the retention policy removes rows older
than ``Limits.audit_days``, itself an audited action). Subjects are masked with the one masking rule
(``common.masking``), so the trail can be read by an auditor without exposing whom it concerns.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import AuditEntry
from common.masking import mask_id_number


def masked(id_number: Any) -> str:
    return mask_id_number(id_number)[:32] if isinstance(id_number, str) and id_number else ""


def record(
    session: Session,
    now: float,
    *,
    actor_kind: str,
    actor: str,
    action: str,
    subject: str = "",
    service: str = "",
    outcome: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Add one row in the caller's transaction (``subject`` already masked)."""
    session.add(
        AuditEntry(
            at=now,
            actor_kind=actor_kind,
            actor=actor[:64],
            action=action[:64],
            subject=subject[:32],
            service=service[:64],
            outcome=outcome[:64],
            detail=detail or {},
        )
    )


def entries(
    session: Session,
    *,
    since: float | None = None,
    until: float | None = None,
    actor: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[dict[str, Any]]:
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.at < until)
    if actor:
        stmt = stmt.where(AuditEntry.actor == actor)
    rows = session.scalars(stmt.limit(limit).offset(offset)).all()
    return [
        {
            "id": r.id,
            "at": r.at,
            "actor_kind": r.actor_kind,
            "actor": r.actor,
            "action": r.action,
            "subject": r.subject,
            "service": r.service,
            "outcome": r.outcome,
            "detail": r.detail,
        }
        for r in rows
    ]
