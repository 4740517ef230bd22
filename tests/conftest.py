"""Test set-up shared by every area. Qt runs offscreen; each area's fixtures live in tests/fixtures/."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_IM_MODULE", "qtvirtualkeyboard")  # before the QApplication exists
os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "escpos"))

pytest_plugins = [
    "tests.fixtures.identity",
    "tests.fixtures.printing",
    "tests.fixtures.backoffice",
    "tests.fixtures.flows",
    "tests.fixtures.ui",
]
