"""The retention policy: what the back office keeps, and for how long (``state.Limits``).

Heartbeat history ``heartbeat_history_days`` (the latest state stays on each terminal's row), expired
nonces and ended citizen sessions after a day, events with their cases, ratings and device events after
``event_days`` (the console's remote commands too; their screenshots after ``screenshot_days``), the audit trail after ``audit_days`` (ten years). Run by ``kiosk-backoffice retention``
(cron, once a day, on one node); the run itself is audited.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from backoffice import audit
from backoffice.models import (
    AuditEntry,
    Case,
    CitizenSession,
    DeviceEvent,
    Event,
    HeartbeatHistory,
    Nonce,
    RateCounter,
    Rating,
    RatingScore,
    RemoteCommand,
    Screenshot,
)
from backoffice.state import Backoffice, rowcount

DAY = 86400.0


def apply_retention(bo: Backoffice) -> dict[str, int]:
    now, limits = bo.clock(), bo.limits
    removed: dict[str, int] = {}
    events_before = now - limits.event_days * DAY
    with bo.sessions.begin() as session:
        steps = [
            (
                "heartbeat_history",
                delete(HeartbeatHistory).where(
                    HeartbeatHistory.at < now - limits.heartbeat_history_days * DAY
                ),
            ),
            ("nonces", delete(Nonce).where(Nonce.expires_at < now)),
            (
                "rate_counters",
                delete(RateCounter).where(
                    RateCounter.window_start < now - DAY, ~RateCounter.key.startswith("sequence:")
                ),
            ),
            ("citizen_sessions", delete(CitizenSession).where(CitizenSession.expires_at < now - DAY)),
            ("cases", delete(Case).where(Case.received_at < events_before)),
            (
                "rating_scores",
                delete(RatingScore).where(
                    RatingScore.rating_id.in_(select(Rating.id).where(Rating.received_at < events_before))
                ),
            ),
            ("ratings", delete(Rating).where(Rating.received_at < events_before)),
            ("device_events", delete(DeviceEvent).where(DeviceEvent.received_at < events_before)),
            ("events", delete(Event).where(Event.received_at < events_before)),
            ("remote_commands", delete(RemoteCommand).where(RemoteCommand.created_at < events_before)),
            (
                "screenshots",
                delete(Screenshot).where(Screenshot.received_at < now - limits.screenshot_days * DAY),
            ),
            ("audit_log", delete(AuditEntry).where(AuditEntry.at < now - limits.audit_days * DAY)),
        ]
        for table, statement in steps:
            removed[table] = rowcount(session.execute(statement))
        audit.record(
            session,
            now,
            actor_kind="system",
            actor="retention",
            action="retention.apply",
            outcome="ok",
            detail=removed,
        )
    return removed
