#!/usr/bin/env bash
# The demo command: set up (idempotent), then run the kiosk on its embedded default
# (simulated devices, local back office, demo data). Extra arguments go to `kiosk demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/kiosk demo "$@"
