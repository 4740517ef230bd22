#!/usr/bin/env bash
# The test command: set up (idempotent), lint, then run the whole suite.
# The tests start what they drive themselves (pty simulator, pcscd, cupsd, PostgreSQL, the back office).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
unset PYTHONDONTWRITEBYTECODE  # bytecode cache: see scripts/quick.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .  # one formatter, applied to the whole tree once and kept
.venv/bin/lint-imports  # the layer contracts in pyproject.toml [tool.importlinter]
.venv/bin/mypy  # the type check: packages, strictness and the baseline in pyproject.toml [tool.mypy]
# Two passes on two processes: the tests not marked slow (as scripts/quick.sh; worksteal balances the many short
# UI tests), then the slow ones -- system daemons, PostgreSQL, PyInstaller, schemathesis, crash runs -- with
# loadgroup, which keeps the tests sharing one PyInstaller build on one worker (tests/conftest.py). Under xdist
# schemathesis reports its operations as one test, so that pass shows 29 passed where a serial run shows 48.
status=0
run() {  # pytest's 5 is "no test selected": fine for one pass when the arguments pick tests of the other only
  local code=0
  .venv/bin/python -m pytest -q -p no:cacheprovider "$@" || code=$?
  if [ "$code" -ne 0 ] && [ "$code" -ne 5 ]; then status=$code; fi
}
run -m "not slow" -n 2 --dist worksteal "$@"
run -m slow -n 2 --dist loadgroup "$@"
exit "$status"
