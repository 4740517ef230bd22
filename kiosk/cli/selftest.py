"""``kiosk selftest-ui``: start the kiosk offscreen, render the attract screen, save it, exit.

Made for packaged builds (``kiosk.spec``): it proves the bundle finds its QML, translations
and flow definitions (they are located relative to the modules' ``__file__``) and that the
Qt platform, QML and, on request, virtual-keyboard plugins load. It prints one JSON line
with what it found and exits 0 only when every check passed.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from kiosk.cli import CliError

_STARTED = time.monotonic()

# Loaded into the running engine by --check-keyboard: the UI is to use Qt Virtual Keyboard with Pinyin.
KEYBOARD_QML = b"""
import QtQuick
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Settings
Item {
    width: 1280; height: 400
    property var locales: VirtualKeyboardSettings.availableLocales
    InputPanel { objectName: "selftestInputPanel"; width: parent.width }
    Component.onCompleted: VirtualKeyboardSettings.locale = "zh_CN"
}
"""


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "selftest-ui", help="start offscreen, save the attract screen as PNG, exit"
    )
    parser.add_argument("--screenshot", type=Path, required=True, help="where to write the PNG")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for the first frame")
    parser.add_argument(
        "--check-keyboard",
        action="store_true",
        help="also load the Qt Virtual Keyboard (InputPanel, Pinyin) QML module",
    )
    parser.add_argument("--data-dir", type=Path, help="data directory (default: a fresh temporary one)")
    parser.add_argument(
        "--config",
        type=Path,
        help="start from the terminal's configuration (locale, name, "
        "devices, back office) instead of the demo's; the data stays in --data-dir",
    )
    parser.set_defaults(handler=run_selftest)


def _distinct_colours(image, limit: int = 64) -> int:
    """How many distinct colours a sparse grid over the image shows (stops counting at ``limit``)."""
    seen: set[int] = set()
    width, height = image.width(), image.height()
    for y in range(0, height, max(1, height // 40)):
        for x in range(0, width, max(1, width // 40)):
            seen.add(image.pixel(x, y))
            if len(seen) >= limit:
                return len(seen)
    return len(seen)


def run_selftest(args) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.check_keyboard:
        os.environ.setdefault("QT_IM_MODULE", "qtvirtualkeyboard")
    from kiosk.config import DEMO_DEVICES, Config, ConfigError, load_config

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="kiosk-selftest-"))
    if args.config is not None:
        try:
            config = replace(load_config(args.config), data_dir=data_dir)
        except ConfigError as exc:
            raise CliError(f"configuration error: {exc}", status=2) from None
    else:
        config = replace(Config(), data_dir=data_dir, demo=True, devices=dict(DEMO_DEVICES))

    from kiosk.app import QML_DIR, KioskApplication, build_context

    app = KioskApplication(build_context(config))
    try:
        return _check(app, args, QML_DIR)
    finally:
        app.shutdown()


def _process_age() -> float | None:
    """Seconds since this process started (Linux: /proc), bootloader and interpreter start-up included."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return round(uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK"), 2)
    except (OSError, ValueError, IndexError):
        return None


def _pump(seconds: float) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(max(1, int(seconds * 1000)), loop.quit)
    loop.exec()


def _check(app, args, qml_dir: Path) -> int:
    from kiosk.i18n import catalog

    frames = [0]
    app.window.frameSwapped.connect(lambda: frames.__setitem__(0, frames[0] + 1))
    end = time.monotonic() + args.timeout
    while not (app.controller.screen == "attract" and frames[0] > 0):
        if time.monotonic() > end:
            raise CliError(
                f"selftest-ui: no rendered attract screen within {args.timeout} s "
                f"(screen {app.controller.screen!r}, {frames[0]} frames)"
            )
        _pump(0.01)
    first_frame_s = time.monotonic() - _STARTED
    process_age = _process_age()
    image = app.window.grabWindow()
    args.screenshot.parent.mkdir(parents=True, exist_ok=True)
    saved = image.save(str(args.screenshot))
    report = {
        "screen": app.controller.screen,
        "terminal": app.ctx.config.terminal_id,
        "config": app.ctx.config.source,
        "first_frame_s": round(first_frame_s, 3),  # from the import of this module
        "process_first_frame_s": process_age,  # from the process start (10 ms resolution)
        "frozen": bool(getattr(sys, "frozen", False)),
        "qml_dir": str(qml_dir),
        "flows": len(app.ctx.flows),
        "strings_zh_CN": len(catalog("zh_CN")),
        "strings_en": len(catalog("en")),
        "image": [image.width(), image.height()],
        "colours": _distinct_colours(image),
        "saved": saved,
    }
    problems = [
        name
        for name, bad in (
            ("flows", report["flows"] == 0),
            ("strings", report["strings_zh_CN"] == 0),
            ("strings_en", report["strings_en"] == 0),
            ("saved", not saved),
            ("blank", report["colours"] < 3),
        )
        if bad
    ]
    if args.check_keyboard:
        report["keyboard"] = _load_keyboard(app)
        if report["keyboard"] != "ok":
            problems.append("keyboard")
    report["problems"] = problems
    print(json.dumps(report, ensure_ascii=False))
    return 1 if problems else 0


def _load_keyboard(app) -> str:
    """Instantiate an InputPanel in the app's QML engine: 'ok' or the QML errors."""
    from PySide6.QtCore import QUrl
    from PySide6.QtQml import QQmlComponent

    component = QQmlComponent(app.engine)
    # A local URL (the file need not exist) so the imports resolve synchronously.
    component.setData(
        KEYBOARD_QML, QUrl.fromLocalFile(str(Path(tempfile.gettempdir()) / "selftest-keyboard.qml"))
    )
    panel = component.create()
    if panel is None:
        return "; ".join(error.toString() for error in component.errors()) or "not created"
    end = time.monotonic() + 5.0  # the layouts are listed by a FolderListModel, asynchronously
    locales: list[str] = []
    while "zh_CN" not in locales and time.monotonic() < end:
        _pump(0.02)
        locales = list(panel.property("locales") or [])
    panel.deleteLater()
    return "ok" if "zh_CN" in locales else f"no zh_CN keyboard layout (found {locales})"
