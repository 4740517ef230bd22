"""Routes for standing values (``backoffice.standing``): a group's or a terminal's settings and the announcements,
which every terminal they reach applies — one enrolled later too. Writing needs the publisher role (admin
always), reading any role; each write is an audit row with its values (``standing.config``,
``standing.announcement``) besides the operator dependency's own."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path
from pydantic import Field

from backoffice import standing
from backoffice.operator_auth import OP_ERRORS, Publisher, Reader
from backoffice.schemas import ID_PATTERN, Announcement, AnnouncementBody, Ok
from backoffice.state import State
from wire import signing

router = APIRouter(prefix=f"{signing.API}/operator")
Scope = Literal["group", "terminal"]
Name = Annotated[str, Path(pattern=ID_PATTERN)]
WRITE_ERRORS = {
    **OP_ERRORS,
    422: {"description": "a value a terminal could not apply (the reason in detail)"},
}


@router.put("/config/{scope}/{name}", response_model=Ok, responses=WRITE_ERRORS)
def put_config(
    scope: Scope,
    name: Name,
    config: Annotated[dict[str, Any], Body(max_length=20)],
    bo: State,
    actor: Publisher,
) -> Ok:
    """Set the scope's settings (``wire.standing.SETTING_KEYS``: inactivity_s, countdown_s, locale,
    paused_services) — the whole record; ``{}`` clears it. A terminal's override its group's, which override
    the ``default`` group's. An unknown key or a value out of range is refused (422). No secrets: terminals
    pull these."""
    standing.put_config(bo, actor.name, scope, name, config)
    return Ok()


@router.get("/config/{scope}/{name}", responses=OP_ERRORS)
def get_config(scope: Scope, name: Name, bo: State, _actor: Reader) -> dict[str, Any]:
    """The scope's own settings (not merged with the others)."""
    return {"scope": scope, "name": name, "config": standing.config_of(bo, scope, name)}


@router.delete("/config/{scope}/{name}", response_model=Ok, responses=OP_ERRORS)
def clear_config(scope: Scope, name: Name, bo: State, actor: Publisher) -> Ok:
    """Clear the scope's settings: its terminals go back to their group's, or their own file's, values."""
    standing.put_config(bo, actor.name, scope, name, {})
    return Ok()


@router.get("/announcements", response_model=list[Announcement], responses=OP_ERRORS)
def list_announcements(bo: State, _actor: Reader) -> list[dict[str, Any]]:
    """Every announcement held, ended ones too (until withdrawn)."""
    return standing.announcements(bo)


@router.put("/announcements", response_model=Ok, responses=WRITE_ERRORS)
def put_announcements(
    items: Annotated[list[Announcement], Field(max_length=200)], bo: State, actor: Publisher
) -> Ok:
    """Replace the whole list (ids unique)."""
    standing.put_announcements(bo, actor.name, [a.model_dump() for a in items])
    return Ok()


@router.put("/announcements/{announcement_id}", response_model=Ok, responses=WRITE_ERRORS)
def put_announcement(announcement_id: Name, body: AnnouncementBody, bo: State, actor: Publisher) -> Ok:
    """Add an announcement, or replace the one with this id."""
    standing.put_announcement(bo, actor.name, {"id": announcement_id, **body.model_dump()})
    return Ok()


@router.delete(
    "/announcements/{announcement_id}",
    response_model=Ok,
    responses={**OP_ERRORS, 404: {"description": "no announcement by this id"}},
)
def withdraw_announcement(announcement_id: Name, bo: State, actor: Publisher) -> Ok:
    """Withdraw one: terminals take it off their attract screen after their next heartbeat."""
    standing.withdraw_announcement(bo, actor.name, announcement_id)
    return Ok()
