"""Remote commands from the operator console to a terminal, and how the terminal acknowledges them.

The back office hands pending commands to a terminal in its heartbeat answer (``"commands": [{"id": ...,
"kind": ..., "args": {...}}]``); the terminal runs each once (it remembers the ids it has run, so a command
repeated before its acknowledgement arrived is not run twice) and acknowledges it with an outbox event of
kind :data:`wire.events.EVENT_COMMAND_ACK` (``{"command_id", "kind", "outcome", "detail"}``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAINTENANCE_ON = "maintenance_on"  # pause every service, the attract screen says 设备维护中
MAINTENANCE_OFF = "maintenance_off"
RESTART = "restart"  # restart the app between citizens
SCREENSHOT = "screenshot"  # only while no citizen is in a session
ANNOUNCEMENT = "announcement"  # args: {"text": str} shown on the attract screen ("" clears it)
SETTINGS = (
    "settings"  # args: {"inactivity_s": n, "countdown_s": n, "locale": "zh_CN"}, applied between citizens
)
MAINTENANCE_PIN = "maintenance_pin"  # args: {"pin": "6-12 digits"}: stored hashed, never echoed in the ack

COMMAND_KINDS: frozenset[str] = frozenset(
    {MAINTENANCE_ON, MAINTENANCE_OFF, RESTART, SCREENSHOT, ANNOUNCEMENT, SETTINGS, MAINTENANCE_PIN}
)

ACK_DONE = "done"
ACK_REFUSED = "refused"  # not run, with the reason (unknown kind, bad arguments, a citizen in a session)
ACK_FAILED = "failed"

COMMAND_ID_MAX = 64
ANNOUNCEMENT_MAX = 200
COMMANDS_PER_HEARTBEAT_MAX = 20


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
