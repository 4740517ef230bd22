"""The services the back office knows a terminal may offer: each flow's id and 事项编码 (item code), from the
built-in flow catalog (``flows/definitions``, what ``guide.services`` lists) and from every group's latest
published bundle. ``paused_services`` is checked against it: an id that matches no flow (the README's
``hf.statement`` was a back-office query name, not a flow) was stored, reported as applied, and paused nothing.
"""

from __future__ import annotations

import io
import tarfile
from functools import cache
from typing import Any

import yaml
from sqlalchemy import func, select

from backoffice.models import Bundle
from backoffice.state import Backoffice

DEFINITIONS = "definitions/"


def _ids(flow: Any) -> set[str]:
    if not isinstance(flow, dict):
        return set()
    return {str(flow[k]) for k in ("id", "item_code") if isinstance(flow.get(k), str) and flow[k]}


@cache
def built_in() -> frozenset[str]:
    from flows.loader import load_directory

    known: set[str] = set()
    for flow in load_directory(strict=False).values():
        known |= {flow.id, *([flow.item_code] if flow.item_code else [])}
    return frozenset(known)


_BUNDLE_IDS: dict[str, frozenset[str]] = {}  # by sha256: a bundle's bytes never change
_BUNDLE_IDS_MAX = 256


def _bundle_ids(content: bytes) -> frozenset[str]:
    """The flow ids and item codes in a bundle archive."""
    known: set[str] = set()
    try:
        with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as archive:
            for member in archive.getmembers():
                if member.isfile() and member.name.startswith(DEFINITIONS) and member.name.endswith(".yaml"):
                    extracted = archive.extractfile(member)
                    if extracted is not None:
                        known |= _ids(yaml.safe_load(extracted.read()))
    except (tarfile.TarError, OSError, EOFError, yaml.YAMLError):
        pass  # a bundle the back office verified at publishing; unreadable now adds nothing
    return frozenset(known)


def known_services(bo: Backoffice) -> frozenset[str]:
    """Every flow id and item code a terminal of any group may run (read when an operator sets
    ``paused_services``: each bundle is opened once)."""
    latest = select(Bundle.group, func.max(Bundle.version).label("version")).group_by(Bundle.group).subquery()
    newest = (Bundle.group == latest.c.group) & (Bundle.version == latest.c.version)
    with bo.sessions() as session:
        hashes = list(session.scalars(select(Bundle.sha256).join(latest, newest)))
        for sha256 in hashes:
            if sha256 not in _BUNDLE_IDS:
                content = session.scalar(select(Bundle.content).where(Bundle.sha256 == sha256).limit(1))
                if len(_BUNDLE_IDS) >= _BUNDLE_IDS_MAX:
                    _BUNDLE_IDS.clear()
                _BUNDLE_IDS[sha256] = _bundle_ids(content or b"")
    known = set(built_in())
    for sha256 in hashes:
        known |= _BUNDLE_IDS.get(sha256, frozenset())
    return frozenset(known)
