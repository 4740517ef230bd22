"""Publishing flow bundles: inspect, publish (with or without a staged rollout), withdraw, list what
terminals did with them — one implementation, called by the REST routes (``bundle_routes``,
``rollout_routes``) and by the console's Updates pages alike.

A bundle is inspected exactly as a terminal of its group will check it (``flows.bundles.verify`` against
the root keys the back office hands out, for the group, with lint); its version is the signed manifest's.
The inspection also keeps what a terminal does not refuse for — the lint warnings — so an operator sees
them before the bundle reaches a citizen. Refusals raise :class:`ApiError` with the terminal's reason code.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from backoffice import rollouts
from backoffice.errors import ApiError
from backoffice.models import Bundle, DeviceEvent, Terminal
from backoffice.schemas import BundleEventView, BundleMeta, RolloutPlan
from backoffice.state import Backoffice
from wire.limits import MAX_BUNDLE_BYTES

LINT_SHOWN = 30  # lint findings kept for the page (a bundle that lints this badly is read in the CLI)


@dataclass
class Inspection:
    """What checking a bundle's bytes found. ``reason`` is the refusal code a terminal would give
    (empty: it verifies); ``verified`` is False as well when the back office holds no root keys yet."""

    verified: bool = False
    reason: str = ""
    detail: str = ""
    version: int | None = None
    groups: list[str] = field(default_factory=list)
    expires: str = ""
    files: int = 0
    total_bytes: int = 0
    threshold: int = 0
    signatures: int = 0
    root_version: int = 0
    rotates_root_to: int | None = None  # the bundle carries a root rotation to this version
    rotated_root: dict[str, Any] | None = field(default=None, repr=False)
    lint: list[str] = field(default_factory=list)  # warnings (errors refuse the bundle: ``reason``)


def inspect(bo: Backoffice, group: str, content: bytes) -> Inspection:
    """Check ``content`` as a terminal of ``group`` would; never raises for what the bytes hold."""
    from flows.bundles import BundleRefused, RootKeys, bundle_root, extract_archive, verify
    from flows.bundles.errors import MANIFEST, SIGNATURES
    from flows.bundles.verify import check_signatures
    from flows.lint import lint_paths

    root = bo.get_setting("bundle_root_keys", None)
    if not root or not root.get("keys"):
        return Inspection(detail="no bundle root keys configured: not verified")
    result = Inspection(root_version=int(root.get("version", 1)))
    with tempfile.TemporaryDirectory(prefix="bo-bundle-") as work:
        archive = Path(work) / "bundle.tar"
        archive.write_bytes(content)
        try:
            directory = extract_archive(archive, Path(work) / "x")
            pinned = RootKeys.from_json(root)
            manifest = verify(directory, pinned, group=group)
            rotated = bundle_root(directory, pinned)
            signatures = json.loads((directory / SIGNATURES).read_bytes())
            result.signatures = check_signatures((directory / MANIFEST).read_bytes(), signatures, rotated)
        except BundleRefused as exc:
            result.reason, result.detail = exc.reason, f"{exc.reason}: {exc.detail}"[:500]
            return result
        findings = lint_paths([directory])  # errors refused above; what remains are warnings
        result.lint = [str(p).replace(str(directory) + "/", "")[:300] for p in findings[:LINT_SHOWN]]
    result.verified = True
    result.version = manifest.version
    result.groups = list(manifest.groups)
    result.expires = f"{manifest.expires:%Y-%m-%d %H:%M:%SZ}"
    result.files, result.total_bytes = len(manifest.files), manifest.total_bytes
    result.threshold = max(rotated.threshold, manifest.threshold)
    if rotated.version > result.root_version:
        result.rotates_root_to, result.rotated_root = rotated.version, rotated.to_json()
    return result


def check_bundle(bo: Backoffice, group: str, declared: int, content: bytes) -> Inspection:
    """Refuse (422, with the terminal's reason code) what a terminal of ``group`` would refuse; once the
    back office holds root keys, nothing it cannot verify is published. A root rotation the bundle carries
    (signed by the old and the new threshold) is adopted."""
    result = inspect(bo, group, content)
    if result.reason:
        raise ApiError(422, f"bundle.{result.reason}", f"refused: {result.detail}"[:500])
    if not result.verified:
        return result  # no trust root configured yet: bytes stay opaque (a terminal verifies them anyway)
    if result.version != declared:
        raise ApiError(
            422,
            "bundle.version_mismatch",
            f"declared version {declared}, the signed manifest says {result.version}",
        )
    if result.rotated_root is not None:
        bo.put_setting("bundle_root_keys", result.rotated_root)
    return result


def publish(
    bo: Backoffice, group: str, version: int, content: bytes, note: str = "", plan: RolloutPlan | None = None
) -> tuple[BundleMeta, Inspection]:
    """Check and store a bundle as the group's newest; with a ``plan`` its staged rollout starts before
    the row exists, so no terminal outside the plan sees it. ApiError 409 if the version is not newer."""
    if len(content) > MAX_BUNDLE_BYTES:
        raise ApiError(422, "bundle.too_large", "bundle too large")
    result = check_bundle(bo, group, version, content)
    with bo.sessions.begin() as session:
        latest = session.scalar(select(func.max(Bundle.version)).where(Bundle.group == group))
        if latest is not None and version <= latest:
            raise ApiError(409, "bundle.version_not_newer", f"the group's latest version is {latest}")
        if plan is not None:
            rollouts.start(bo, group, version, bo.latest_bundle(group), plan.model_dump())
        row = Bundle(
            group=group,
            version=version,
            sha256=hashlib.sha256(content).hexdigest(),
            length=len(content),
            content=content,
            published_at=bo.clock(),
            note=note,
        )
        session.add(row)
    bo.forget_latest_bundle(group)
    return bundle_meta(row), result


def withdraw(bo: Backoffice, group: str, version: int) -> None:
    """Stop offering ``version``; terminals running it return to the one before at their next heartbeat
    (its number stays used). ApiError 404 if there is no such bundle."""
    with bo.sessions() as session:
        row = session.scalars(select(Bundle).where(Bundle.group == group, Bundle.version == version)).first()
    if row is None:
        raise ApiError(404, "bundle.unknown", "no such bundle for this group")
    bo.put_setting(f"bundles_withdrawn:{group}", sorted(set(bo.withdrawn_bundles(group)) | {version}))
    rollout = rollouts.current(bo, group)
    if rollout is not None and rollout["version"] == version:
        rollouts.set_state(bo, group, "withdrawn")
    bo.forget_latest_bundle(group)


def content_of(bo: Backoffice, group: str, version: int) -> bytes | None:
    with bo.sessions() as session:
        return session.scalar(select(Bundle.content).where(Bundle.group == group, Bundle.version == version))


def bundles(bo: Backoffice, group: str | None = None) -> list[BundleMeta]:
    """Published bundles (without their bytes) by group and version, each with its group's withdrawn list."""
    columns = (Bundle.group, Bundle.version, Bundle.sha256, Bundle.length, Bundle.published_at, Bundle.note)
    stmt = select(*columns).order_by(Bundle.group, Bundle.version)
    if group is not None:
        stmt = stmt.where(Bundle.group == group)
    with bo.sessions() as session:
        rows = session.execute(stmt).all()
    withdrawn = {g: bo.withdrawn_bundles(g) for g in {r.group for r in rows}}
    return [
        BundleMeta(
            group=r.group,
            version=r.version,
            sha256=r.sha256,
            length=r.length,
            published_at=r.published_at,
            note=r.note,
            withdrawn=withdrawn[r.group],
        )
        for r in rows
    ]


def bundle_events(bo: Backoffice, limit: int = 500, group: str | None = None) -> list[BundleEventView]:
    """What terminals did with bundles, newest first: refusals (with the reason), rollbacks, expiries,
    withdrawals — of every terminal, or of one group's."""
    stmt = select(DeviceEvent).where(DeviceEvent.device == "flows")
    if group is not None:
        stmt = stmt.where(DeviceEvent.terminal_id.in_(select(Terminal.id).where(Terminal.group == group)))
    with bo.sessions() as session:
        rows = session.scalars(stmt.order_by(DeviceEvent.id.desc()).limit(limit)).all()
    return [BundleEventView.model_validate(r) for r in rows]


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
