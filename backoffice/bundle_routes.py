"""Flow bundle routes: terminals fetch their group's bundles (signed), operators publish them and set
the root keys terminals pin at enrolment. Kept apart so bundle publication can grow on its own."""

from __future__ import annotations

import base64
import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from backoffice import approvals
from backoffice.errors import ApiError
from backoffice.models import Bundle
from backoffice.operator_auth import BOOTSTRAP, OP_ERRORS, Admin, Publisher, Reader
from backoffice.schemas import BundleIn, BundleMeta, Ok, RootKeysIn
from backoffice.state import State
from backoffice.terminal_auth import AUTH_ERRORS, Signed
from wire import signing
from wire.limits import MAX_BUNDLE_BYTES

router = APIRouter()


@router.get(f"{signing.API}/bundles/latest", response_model=BundleMeta,
            responses={**AUTH_ERRORS, 404: {"description": "no bundle for the group"}})
def latest_bundle(term: Signed, bo: State) -> BundleMeta:
    with bo.sessions() as session:
        row = session.scalars(select(Bundle).where(Bundle.group == term.group)
                              .order_by(Bundle.version.desc()).limit(1)).first()
    if row is None:
        raise ApiError(404, "bundle.none", "no bundle published for this group")
    return bundle_meta(row)


@router.get(f"{signing.API}/bundles/{{version}}", response_class=Response,
            responses={**AUTH_ERRORS, 200: {"content": {"application/octet-stream": {}}},
                       404: {"description": "no such bundle"}})
def get_bundle(version: Annotated[int, Path(ge=1, le=2**62)], term: Signed, bo: State) -> Response:
    with bo.sessions() as session:
        row = session.scalars(select(Bundle).where(Bundle.group == term.group,
                                                   Bundle.version == version)).first()
    if row is None:
        raise ApiError(404, "bundle.unknown", "no such bundle for this group")
    return Response(row.content, media_type="application/octet-stream",
                    headers={"X-Bundle-Sha256": row.sha256, "X-Bundle-Version": str(row.version)})


@router.post(f"{signing.API}/operator/bundles", response_model=BundleMeta, status_code=201,
             responses={**OP_ERRORS, 409: {"description": "version not above the group's latest"},
                        422: {"description": "content is not base64 or too large"}})
def publish_bundle(body: BundleIn, bo: State, _actor: Publisher) -> BundleMeta:
    try:
        content = base64.b64decode(body.content_b64, validate=True)
    except ValueError:
        raise ApiError(422, "bundle.bad_content", "content_b64 is not base64") from None
    if len(content) > MAX_BUNDLE_BYTES:
        raise ApiError(422, "bundle.too_large", "bundle too large")
    with bo.sessions.begin() as session:
        latest = session.scalar(select(func.max(Bundle.version)).where(Bundle.group == body.group))
        if latest is not None and body.version <= latest:
            raise ApiError(409, "bundle.version_not_newer", f"the group's latest version is {latest}")
        row = Bundle(group=body.group, version=body.version, sha256=hashlib.sha256(content).hexdigest(),
                     length=len(content), content=content, published_at=bo.clock(), note=body.note)
        session.add(row)
    bo.forget_latest_bundle(body.group)
    return bundle_meta(row)


@router.get(f"{signing.API}/operator/bundles", response_model=list[BundleMeta], responses=OP_ERRORS)
def list_bundles(bo: State, _actor: Reader) -> list[BundleMeta]:
    with bo.sessions() as session:
        rows = session.scalars(select(Bundle).order_by(Bundle.group, Bundle.version)).all()
    return [bundle_meta(r) for r in rows]


@router.put(f"{signing.API}/operator/bundle-root-keys", response_model=Ok,
            responses={**OP_ERRORS, 202: {"description": "waiting for a second admin's approval"},
                       422: {"description": "threshold above the number of keys"}})
def put_root_keys(root: RootKeysIn, bo: State, actor: Admin) -> Any:
    """The bundle root keys handed to terminals at enrolment (public keys, pinned by provisioning). A
    named admin's change waits for a second admin (``backoffice.approvals``)."""
    if root.threshold > len(set(k.lower() for k in root.keys)):
        raise ApiError(422, "root_keys.threshold", "threshold above the number of distinct keys")
    if actor.name != BOOTSTRAP:
        return JSONResponse(approvals.request(bo, approvals.SET_ROOT_KEYS, root.model_dump(), actor.name),
                            status_code=202)
    approvals.set_root_keys(bo, root)
    return Ok()


def bundle_meta(row: Bundle) -> BundleMeta:
    return BundleMeta(group=row.group, version=row.version, sha256=row.sha256, length=row.length,
                      published_at=row.published_at, note=row.note)
