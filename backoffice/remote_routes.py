"""Routes for remote operations (``backoffice.remote_commands``): operators queue commands for a terminal
or a group and read their state; terminals upload the screenshot a command asked for.

Issuing needs the publisher role (admin always), a new maintenance PIN the admin role; reading needs any
role. The operator dependency audits every call; the queue audits each command with its arguments — a
PIN never."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from backoffice import remote_commands
from backoffice.errors import ApiError
from backoffice.operator_auth import OP_ERRORS, Actor, Reader, operator_with
from backoffice.schemas import ID_PATTERN
from backoffice.state import State
from backoffice.terminal_auth import AUTH_ERRORS, Signed
from wire import commands as c
from wire import signing

router = APIRouter()
Commander = Annotated[Actor, operator_with(*remote_commands.OPERATORS)]
CommandId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


class CommandIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=32)
    args: dict[str, Any] = Field(default_factory=dict, max_length=20)


class CommandsOut(BaseModel):
    commands: list[str]


def _issue(bo: Any, actor: Actor, body: CommandIn, **target: str) -> CommandsOut:
    if body.kind == c.MAINTENANCE_PIN and actor.role != "admin":
        raise ApiError(403, "operator.forbidden", "a new maintenance PIN needs the role admin")
    return CommandsOut(commands=remote_commands.enqueue(bo, actor.name, body.kind, body.args, **target))


ISSUE_ERRORS = {
    **OP_ERRORS,
    404: {"description": "unknown terminal or no terminal in the group"},
    422: {"description": "arguments a terminal would refuse"},
}


@router.post(
    f"{signing.API}/operator/terminals/{{terminal_id}}/commands",
    response_model=CommandsOut,
    status_code=201,
    responses=ISSUE_ERRORS,
)
def command_terminal(
    terminal_id: Annotated[str, Path(pattern=ID_PATTERN)], body: CommandIn, bo: State, actor: Commander
) -> CommandsOut:
    """Queue a command (``wire.commands``) for one terminal; it travels in the next heartbeat answer."""
    return _issue(bo, actor, body, terminal_id=terminal_id)


@router.post(
    f"{signing.API}/operator/groups/{{group}}/commands",
    response_model=CommandsOut,
    status_code=201,
    responses=ISSUE_ERRORS,
)
def command_group(
    group: Annotated[str, Path(pattern=ID_PATTERN)], body: CommandIn, bo: State, actor: Commander
) -> CommandsOut:
    """Queue a command for every active terminal of a group (one command each)."""
    return _issue(bo, actor, body, group=group)


@router.get(f"{signing.API}/operator/terminals/{{terminal_id}}/commands", responses=OP_ERRORS)
def list_commands(
    terminal_id: Annotated[str, Path(pattern=ID_PATTERN)], bo: State, _actor: Reader
) -> list[dict[str, Any]]:
    """The terminal's newest commands with their state, who issued them and when (never a PIN)."""
    return remote_commands.listing(bo, terminal_id=terminal_id)


@router.get(
    f"{signing.API}/operator/commands/{{command_id}}/screenshot",
    response_class=Response,
    responses={**OP_ERRORS, 404: {"description": "no screenshot (yet)"}},
)
def get_screenshot(command_id: CommandId, bo: State, _actor: Reader) -> Response:
    found = remote_commands.screenshot_png(bo, command_id)
    if found is None:
        raise ApiError(404, "screenshot.none", "no screenshot for this command (yet)")
    return Response(found[0], media_type="image/png", headers={"Cache-Control": "no-store"})


@router.put(
    f"{c.SCREENSHOT_PATH}/{{command_id}}",
    responses={
        **AUTH_ERRORS,
        404: {"description": "not a screenshot command of this terminal"},
        409: {"description": "the command was refused or failed"},
        422: {"description": "not a PNG"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload_screenshot(
    command_id: CommandId, request: Request, term: Signed, bo: State
) -> dict[str, Any]:
    """The terminal's PNG for a screenshot command: signed, at most ``MAX_SCREENSHOT_BYTES`` (the request
    guard refuses a larger body before reading it), the PNG signature checked."""
    content = await request.body()
    return await run_in_threadpool(remote_commands.save_screenshot, bo, term.id, command_id, content)
