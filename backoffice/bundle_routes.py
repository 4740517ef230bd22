"""Flow bundle routes: terminals fetch their group's bundles (signed), operators publish, withdraw and
watch them, and set the root keys terminals pin at enrolment.

A published bundle is checked here exactly as a terminal will check it (``flows.bundles.verify`` against
the root keys the back office hands out, for the group, with lint), and its version is the signed
manifest's: a declared version that differs is refused with the reason, so no unverifiable number ever
becomes a group's latest. A withdrawn version stops being the latest (the terminals running it return to
the one before) and its number stays used, so terminals never see one number with two contents.
"""

from __future__ import annotations

import base64
import hashlib
import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from backoffice import approvals, rollouts
from backoffice.errors import ApiError
from backoffice.models import Bundle, DeviceEvent
from backoffice.operator_auth import BOOTSTRAP, OP_ERRORS, Admin, Publisher, Reader
from backoffice.schemas import BundleEventView, BundleIn, BundleMeta, Ok, RootKeysIn, ServerCertIn
from backoffice.state import State
from backoffice.terminal_auth import AUTH_ERRORS, Signed
from wire import signing
from wire.limits import MAX_BUNDLE_BYTES

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
    return bundle_meta(row, withdrawn)


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
    if len(content) > MAX_BUNDLE_BYTES:
        raise ApiError(422, "bundle.too_large", "bundle too large")
    check_bundle(bo, body.group, body.version, content)
    with bo.sessions.begin() as session:
        latest = session.scalar(select(func.max(Bundle.version)).where(Bundle.group == body.group))
        if latest is not None and body.version <= latest:
            raise ApiError(409, "bundle.version_not_newer", f"the group's latest version is {latest}")
        if body.rollout is not None:  # before the row exists, so no terminal outside the plan sees it
            rollouts.start(
                bo, body.group, body.version, bo.latest_bundle(body.group), body.rollout.model_dump()
            )
        row = Bundle(
            group=body.group,
            version=body.version,
            sha256=hashlib.sha256(content).hexdigest(),
            length=len(content),
            content=content,
            published_at=bo.clock(),
            note=body.note,
        )
        session.add(row)
    bo.forget_latest_bundle(body.group)
    return bundle_meta(row)


@router.get(f"{signing.API}/operator/bundles", response_model=list[BundleMeta], responses=OP_ERRORS)
def list_bundles(bo: State, _actor: Reader) -> list[BundleMeta]:
    with bo.sessions() as session:
        rows = session.scalars(select(Bundle).order_by(Bundle.group, Bundle.version)).all()
    withdrawn = {group: bo.withdrawn_bundles(group) for group in {r.group for r in rows}}
    return [bundle_meta(r, withdrawn[r.group]) for r in rows]


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
    published bundle is adopted without (it is signed by the old and the new threshold: ``check_bundle``)."""
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
    with bo.sessions() as session:
        row = session.scalars(select(Bundle).where(Bundle.group == group, Bundle.version == version)).first()
    if row is None:
        raise ApiError(404, "bundle.unknown", "no such bundle for this group")
    bo.put_setting(f"bundles_withdrawn:{group}", sorted(set(bo.withdrawn_bundles(group)) | {version}))
    rollout = rollouts.current(bo, group)
    if rollout is not None and rollout["version"] == version:
        rollouts.set_state(bo, group, "withdrawn")
    bo.forget_latest_bundle(group)
    return Ok()


@router.get(
    f"{signing.API}/operator/bundle-events", response_model=list[BundleEventView], responses=OP_ERRORS
)
def bundle_events(bo: State, _actor: Reader) -> list[BundleEventView]:
    """What terminals did with bundles: refusals (with the reason), rollbacks, expiries, withdrawals."""
    with bo.sessions() as session:
        rows = session.scalars(
            select(DeviceEvent)
            .where(DeviceEvent.device == "flows")
            .order_by(DeviceEvent.id.desc())
            .limit(500)
        ).all()
    return [BundleEventView.model_validate(r) for r in rows]


def check_bundle(bo: Any, group: str, declared: int, content: bytes) -> None:
    """Refuse (422, with the terminal's reason code) what a terminal of ``group`` would refuse; once the
    back office holds root keys, nothing it cannot verify is published."""
    from flows.bundles import BundleRefused, RootKeys, bundle_root, extract_archive, verify

    root = bo.get_setting("bundle_root_keys", None)
    if not root or not root.get("keys"):
        return  # no trust root configured yet: bytes stay opaque (a terminal verifies them anyway)
    with tempfile.TemporaryDirectory(prefix="bo-bundle-") as work:
        archive = FilePath(work) / "bundle.tar"
        archive.write_bytes(content)
        try:
            directory = extract_archive(archive, FilePath(work) / "x")
            manifest = verify(directory, RootKeys.from_json(root), group=group)
            rotated = bundle_root(directory, RootKeys.from_json(root))
        except BundleRefused as exc:
            raise ApiError(
                422, f"bundle.{exc.reason}", f"refused: {exc.reason}: {exc.detail}"[:500]
            ) from None
    if manifest.version != declared:
        raise ApiError(
            422,
            "bundle.version_mismatch",
            f"declared version {declared}, the signed manifest says {manifest.version}",
        )
    if rotated.version > int(root.get("version", 1)):  # the bundle carries a root rotation: adopt it too
        bo.put_setting("bundle_root_keys", rotated.to_json())


@router.put(
    f"{signing.API}/operator/server-cert-next",
    response_model=Ok,
    responses={**OP_ERRORS, 422: {"description": "not a PEM certificate"}},
)
def put_server_cert_next(body: ServerCertIn, bo: State, _actor: Admin) -> Ok:
    """The certificate the back office will switch to: announced in every heartbeat answer (over the
    connection pinned to the current one), so terminals trust it before the switch, without re-provisioning."""
    from cryptography import x509

    try:
        x509.load_pem_x509_certificate(body.pem.encode())
    except ValueError:
        raise ApiError(422, "server_cert.invalid", "not a PEM certificate") from None
    bo.put_setting("server_cert_next", body.pem)
    return Ok()


def bundle_meta(row: Bundle, withdrawn: list[int] | None = None) -> BundleMeta:
    return BundleMeta(
        group=row.group,
        version=row.version,
        sha256=row.sha256,
        length=row.length,
        published_at=row.published_at,
        note=row.note,
        withdrawn=withdrawn or [],
    )
