"""Remote commands from the operator console to a terminal, and how the terminal acknowledges them.

The back office hands pending commands to a terminal in its heartbeat answer (``"commands": [{"id": ...,
"kind": ..., "args": {...}}]``); the terminal runs each once (it remembers the ids it has run, so a command
repeated before its acknowledgement arrived is not run twice) and acknowledges it with an outbox event of
kind :data:`wire.events.EVENT_COMMAND_ACK` (``{"command_id", "kind", "outcome", "detail"}``).

The back office re-sends a command that is not acknowledged yet (so the terminal deduplicates by id) and
lets it expire after a while (``backoffice.remote_commands``). A screenshot is uploaded by the terminal
to ``PUT SCREENSHOT_PATH/<command id>`` (signed, the PNG bytes as the body, at most
``wire.limits.MAX_SCREENSHOT_BYTES``); its acknowledgement says only that it was taken.

Commands are actions (maintenance on/off, restart, a screenshot, a new maintenance PIN). What a terminal should
*be* — its settings, the announcements on its attract screen — is a standing value instead (``wire.standing``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAINTENANCE_ON = "maintenance_on"  # pause every service, the attract screen says 设备维护中
MAINTENANCE_OFF = "maintenance_off"
RESTART = "restart"  # restart the app between citizens
SCREENSHOT = "screenshot"  # only while no citizen is in a session
MAINTENANCE_PIN = "maintenance_pin"  # args: {"pin": "6-12 digits"}: stored hashed, never echoed in the ack

COMMAND_KINDS: frozenset[str] = frozenset(
    {MAINTENANCE_ON, MAINTENANCE_OFF, RESTART, SCREENSHOT, MAINTENANCE_PIN}
)

# Kinds that were commands once and are standing values now (``wire.standing``): a command reached only the
# terminals enrolled when it was issued. The back office refuses to queue them and expires one still queued, a
# terminal refuses one an older back office sends — each with this reason.
RETIRED: dict[str, str] = {
    "announcement": "announcements are standing values now: PUT /api/v1/operator/announcements/{id}",
    "settings": "settings are standing values now: PUT /api/v1/operator/config/{group|terminal}/{name}",
}

ACK_DONE = "done"
ACK_REFUSED = "refused"  # not run, with the reason (unknown kind, bad arguments, a citizen in a session)
ACK_FAILED = "failed"

COMMAND_ID_MAX = 64
COMMANDS_PER_HEARTBEAT_MAX = 20
ACK_DETAIL_MAX = 500  # characters of an acknowledgement's detail the back office keeps

SCREENSHOT_PATH = "/api/v1/screenshots"  # + "/<command id>": the terminal's PNG upload
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Command:
    """One command as the terminal runs it."""

    id: str
    kind: str
    args: dict[str, Any] = field(default_factory=dict)


def parse_commands(answer: object) -> list[Command]:
    """The well-formed commands of a heartbeat answer (a malformed entry is dropped, never raised)."""
    if not isinstance(answer, dict) or not isinstance(answer.get("commands"), list):
        return []
    commands = []
    for entry in answer["commands"][:COMMANDS_PER_HEARTBEAT_MAX]:
        if not isinstance(entry, dict):
            continue
        command_id, kind, args = entry.get("id"), entry.get("kind"), entry.get("args", {})
        if (
            isinstance(command_id, str)
            and 0 < len(command_id) <= COMMAND_ID_MAX
            and isinstance(kind, str)
            and isinstance(args, dict)
        ):
            commands.append(Command(command_id, kind, dict(args)))
    return commands


def args_problem(kind: str, args: dict[str, Any]) -> str | None:
    """Why a command's arguments would be refused by a terminal, or None: the back office checks before it
    queues, so an operator hears of a typo at once instead of from a refused acknowledgement later."""
    if kind in RETIRED:
        return RETIRED[kind]
    if kind not in COMMAND_KINDS:
        return f"unknown command {kind!r}"
    if kind == MAINTENANCE_PIN:
        pin = args.get("pin")
        if not isinstance(pin, str) or not (pin.isascii() and pin.isdigit() and 6 <= len(pin) <= 12):
            return "the PIN is 6 to 12 digits"
    elif args:
        return f"{kind} takes no arguments"
    return None
