"""Every QML file compiles: a broken screen would show a citizen a blank page."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtQml import QQmlComponent, QQmlEngine

QML_DIR = Path(__file__).resolve().parent.parent / "kiosk" / "ui" / "qml"


@pytest.mark.parametrize("path", sorted(QML_DIR.glob("*.qml")), ids=lambda p: p.name)
def test_qml_file_compiles(qapp, path):
    import PySide6.QtQuick  # noqa: F401 - QML types need the module loaded

    engine = QQmlEngine()
    component = QQmlComponent(engine, str(path))
    assert component.status() != QQmlComponent.Status.Error, [e.toString() for e in component.errors()]
