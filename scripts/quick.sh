#!/usr/bin/env bash
# The quick loop, under 60 s on 2 cores: lint, then every test that is neither slow nor rendering (marker `ui`:
# kiosk screens, the console in a browser), on two processes (pytest-xdist). Pass `-m ui` or a file to run those.
# No set-up here: run scripts/setup.sh (or scripts/test.sh) once first. Extra arguments go to pytest.
# The slow tests (system daemons, PostgreSQL, packaging, schemathesis, crash runs) run in scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
# Cache bytecode even where the environment turns it off: without the cache pytest re-compiles (and re-rewrites
# the asserts of) ~400 modules on every run, which is most of the ~8 s it took to collect the suite.
unset PYTHONDONTWRITEBYTECODE
.venv/bin/ruff check .
.venv/bin/ruff format --check .  # one formatter, applied to the whole tree once and kept
.venv/bin/lint-imports  # the layer contracts in pyproject.toml [tool.importlinter]
.venv/bin/mypy  # the type check: packages, strictness and the baseline in pyproject.toml [tool.mypy]
.venv/bin/python -m pytest -q -p no:cacheprovider -m "not slow and not ui" -n 4 --dist worksteal "$@"  # 4 workers on 2 cores: many tests wait on sockets and subprocesses
