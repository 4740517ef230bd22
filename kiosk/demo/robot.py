"""Drive the rendered UI the way a finger does: find an item by objectName, touch its centre.

Used by the tests and by the headless demo's scripted citizen; it goes through
real touch events on the real window, not through the controller.

PySide6 6.12.0 dropped a reference to ``None`` on every ``processEvents()`` and
``QTouchEventSequence.commit()`` call from Python, so thousands of taps crashed the
interpreter. The project pins PySide6 below 6.12 (tests/test_qt_refcounts.py guards it);
the robot also avoids both calls (a nested ``QEventLoop``; sequences committed by their
destructor) so long soak runs stay safe on any binding.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QPoint, QPointF, QTimer
from PySide6.QtGui import QImage
from PySide6.QtQuick import QQuickItem, QQuickWindow
from PySide6.QtTest import QTest

# How long a wait may take before it is a failure. Only a failure waits this long: a quiet machine shows a
# screen in 0.1 s, a loaded 2-core CI machine running two test workers can take seconds.
WAIT_S = 15.0


class UiRobot:
    def __init__(self, window: QQuickWindow):
        self.window = window
        self.device = QTest.createTouchDevice()

    def pump(self, seconds: float = 0.0) -> None:
        """Let Qt run for ``seconds`` (at least one pass of the event loop)."""
        loop = QEventLoop()
        QTimer.singleShot(max(1, int(seconds * 1000)), loop.quit)
        loop.exec()

    def find(self, name: str, *, enabled: bool = True) -> QQuickItem | None:
        """The first visible item with this objectName, searching the visual tree; by default only an
        enabled one (what a finger can use: a screen that has not settled yet takes no taps)."""
        stack = [self.window.contentItem()]
        while stack:
            item = stack.pop()
            if not item.isVisible():
                continue
            if item.objectName() == name and (item.isEnabled() or not enabled):
                return item
            stack.extend(reversed(item.childItems()))
        return None

    def text_of(self, name: str) -> str:
        """The text shown by a visible item (the eye reads a screen before it takes taps)."""
        item = self.find(name, enabled=False)
        return str(item.property("text")) if item is not None else ""

    def wait_for(self, name: str, timeout: float = WAIT_S) -> QQuickItem:
        """The named item once it is visible and laid out where a finger would see it: a just-created
        screen is positioned on the next polish, and a touch before that lands beside the button."""
        end = time.monotonic() + timeout
        last = None
        while time.monotonic() < end:
            item = self.find(name)
            if item is not None and item.width() > 0:
                where = item.mapToScene(QPointF(0, 0))
                if last is not None and where == last[1] and item is last[0]:
                    return item
                last = (item, where)
            else:
                last = None
            self.pump(0.02)
        raise TimeoutError(f"no visible item named {name!r} within {timeout} s")

    def wait_until(self, predicate, timeout: float = WAIT_S, what: str = "condition") -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if predicate():
                return
            self.pump(0.01)
        raise TimeoutError(f"{what} not reached within {timeout} s")

    def scroll_into_view(self, item: QQuickItem) -> None:
        """Like a finger swiping a list: move the enclosing Flickable so ``item`` is inside its viewport."""
        parent = item.parentItem()
        while parent is not None and parent.property("contentY") is None:
            parent = parent.parentItem()
        if parent is None:
            return
        content = parent.property("contentItem")
        top = item.mapToItem(content, QPointF(0, 0)).y()
        view_top, view_height = parent.property("contentY"), parent.height()
        if top < view_top or top + item.height() > view_top + view_height:
            limit = max(0.0, parent.property("contentHeight") - view_height)
            parent.setProperty("contentY", min(max(0.0, top - 20), limit))
            self.pump(0.05)

    def tap(self, name: str, timeout: float = WAIT_S) -> None:
        item = self.wait_for(name, timeout)
        self.scroll_into_view(item)
        centre = item.mapToScene(QPointF(item.width() / 2, item.height() / 2)).toPoint()
        self.tap_at(centre)

    def tap_at(self, point: QPoint, settle: float = 0.02) -> None:
        self.touch(point, press=True)
        self.pump(settle)
        self.touch(point, press=False)
        self.pump(settle)

    def hold(self, name: str, seconds: float, timeout: float = WAIT_S) -> None:
        """Press the named item and keep the finger down for ``seconds`` (a long press), then lift it."""
        item = self.wait_for(name, timeout)
        centre = item.mapToScene(QPointF(item.width() / 2, item.height() / 2)).toPoint()
        self.touch(centre, press=True)
        self.pump(seconds)
        self.touch(centre, press=False)
        self.pump(0.02)

    def tap_keyboard(self, keys: str) -> None:
        """Type on Qt's virtual keyboard (the InputPanel in the window) by touching its keys."""
        panel = self.wait_for("inputPanel")
        for char in keys:
            key = self._find_key(panel, char)
            if key is None:
                raise LookupError(f"no key {char!r} on the on-screen keyboard")
            self.tap_at(key.mapToScene(QPointF(key.width() / 2, key.height() / 2)).toPoint())

    def tap_candidate(self, word: str) -> None:
        """Choose a word from the keyboard's candidate list (Pinyin), as a finger would."""
        panel = self.wait_for("inputPanel")
        stack = [panel]
        while stack:
            item = stack.pop()
            if item.isVisible() and item.metaObject().className().startswith("SelectionListItem"):
                texts = [child.property("text") for child in item.childItems()]
                if word in texts:
                    self.tap_at(item.mapToScene(QPointF(item.width() / 2, item.height() / 2)).toPoint())
                    return
            stack.extend(item.childItems())
        raise LookupError(f"no candidate {word!r} on the on-screen keyboard")

    def _find_key(self, panel: QQuickItem, char: str) -> QQuickItem | None:
        stack = [panel]
        while stack:
            item = stack.pop()
            if (
                item.isVisible()
                and item.metaObject().className().startswith("Key_")
                and str(item.property("text")).lower() == char.lower()
            ):
                return item
            stack.extend(item.childItems())
        return None

    def draw(self, name: str, points: list[tuple[float, float]]) -> None:
        """Drag a finger through ``points`` (relative 0..1 inside the named item), e.g. to sign."""
        item = self.wait_for(name)
        scene = [item.mapToScene(QPointF(x * item.width(), y * item.height())).toPoint() for x, y in points]
        self.touch(scene[0], press=True)
        self.pump(0.02)
        for point in scene[1:]:
            sequence = QTest.touchEvent(self.window, self.device)
            sequence.move(0, point, self.window)
            del sequence
            self.pump(0.01)
        self.touch(scene[-1], press=False)
        self.pump(0.05)

    def touch(self, point: QPoint, *, press: bool) -> None:
        """Send one touch point; the sequence commits when it is destroyed (see the module note)."""
        sequence = QTest.touchEvent(self.window, self.device)
        if press:
            sequence.press(0, point, self.window)
        else:
            sequence.release(0, point, self.window)
        del sequence

    def screenshot(self, path: Path) -> QImage:
        self.pump(0.05)
        image = self.window.grabWindow()
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(str(path))
        return image
