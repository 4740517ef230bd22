"""Flow bundle routes: terminals fetch their group's bundles (signed), operators publish them and set
the root keys terminals pin at enrolment. Kept apart so bundle publication can grow on its own."""

from __future__ import annotations

import base64
import hashlib
from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlalchemy import func, select

from backoffice.errors import ApiError
from backoffice.models import Bundle
from backoffice.operator_auth import OP_ERRORS, Op
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


@router.post(f"{signing.API}/operator/bundles", response_model=BundleMeta, status_code=201, dependencies=[Op],
             responses={**OP_ERRORS, 409: {"description": "version not above the group's latest"},
                        422: {"description": "content is not base64 or too large"}})
def publish_bundle(body: BundleIn, bo: State) -> BundleMeta:
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


@router.get(f"{signing.API}/operator/bundles", response_model=list[BundleMeta], dependencies=[Op],
            responses=OP_ERRORS)
def list_bundles(bo: State) -> list[BundleMeta]:
    with bo.sessions() as session:
        rows = session.scalars(select(Bundle).order_by(Bundle.group, Bundle.version)).all()
    return [bundle_meta(r) for r in rows]


@router.put(f"{signing.API}/operator/bundle-root-keys", response_model=Ok, dependencies=[Op],
            responses={**OP_ERRORS, 422: {"description": "threshold above the number of keys"}})
def put_root_keys(root: RootKeysIn, bo: State) -> Ok:
    """The bundle root keys handed to terminals at enrolment (public keys, pinned by provisioning)."""
    if root.threshold > len(set(k.lower() for k in root.keys)):
        raise ApiError(422, "root_keys.threshold", "threshold above the number of distinct keys")
    bo.put_setting("bundle_root_keys", {"threshold": root.threshold, "keys": [k.lower() for k in root.keys]})
    return Ok()


def bundle_meta(row: Bundle) -> BundleMeta:
    return BundleMeta(group=row.group, version=row.version, sha256=row.sha256, length=row.length,
                      published_at=row.published_at, note=row.note)
