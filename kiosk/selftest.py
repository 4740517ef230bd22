"""``kiosk selftest``: the terminal's health at three levels, as UnifiedPOS CheckHealth defines them (Qt-free).

* internal — what the terminal can check alone: configuration, data directory and its permissions, the
  database's integrity, the enrolment matching the configuration, each device opening and passing its
  driver's own health check;
* external — what needs the outside world: a test print on every printer, a test card on every reader
  (shown masked), a signed request to the back office;
* interactive — what only a person can judge: the technician is asked whether each test page came out
  right.

Each level includes the ones before it. The devices are opened here, so run it with the kiosk stopped
(or from the maintenance screen, which pauses the kiosk's own use of them).
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable
from contextlib import closing, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kiosk.config import Config

LEVELS = ("internal", "external", "interactive")
Ask = Callable[[str], bool | None]  # a yes/no question to the technician; None: nobody to ask


@dataclass(frozen=True)
class Check:
    level: str
    name: str
    ok: bool | None  # None: skipped (not a fault)
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run(
    config: Config,
    level: str = "internal",
    *,
    card_timeout: float = 20.0,
    ask: Ask | None = None,
    device_options: dict[str, dict] | None = None,
) -> list[Check]:
    """Every check up to ``level``; a check that cannot run is a failed check, never an exception."""
    depth = LEVELS.index(level)
    checks = _internal(config)
    devices: dict[str, Any] = {}
    try:
        devices = _open_devices(config, checks, device_options)
        if depth >= 1:
            printed = _external(config, devices, checks, card_timeout)
            if depth >= 2:
                _interactive(printed, checks, ask)
    finally:
        for device in devices.values():
            _close(device)
    return checks


def _close(device: Any) -> None:
    with suppress(Exception):  # closing must go on whatever one device does
        device.close()
    simulator = getattr(device, "simulator", None)
    if simulator is not None and hasattr(simulator, "stop"):
        with suppress(Exception):
            simulator.stop()


def _internal(config: Config) -> list[Check]:
    from kiosk.production import NotReady, check_production

    checks = [Check("internal", "config", True, config.source)]
    data_dir = Path(config.data_dir)
    if not data_dir.is_dir():
        checks.append(Check("internal", "data_dir", False, f"{data_dir} does not exist"))
    else:
        writable = os.access(data_dir, os.W_OK)
        checks.append(
            Check("internal", "data_dir", writable, str(data_dir) + ("" if writable else " not writable"))
        )
        loose = _loose_modes(data_dir)
        checks.append(
            Check(
                "internal",
                "file_modes",
                not loose,
                "data files are 0600, directories 0700"
                if not loose
                else f"open to others: {', '.join(loose[:8])}{' ...' if len(loose) > 8 else ''} "
                f"(fix: chmod -R go= {data_dir})",
            )
        )
        database = data_dir / "kiosk.db"
        if database.is_file():
            try:
                with closing(
                    sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
                ) as conn:
                    verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
                checks.append(Check("internal", "database", verdict == "ok", verdict))
            except sqlite3.Error as exc:
                checks.append(Check("internal", "database", False, str(exc)))
        else:
            checks.append(Check("internal", "database", None, "no database yet (the kiosk has not run)"))
    try:
        credentials = check_production(config)
        revoked = None if credentials is None else _revoked(config)
        checks.append(
            Check(
                "internal",
                "enrolment",
                not revoked,
                revoked
                or (
                    "embedded back office"
                    if credentials is None
                    else f"enrolled as {credentials.terminal_id}"
                ),
            )
        )
    except NotReady as exc:
        checks.append(Check("internal", "enrolment", False, str(exc)))
    return checks


def _loose_modes(data_dir: Path) -> list[str]:
    """Files and directories under the data directory that its group or others may use (sorted, relative).

    The bundles' tree is included: flows are part of what a citizen is shown. Symbolic links (the bundles'
    ``active``/``previous``) are not followed: their own mode means nothing."""
    loose = []
    for path in sorted(data_dir.rglob("*")):
        if path.is_symlink():
            continue
        try:
            mode = stat.S_IMODE(path.lstat().st_mode)
        except OSError:
            continue
        if mode & 0o077:
            loose.append(str(path.relative_to(data_dir)) + ("/" if path.is_dir() else ""))
    return loose


def _revoked(config: Config) -> str | None:
    """The back office's revocation as the sync client recorded it (:mod:`kiosk.sync.revocation`)."""
    from kiosk.status import gather

    revoked = gather(config).get("enrolment", {}).get("revoked")
    if not revoked:
        return None
    from kiosk.sync.revocation import describe

    return describe(revoked)


