"""``kiosk devices ...``: technicians' commands for the terminal's hardware.

Identity readers (scan, read-id, read-sscard) live in ``devices_identity``;
printers (test-print, calibrate) in ``devices_printers``.
"""

from __future__ import annotations

from kiosk.cli import register_modules

SUBMODULES = ("kiosk.cli.devices_identity", "kiosk.cli.devices_printers")


def register(subparsers) -> None:
    parser = subparsers.add_parser("devices", help="detect, read and test the terminal's devices")
    device_commands = parser.add_subparsers(dest="devices_command", metavar="DEVICE_COMMAND")
    register_modules(device_commands, SUBMODULES)
