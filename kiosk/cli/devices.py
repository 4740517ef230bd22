"""``kiosk devices ...``: technicians' commands for the terminal's hardware.

Identity readers (scan, read-id, read-sscard) live in ``devices_identity``;
printers (test-print, calibrate) in ``devices_printers``.
"""

from __future__ import annotations

import importlib

SUBMODULES = ("kiosk.cli.devices_identity", "kiosk.cli.devices_printers")


def register(subparsers) -> None:
    parser = subparsers.add_parser("devices", help="detect, read and test the terminal's devices")
    device_commands = parser.add_subparsers(dest="devices_command", metavar="DEVICE_COMMAND")
    for module_name in SUBMODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(device_commands)
