"""Actions that need a second admin: changing what terminals trust — the bundle root keys they pin and the
next server certificate they add to their TLS pin — and issuing more than ``Limits.bulk_tokens`` enrolment
tokens at once.

A named admin's request is stored as pending; another admin approves it and it runs then (the approver
gets the answer — tokens are never stored in clear). The demo/test bootstrap key, the only admin there
is in the embedded demo, acts at once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from backoffice import audit, enrolment
from backoffice.errors import ApiError
from backoffice.models import Approval
from backoffice.schemas import RootKeysIn, TokenIn
from backoffice.state import Backoffice, rowcount

SET_ROOT_KEYS = "bundle_root_keys.set"
SET_SERVER_CERT_NEXT = "server_cert_next.set"
ISSUE_TOKENS = "enrolment_tokens.issue"


def check_server_cert(pem: str) -> None:
    """A PEM certificate naming a host (subjectAltName DNS name or IP address): terminals check the name they
    connect to against the SAN, so one without would be pinned everywhere and then refused at the switch."""
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        raise ApiError(422, "server_cert.invalid", "not a PEM certificate") from None
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        san = None
    if san is None or not (san.get_values_for_type(x509.DNSName) or san.get_values_for_type(x509.IPAddress)):
        raise ApiError(
            422,
            "server_cert.no_san",
            "the certificate names no host: it needs a subjectAltName with the back office's DNS name or IP",
        )


def set_server_cert_next(bo: Backoffice, pem: str) -> dict[str, Any]:
    check_server_cert(pem)
    bo.put_setting("server_cert_next", pem)
    return {"ok": True}


def set_root_keys(bo: Backoffice, root: RootKeysIn) -> dict[str, Any]:
    keys = [k.lower() for k in root.keys]
    if root.threshold > len(set(keys)):
        raise ApiError(422, "root_keys.threshold", "threshold above the number of distinct keys")
    bo.put_setting("bundle_root_keys", {"threshold": root.threshold, "keys": keys, "version": root.version})
    return {"ok": True}


def request(bo: Backoffice, action: str, payload: dict[str, Any], by: str) -> dict[str, Any]:
    now = bo.clock()
    with bo.sessions.begin() as session:
        row = Approval(action=action, payload=payload, requested_by=by, requested_at=now, status="pending")
        session.add(row)
        session.flush()
        audit.record(
            session,
            now,
            actor_kind="operator",
            actor=by,
            action="approval.request",
            outcome="pending",
            detail={"approval": row.id, "action": action},
        )
    return {"approval": row.id, "status": "pending", "action": action}


def approve(bo: Backoffice, approval_id: int, by: str) -> dict[str, Any]:
    """Run a pending action; the approver must be another admin than the requester. The pending row is
    claimed by one conditional UPDATE, so two approvals at once run it once."""
    now = bo.clock()
    with bo.sessions() as session:
        row = session.get(Approval, approval_id)
    if row is None:
        raise ApiError(404, "approval.unknown", "no such approval")
    if row.requested_by == by:
        raise ApiError(403, "approval.same_admin", "a second admin must approve")
    with bo.sessions.begin() as session:
        claimed = rowcount(
            session.execute(
                update(Approval)
                .where(Approval.id == approval_id, Approval.status == "pending")
                .values(status="done", approved_by=by, approved_at=now)
            )
        )
    if not claimed:
        raise ApiError(409, "approval.done", "already approved")
    if row.action == SET_ROOT_KEYS:
        result: dict[str, Any] = set_root_keys(bo, RootKeysIn(**row.payload))
    elif row.action == SET_SERVER_CERT_NEXT:
        result = set_server_cert_next(bo, str(row.payload["pem"]))
    elif row.action == ISSUE_TOKENS:
        result = enrolment.issue_tokens(bo, TokenIn(**row.payload)).model_dump()
    else:
        raise ApiError(422, "approval.action", "unknown action")
    with bo.sessions.begin() as session:
        audit.record(
            session,
            now,
            actor_kind="operator",
            actor=by,
            action="approval.approve",
            outcome="done",
            detail={"approval": approval_id, "action": row.action, "requested_by": row.requested_by},
        )
    return {"approval": approval_id, "status": "done", "action": row.action, "result": result}


def pending(bo: Backoffice) -> list[dict[str, Any]]:
    with bo.sessions() as session:
        rows = session.scalars(
            select(Approval).where(Approval.status == "pending").order_by(Approval.id)
        ).all()
    return [
        {
            "approval": r.id,
            "action": r.action,
            "payload": r.payload,
            "requested_by": r.requested_by,
            "requested_at": r.requested_at,
        }
        for r in rows
    ]
