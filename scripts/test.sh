#!/usr/bin/env bash
# The test command: set up (idempotent), lint, then run the whole suite.
# The tests start what they drive themselves (pty simulator, pcscd, cupsd, PostgreSQL, the back office).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
unset PYTHONDONTWRITEBYTECODE  # bytecode cache: see scripts/quick.sh
.venv/bin/ruff check .
# Two passes: the tests not marked slow on two processes (as scripts/quick.sh), then the slow ones -- system
# daemons, PostgreSQL, PyInstaller, schemathesis, crash runs -- one at a time (with -n 2 that pass ended early,
# 29 of 48 reported and no error, on 2026-11-27: not adopted until understood).
status=0
run() {  # pytest's 5 is "no test selected": fine for one pass when the arguments pick tests of the other only
  local code=0
  .venv/bin/python -m pytest -q -p no:cacheprovider "$@" || code=$?
  if [ "$code" -ne 0 ] && [ "$code" -ne 5 ]; then status=$code; fi
}
run -m "not slow" -n 2 --dist worksteal "$@"
run -m slow "$@"
exit "$status"
