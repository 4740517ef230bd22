"""Test set-up shared by every area. Qt runs offscreen; each area's fixtures live in tests/fixtures/."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_IM_MODULE", "qtvirtualkeyboard")  # before the QApplication exists

pytest_plugins = [
    "tests.fixtures.identity",
    "tests.fixtures.printing",
    "tests.fixtures.backoffice",
    "tests.fixtures.flows",
    "tests.fixtures.ui",
]
