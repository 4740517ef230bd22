"""Flow bundle routes: terminals fetch their group's bundles (signed), operators publish, withdraw and
watch them, and set the root keys terminals pin at enrolment.

A published bundle is checked (``backoffice.publishing``, shared with the console) exactly as a terminal will check it (``flows.bundles.verify`` against
the root keys the back office hands out, for the group, with lint), and its version is the signed
manifest's: a declared version that differs is refused with the reason, so no unverifiable number ever
becomes a group's latest. A withdrawn version stops being the latest (the terminals running it return to
the one before) and its number stays used, so terminals never see one number with two contents.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select

from backoffice import approvals, publishing, rollouts
from backoffice.errors import ApiError
from backoffice.models import Bundle
from backoffice.operator_auth import BOOTSTRAP, OP_ERRORS, Admin, Publisher, Reader
from backoffice.schemas import BundleEventView, BundleIn, BundleMeta, Ok, RootKeysIn, ServerCertIn
from backoffice.state import State
from backoffice.terminal_auth import AUTH_ERRORS, Signed
from wire import signing

router = APIRouter()


@router.get(
    f"{signing.API}/bundles/latest",
    response_model=BundleMeta,
    responses={**AUTH_ERRORS, 404: {"description": "no bundle for the group"}},
)
def latest_bundle(term: Signed, bo: State) -> BundleMeta:
    withdrawn = bo.withdrawn_bundles(term.group)
    version = rollouts.latest_for(bo, term.group, term.id)
    with bo.sessions() as session:
        row = (
            None
            if version is None
            else session.scalars(
                select(Bundle).where(Bundle.group == term.group, Bundle.version == version)
            ).first()
        )
    if row is None:
        if withdrawn:  # every bundle withdrawn: the terminals go back to their built-in flows
            return BundleMeta(
                group=term.group,
                version=0,
                sha256="",
                length=0,
                published_at=0.0,
                note="",
                withdrawn=withdrawn,
            )
        raise ApiError(404, "bundle.none", "no bundle published for this group")
    return publishing.bundle_meta(row, withdrawn)


@router.get(
    f"{signing.API}/bundles/{{version}}",
    response_class=Response,
    responses={
        **AUTH_ERRORS,
        200: {"content": {"application/octet-stream": {}}},
        404: {"description": "no such bundle"},
    },
)
def get_bundle(version: Annotated[int, Path(ge=1, le=2**62)], term: Signed, bo: State) -> Response:
    with bo.sessions() as session:
        row = session.scalars(
            select(Bundle).where(Bundle.group == term.group, Bundle.version == version)
        ).first()
    if row is None:
        raise ApiError(404, "bundle.unknown", "no such bundle for this group")
    return Response(
        row.content,
        media_type="application/octet-stream",
        headers={"X-Bundle-Sha256": row.sha256, "X-Bundle-Version": str(row.version)},
    )


@router.post(
    f"{signing.API}/operator/bundles",
    response_model=BundleMeta,
    status_code=201,
    responses={
        **OP_ERRORS,
        409: {"description": "version not above the group's latest"},
        422: {"description": "content is not base64 or too large"},
    },
)
def publish_bundle(body: BundleIn, bo: State, _actor: Publisher) -> BundleMeta:
    try:
        content = base64.b64decode(body.content_b64, validate=True)
    except ValueError:
        raise ApiError(422, "bundle.bad_content", "content_b64 is not base64") from None
    meta, _inspection = publishing.publish(bo, body.group, body.version, content, body.note, body.rollout)
    return meta


@router.get(f"{signing.API}/operator/bundles", response_model=list[BundleMeta], responses=OP_ERRORS)
def list_bundles(bo: State, _actor: Reader) -> list[BundleMeta]:
    return publishing.bundles(bo)


@router.put(
    f"{signing.API}/operator/bundle-root-keys",
    response_model=Ok,
    responses={
        **OP_ERRORS,
        202: {"description": "waiting for a second admin's approval"},
        422: {"description": "threshold above the number of keys"},
    },
)
def put_root_keys(root: RootKeysIn, bo: State, actor: Admin) -> Any:
    """The bundle root keys handed to terminals at enrolment (public keys, pinned by provisioning). A
    named admin's change waits for a second admin (``backoffice.approvals``); a rotation carried in a
    published bundle is adopted without (it is signed by the old and the new threshold: ``publishing.check_bundle``)."""
    if root.threshold > len(set(k.lower() for k in root.keys)):
        raise ApiError(422, "root_keys.threshold", "threshold above the number of distinct keys")
    if actor.name != BOOTSTRAP:
        return JSONResponse(
            approvals.request(bo, approvals.SET_ROOT_KEYS, root.model_dump(), actor.name), status_code=202
        )
    approvals.set_root_keys(bo, root)
    return Ok()


@router.post(
    f"{signing.API}/operator/bundles/{{group}}/{{version}}/withdraw",
    response_model=Ok,
    responses={**OP_ERRORS, 404: {"description": "no such bundle"}},
)
def withdraw_bundle(
    group: Annotated[str, Path(max_length=64)],
    version: Annotated[int, Path(ge=1, le=2**62)],
    bo: State,
    _actor: Publisher,
) -> Ok:
    """Stop offering ``version``; terminals running it return to the one before at their next heartbeat."""
    publishing.withdraw(bo, group, version)
    return Ok()


@router.get(
    f"{signing.API}/operator/bundle-events", response_model=list[BundleEventView], responses=OP_ERRORS
)
def bundle_events(bo: State, _actor: Reader) -> list[BundleEventView]:
    """What terminals did with bundles: refusals (with the reason), rollbacks, expiries, withdrawals."""
    return publishing.bundle_events(bo)


@router.put(
    f"{signing.API}/operator/server-cert-next",
    response_model=Ok,
    responses={
        **OP_ERRORS,
        202: {"description": "waiting for a second admin's approval"},
        422: {"description": "not a PEM certificate, or one without a subjectAltName"},
    },
)
def put_server_cert_next(body: ServerCertIn, bo: State, actor: Admin) -> Any:
    """The certificate the back office will switch to: announced in every heartbeat answer (over the
    connection pinned to the current one), so terminals trust it before the switch, without re-provisioning.
    It changes what every terminal trusts, like the root keys: a named admin's change waits for a second
    admin (``backoffice.approvals``); checked when asked and again when approved."""
    approvals.check_server_cert(body.pem)
    if actor.name != BOOTSTRAP:
        return JSONResponse(
            approvals.request(bo, approvals.SET_SERVER_CERT_NEXT, body.model_dump(), actor.name),
            status_code=202,
        )
    approvals.set_server_cert_next(bo, body.pem)
    return Ok()
