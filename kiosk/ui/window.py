"""Window-level input handling: every touch resets the inactivity timer; in production, no escape keys."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject

_TOUCH_EVENTS = {QEvent.Type.TouchBegin, QEvent.Type.MouseButtonPress}
_KEY_EVENTS = {QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress, QEvent.Type.KeyRelease}


class InputFilter(QObject):
    def __init__(self, controller, *, lockdown: bool):
        super().__init__()
        self._controller = controller
        self._lockdown = lockdown

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        kind = event.type()
        if kind in _TOUCH_EVENTS:
            self._controller.touched()
        elif self._lockdown and kind in _KEY_EVENTS:
            # accept ShortcutOverride and swallow the key, or a QShortcut (Esc, Alt+F4 in-app) would still fire
            event.accept()
            return True
        elif self._lockdown and kind == QEvent.Type.Close:
            event.ignore()
            return True
        return False
