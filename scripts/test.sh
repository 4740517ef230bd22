#!/usr/bin/env bash
# The test command: set up (idempotent), lint, then run the whole suite.
# The tests start what they drive themselves (pty simulator, pcscd, cupsd, PostgreSQL, the back office).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
unset PYTHONDONTWRITEBYTECODE  # bytecode cache: see scripts/quick.sh
.venv/bin/ruff check .
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
