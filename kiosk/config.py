"""The terminal's configuration: one TOML file, validated at start.

No file at all means the embedded demo defaults (every device simulated, the
back office started in-process) -- but only for ``kiosk demo``: a file never falls back
to the demo. A file without ``[backoffice] url`` talks to the back office it was
enrolled with; ``url = "embedded"`` must be written out to get the in-process one.
Technician commands find the file with :func:`find_config` (``--config``, else
``$KIOSK_CONFIG``, else ``/etc/kiosk/kiosk.toml``) and fail naming where they looked. A bad file stops the kiosk before any window
opens, with an error that names the key and the problem::

    config.toml: timeouts.inactivity_s: must be a number between 10 and 600 (got 'abc')

Example::

    [terminal]
    id = "T-4201-0001"
    name = "武昌区市民之家 1号自助终端"
    group = "wuchang"
    locale = "zh_CN"            # or "en"

    [timeouts]
    inactivity_s = 60           # no touch for this long: ask 'need more time?'
    countdown_s = 15            # then return home after this countdown

    [paths]
    data_dir = "/var/lib/kiosk"

    [accessibility]
    elderly_default = false     # every session starts in 长辈模式 (large text) on this terminal
    elderly_inactivity_s = 120  # the inactivity timeout while elderly mode is on

    [voice]
    enabled = true              # spoken prompts (espeak-ng, offline)
    muted = false               # start muted; the replay button still speaks
    volume = 0.8                # 0 to 1

    [maintenance]
    idle_s = 300                # maintenance mode ends by itself after this long without a touch
    lockout_s = 300             # three wrong PINs lock the maintenance gate this long

    [backoffice]
    url = "https://backoffice.example.gov.cn"   # "embedded" starts the reference server in-process
    heartbeat_s = 30            # how often the terminal reports and looks for a new flow bundle

    [rating]                    # 好差评 later on a phone, by the QR code on the receipt and the done screen
    public_url = "https://hcp.example.gov.cn"   # what phones open, if not the back office's url
    window_days = 7             # shown to the citizen; the back office's Limits.rate_window_days decides

    [devices]
    idcard = "serial:///dev/ttyUSB0?baud=115200"
    sscard = "pcsc://?reader=ACS"
    receipt = "escpos+tcp://192.168.1.50:9100?encoding=gb18030&width=80"
    document = "cups://A4"
    license = "cups://LICENSE"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.base import DeviceConfigError
from drivers.registry import DEVICE_CLASSES, check_url

LOCALES = ("zh_CN", "en")

DEFAULT_DATA_DIR = Path("/var/lib/kiosk")
DEFAULT_CONFIG = Path("/etc/kiosk/kiosk.toml")
CONFIG_ENV = "KIOSK_CONFIG"

DEMO_DEVICES = {
    "idcard": "sim://idcard",
    "sscard": "sim://sscard",
    "receipt": "sim://receipt",
    "document": "sim://document",
    "license": "sim://license",
}


class ConfigError(Exception):
    """A configuration problem, naming the key: ``timeouts.inactivity_s: must be ...``."""

    def __init__(self, key: str, problem: str, source: str = ""):
        super().__init__(f"{source + ': ' if source else ''}{key}: {problem}")
        self.key, self.problem, self.source = key, problem, source


@dataclass(frozen=True)
class Config:
    terminal_id: str = "T-DEMO-0001"
    terminal_name: str = "武汉市民之家 1号自助终端"
    terminal_name_en: str = "Wuhan Citizens' Home, terminal 1"
    group: str = "demo"
    locale: str = "zh_CN"
    inactivity_s: float = 60.0
    countdown_s: float = 15.0
    data_dir: Path = Path("var/demo")
    backoffice_url: str = "embedded"
    heartbeat_s: float = 30.0
    devices: dict[str, str] = field(default_factory=lambda: dict(DEMO_DEVICES))
    elderly_default: bool = False
    elderly_inactivity_s: float = 120.0
    voice_enabled: bool = True
    voice_muted: bool = False
    voice_volume: float = 0.8
    demo: bool = True
    source: str = "(embedded default)"
    maintenance_idle_s: float = 300.0  # maintenance mode ends by itself after this long without a touch
    maintenance_lockout_s: float = 300.0  # three wrong PINs lock the gate this long
    paused_services: tuple[str, ...] = ()  # flow ids the console paused (listed, not startable)
    # rate later on a phone (the receipt's and the done screen's QR code): the address phones open, if not the
    # back office's own (a terminal may reach it on a private network); the window the back office allows
    rate_later_url: str = ""
    rate_window_days: int = 7


_SPEC: dict[str, dict[str, tuple[str, type, Any]]] = {
    # section -> key -> (attribute, type, constraint)
    "terminal": {
        "id": ("terminal_id", str, r"nonempty"),
        "name": ("terminal_name", str, "nonempty"),
        "name_en": ("terminal_name_en", str, "any"),
        "group": ("group", str, "nonempty"),
        "locale": ("locale", str, LOCALES),
    },
    "timeouts": {
        "inactivity_s": ("inactivity_s", float, (10, 600)),
        "countdown_s": ("countdown_s", float, (5, 120)),
    },
    "paths": {"data_dir": ("data_dir", Path, "any")},
    "accessibility": {
        "elderly_default": ("elderly_default", bool, "any"),
        "elderly_inactivity_s": ("elderly_inactivity_s", float, (10, 900)),
    },
    "voice": {
        "enabled": ("voice_enabled", bool, "any"),
        "muted": ("voice_muted", bool, "any"),
        "volume": ("voice_volume", float, (0, 1)),
    },
    "backoffice": {"url": ("backoffice_url", str, "url"), "heartbeat_s": ("heartbeat_s", float, (1, 3600))},
    "rating": {
        "public_url": ("rate_later_url", str, "url"),
        "window_days": ("rate_window_days", int, (1, 90)),
    },
    "maintenance": {
        "idle_s": ("maintenance_idle_s", float, (10, 3600)),
        "lockout_s": ("maintenance_lockout_s", float, (10, 86400)),
    },
}


def _check(source: str, key: str, value: Any, kind: type, constraint: Any) -> Any:
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(key, f"must be true or false (got {value!r})", source)
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(key, f"must be a number (got {value!r})", source)
        low, high = constraint
        if not low <= value <= high:
            raise ConfigError(key, f"must be between {low} and {high} (got {value})", source)
        return float(value)
    if not isinstance(value, str):
        raise ConfigError(key, f"must be a string (got {value!r})", source)
    if constraint == "nonempty" and not value.strip():
        raise ConfigError(key, "must not be empty", source)
    if isinstance(constraint, tuple) and value not in constraint:
        raise ConfigError(key, f"must be one of {', '.join(constraint)} (got {value!r})", source)
    if constraint == "url" and value != "embedded" and not value.startswith(("http://", "https://")):
        raise ConfigError(key, f"must be an http:// or https:// URL, or 'embedded' (got {value!r})", source)
    return Path(value) if kind is Path else value


def parse_config(data: dict[str, Any], source: str = "<config>", base_dir: Path | None = None) -> Config:
    # a file is a real terminal: no demo back office, no demo data directory unless written out
    values: dict[str, Any] = {
        "demo": False,
        "source": source,
        "devices": {},
        "backoffice_url": "",
        "data_dir": DEFAULT_DATA_DIR,
    }
    for section, content in data.items():
        if section == "devices":
            continue
        if section not in _SPEC:
            raise ConfigError(section, f"unknown section; known: {', '.join([*_SPEC, 'devices'])}", source)
        if not isinstance(content, dict):
            raise ConfigError(section, "must be a table", source)
        for key, value in content.items():
            if key not in _SPEC[section]:
                raise ConfigError(
                    f"{section}.{key}", f"unknown key; known: {', '.join(_SPEC[section])}", source
                )
            attribute, kind, constraint = _SPEC[section][key]
            values[attribute] = _check(source, f"{section}.{key}", value, kind, constraint)
    devices = data.get("devices", {})
    if not isinstance(devices, dict):
        raise ConfigError("devices", "must be a table of device class = URL", source)
    for device_class, url in devices.items():
        key = f"devices.{device_class}"
        if device_class not in DEVICE_CLASSES:
            raise ConfigError(key, f"unknown device class; known: {', '.join(DEVICE_CLASSES)}", source)
        if not isinstance(url, str):
            raise ConfigError(key, f"must be a device URL string (got {url!r})", source)
        try:
            check_url(device_class, url)
        except DeviceConfigError as exc:
            raise ConfigError(key, str(exc), source) from None
        values["devices"][device_class] = url
    if "data_dir" in values and base_dir and not values["data_dir"].is_absolute():
        values["data_dir"] = base_dir / values["data_dir"]
    return Config(**values)


def load_config(path: Path | None) -> Config:
    """Read and validate a TOML file; ``None`` gives the embedded demo defaults."""
    if path is None:
        return Config()
    source = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("(file)", "not found", source) from None
    except IsADirectoryError:
        raise ConfigError("(file)", "is a directory, not a TOML file", source) from None
    except UnicodeDecodeError as exc:
        raise ConfigError("(file)", f"not UTF-8 text (byte {exc.start})", source) from None
    except OSError as exc:  # unreadable (permissions, I/O): still one line naming the file
        raise ConfigError("(file)", exc.strerror or type(exc).__name__, source) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("(syntax)", str(exc), source) from None
    return parse_config(data, source, base_dir=path.parent)


def find_config(path: Path | None) -> Path:
    """The configuration a technician command uses: ``path``, else ``$KIOSK_CONFIG``, else
    ``/etc/kiosk/kiosk.toml``; never the demo defaults (they would test simulators and report success)."""
    import os

    if path is not None:
        return path
    candidates = [Path(os.environ[CONFIG_ENV])] if os.environ.get(CONFIG_ENV) else []
    candidates.append(DEFAULT_CONFIG)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    looked = ", ".join([*(f"${CONFIG_ENV}={c}" for c in candidates[:-1]), str(DEFAULT_CONFIG)])
    raise ConfigError("(file)", f"no configuration found (looked in {looked}); pass --config FILE", "kiosk")