def _open_devices(
    config: Config, checks: list[Check], device_options: dict[str, dict] | None
) -> dict[str, Any]:
    from drivers.base import DeviceError
    from drivers.registry import DeviceContext, open_device
    from kiosk.device_checks import health

    options = dict(device_options or {})
    if any(config.devices.get(name, "").startswith("sim://") for name in ("idcard", "sscard")):
        from kiosk.demo.cards import with_demo_cards  # simulated readers need cards to hand out

        options = with_demo_cards(config.devices, options)
    opened: dict[str, Any] = {}
    for name, url in config.devices.items():
        try:
            device = open_device(name, url, DeviceContext(Path(config.data_dir), options.get(name, {})))
            opened[name] = device
            device.open()
            ok, details = health(device)
            text = ", ".join(f"{k} {v}" for k, v in details.items())
            checks.append(Check("internal", f"device.{name}", ok, f"{url}: {text}"))
            if not ok:  # its external test would only wait and fail again
                opened.pop(name)
                _close(device)
        except (DeviceError, OSError) as exc:
            if name in opened:
                _close(opened.pop(name))
            checks.append(
                Check(
                    "internal",
                    f"device.{name}",
                    False,
                    f"{url}: {getattr(exc, 'key', type(exc).__name__)} {getattr(exc, 'detail', '')}".rstrip(),
                )
            )
    if not config.devices:
        checks.append(Check("internal", "devices", False, "no [devices] configured"))
    return opened


def _external(config: Config, devices: dict[str, Any], checks: list[Check], card_timeout: float) -> list[str]:
    from drivers.base import DeviceError
    from kiosk.device_checks import CARD_READERS, PRINTERS, read_test_card, test_print

    printed = []
    for name in PRINTERS:
        if name not in devices:
            continue
        try:
            result = test_print(
                devices[name], name, config.terminal_id, Path(config.data_dir), url=config.devices[name]
            )
            checks.append(
                Check(
                    "external",
                    f"print.{name}",
                    True,
                    f"printed job {result.job_id}" + (f"; {result.simulated}" if result.simulated else ""),
                )
            )
            printed.append(name)
        except (DeviceError, OSError, ValueError) as exc:
            checks.append(Check("external", f"print.{name}", False, _error_text(exc)))
    for name in CARD_READERS:
        if name not in devices:
            continue
        try:
            card = read_test_card(devices[name], name, card_timeout)
            checks.append(
                Check(
                    "external",
                    f"card.{name}",
                    True,
                    f"{card.card_type} {card.masked_name} {card.masked_id_number}",
                )
            )
        except DeviceError as exc:
            checks.append(Check("external", f"card.{name}", False, _error_text(exc)))
    checks.append(_link_test(config))
    return printed


def link_test(config: Config) -> tuple[bool | None, str]:
    """One signed request to the back office with the terminal's enrolment (the maintenance screen's too)."""
    from kiosk.sync.credentials import Credentials
    from kiosk.sync.transport import Signer, Transport, TransportError

    if config.backoffice_url == "embedded":
        return None, "embedded back office: nothing to reach"
    try:
        credentials = Credentials.load(config.data_dir)
    except (OSError, ValueError) as exc:
        return False, f"no usable enrolment ({type(exc).__name__})"
    transport = Transport(config.backoffice_url or credentials.base_url, Signer(credentials), timeout=(5, 15))
    try:
        transport.call("GET", "/api/v1/config")
    except TransportError as exc:
        return False, f"signed request failed: {exc}"
    finally:
        transport.close()
    return True, f"signed request accepted by {config.backoffice_url or credentials.base_url}"


def _link_test(config: Config) -> Check:
    ok, detail = link_test(config)
    return Check("external", "backoffice", ok, detail)


def _interactive(printed: list[str], checks: list[Check], ask: Ask | None) -> None:
    for name in printed:
        answer = (
            ask(f"Is the {name} test page complete and legible (Chinese text, QR code, margins)?")
            if ask
            else None
        )
        checks.append(
            Check(
                "interactive",
                f"looks.{name}",
                answer,
                {
                    True: "confirmed by the technician",
                    False: "rejected by the technician",
                    None: "skipped: nobody to ask",
                }[answer],
            )
        )


def _error_text(exc: BaseException) -> str:
    key = getattr(exc, "key", "")
    detail = getattr(exc, "detail", "") or str(exc)
    return f"{key} {detail}".strip() if key else f"{type(exc).__name__}: {detail}"


def faults(checks: list[Check]) -> list[Check]:
    return [check for check in checks if check.ok is False]
