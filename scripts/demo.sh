#!/usr/bin/env bash
# First README command: set up, load the demo data set, serve at http://127.0.0.1:5000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The demo serves plain HTTP on loopback, where browsers would drop Secure cookies.
export DANGAN_SECURE_COOKIES=${DANGAN_SECURE_COOKIES:-0}
.venv/bin/dangan demo
echo
echo "==> serving at http://127.0.0.1:${DANGAN_PORT:-5000}  (Ctrl+C stops)"
exec .venv/bin/dangan serve --host 127.0.0.1 --port "${DANGAN_PORT:-5000}"
