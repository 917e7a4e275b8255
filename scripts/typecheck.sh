#!/usr/bin/env bash
# Type-check the packages listed in pyproject.toml ([tool.mypy] files = [...]) with the settings there.
# Extra arguments go to mypy (e.g. a path to check one module: scripts/typecheck.sh search/query.py).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/mypy "$@"
