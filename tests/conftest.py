"""Test set-up shared by every area. Qt runs offscreen; each area's fixtures live in tests/fixtures/.

The ``slow`` marker (``pytest -m "not slow"``, ``scripts/quick.sh``) is set two ways: explicitly on long runs
(packaging, schemathesis, crash runs, soak-like UI walks), and here, by fixture, on every test that needs a
system daemon (pcscd, cupsd, PostgreSQL) -- so a new test using one is slow without anyone remembering to say so.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_IM_MODULE", "qtvirtualkeyboard")  # before the QApplication exists
# No sound server on a test machine: without one, libpulse's connection attempts made Qt's audio-device query
# stall the GUI thread now and then; a socket that does not exist makes it fail at once (the voice tests record
# what would be played through their own sink).
if not (Path(os.environ.get("XDG_RUNTIME_DIR", "/nonexistent")) / "pulse" / "native").exists():
    os.environ.setdefault("PULSE_SERVER", "unix:/nonexistent-pulse")

# Hypothesis fails an example slower than its deadline (200 ms by default), and calls the test flaky when the
# rerun is fast: on a loaded 2-core CI machine a pause of the process is enough. Speed is measured by the
# benchmarks; the property tests check properties, with no deadline.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")

pytest_plugins = [
    "tests.fixtures.identity",
    "tests.fixtures.printing",
    "tests.fixtures.backoffice",
    "tests.fixtures.fleet",
    "tests.fixtures.flows",
    "tests.fixtures.ui",
]

# Fixtures that start a system daemon: a test using one (directly or through another fixture) is slow.
DAEMON_FIXTURES = frozenset({"pcscd", "cupsd", "postgres_url"})

# Tests that render: a Qt application (the kiosk's screens) or a real browser (the console). The quick loop
# (scripts/quick.sh) leaves them out; scripts/test.sh runs them in its first pass.
UI_FIXTURES = frozenset({"qapp", "qtbot"})


def _renders(item: pytest.Item) -> bool:
    name = item.path.name
    return bool(UI_FIXTURES.intersection(getattr(item, "fixturenames", ()))) or (
        name.startswith("test_ui_") or "browser" in name
    )


# Modules whose tests share one expensive module-scoped fixture (the PyInstaller bundle): under xdist they stay
# on one worker, or each worker would build it.
ONE_WORKER_MODULES = frozenset({"test_packaging.py"})

# A module whose own ``pytestmark`` is ``pytest.mark.slow`` (all its tests slow) is not even imported when slow
# tests are deselected: importing the schemathesis module alone builds a back office and costs about a second.
_SLOW_MODULE = re.compile(r"^\s*pytestmark\s*=\s*pytest\.mark\.slow\b", re.MULTILINE)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if DAEMON_FIXTURES.intersection(fixtures):
            item.add_marker(pytest.mark.slow)
        if _renders(item):
            item.add_marker(pytest.mark.ui)
        if "pcscd" in fixtures:
            # Where pcscd cannot get a private /run/pcscd (tests/fixtures/identity.py: not root, no unshare) it is
            # one per machine: under ``-n 2 --dist loadgroup`` the tests that need it then share one worker.
            item.add_marker(pytest.mark.xdist_group("pcscd"))
        elif item.path.name in ONE_WORKER_MODULES:
            item.add_marker(pytest.mark.xdist_group(item.path.stem))


def _deselects_slow(config: pytest.Config) -> bool:
    """True if the ``-m`` expression rejects a test marked only ``slow`` (e.g. ``-m "not slow"``)."""
    expression = config.getoption("markexpr", "")
    if not expression:
        return False
    from _pytest.mark.expression import Expression

    return not Expression.compile(expression).evaluate(lambda name, **_: name == "slow")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
        return None
    if _deselects_slow(config) and _SLOW_MODULE.search(collection_path.read_text(encoding="utf-8")):
        return True
    return None
